/**
 * Reader for GRUB 2 configuration files (grub.cfg, loopback.cfg and what they source).
 *
 * The script is parsed with a real tokenizer (grub-script.ts) and then *evaluated* far enough to
 * know each menu entry's kernel, initrds and arguments:
 *  - `set`, `name=value`, `unset`, `export`, `$var`/`${var}` expansion with GRUB's word splitting;
 *  - `source FILE` (same context) and `configfile FILE` / `normal FILE` (new context, exported
 *    variables only), `eval`, functions, `for` over known words;
 *  - `load_env [-f FILE] [NAME...]` reads a GRUB environment block (archiso's grubenv);
 *  - menuentry / submenu bodies run after the file, with the file's final variables, as GRUB runs
 *    them when chosen; `linux`/`linuxefi`/`linux16`, `initrd`/`initrdefi`/`initrd16`;
 *  - `if`: a condition GRUB could only decide at boot (`$grub_platform`, `search`, `loadfont`...)
 *    runs every branch; entries from all of them are kept; a variable assigned differently by
 *    several branches keeps the first branch's value. Conditions decidable here (`[ -n "$x" ]`
 *    on known values, `-f` on ISO files) are decided;
 *  - `search --set`, `probe --set`, `regexp --set` mark variables as boot-time only;
 *  - device prefixes `(loop)`, `($root)`, `(cd0)`, `(hd0,gpt2)` are stripped from paths;
 *  - `set default=` by index, id, title or `a>b` submenu path.
 *
 * Variables: a variable with a value is expanded. A variable the config assigns somewhere but
 * that is unset at this point expands to nothing, as in GRUB. A variable only known at boot time
 * (GRUB built-ins like $root/$grub_platform, anything set by search/probe/regexp, $iso_path inside
 * loopback.cfg) or never assigned at all is left literal (`${name}`) and the entry gets an
 * UNRESOLVED_VARIABLE warning. Outside loopback.cfg, $iso_path is empty (GRUB sets it only for
 * loopback.cfg).
 */
import { ReadTracker, isoDirname, nonLinuxKernelReason, normalizeIsoPath, normalizeLineEndings, stripDevicePrefix } from './common.js';
import { literalPrefix, parseGrubScript, plainWord, type MenuNode, type Node, type Word } from './grub-script.js';
import {
  MAX_CALL_DEPTH,
  MAX_COMMANDS,
  MAX_CONFIG_DEPTH,
  MAX_ENTRIES,
  MAX_EVAL_DEPTH,
  MAX_FOR_ITERATIONS,
  MAX_GRUBENV_CHARS,
  type BootConfigResult,
  type BootConfigSource,
  type BootMenuEntry,
} from './types.js';

export interface ParseGrubOptions {
  /**
   * Treat the entry file as a loopback.cfg (https://www.supergrubdisk.org/wiki/Loopback.cfg):
   * $iso_path is then a boot-time value and is left literal. Default: true when the entry
   * file's name is loopback.cfg.
   */
  loopback?: boolean;
}

/** GRUB sets these itself; their values are only known on the booting machine. */
const BOOT_TIME_VARIABLES: ReadonlySet<string> = new Set([
  'root',
  'prefix',
  'cmdpath',
  'grub_platform',
  'grub_cpu',
  'net_default_server',
  'net_default_ip',
  'net_default_mac',
  'pxe_default_server',
  'lang',
  'locale_dir',
  'chosen',
  'saved_entry',
  'next_entry',
  'prev_saved_entry',
]);

const LINUX_COMMANDS: ReadonlySet<string> = new Set(['linux', 'linuxefi', 'linux16', 'linux32', 'linux64']);
const INITRD_COMMANDS: ReadonlySet<string> = new Set(['initrd', 'initrdefi', 'initrd16', 'initrd32', 'initrd64']);
const OTHER_LOADERS: ReadonlySet<string> = new Set([
  'chainloader',
  'fwsetup',
  'halt',
  'reboot',
  'exit',
  'multiboot',
  'multiboot2',
  'kfreebsd',
  'knetbsd',
  'kopenbsd',
  'appleloader',
  'ntldr',
  'xnu_kernel',
  'xnu_kernel64',
  'legacy_kernel',
  'freedos',
  'truecrypt',
  'plan9',
]);

/** A variable's value; `unresolved` names boot-time variables left literal inside it. */
interface Val {
  readonly value: string;
  readonly unresolved: readonly string[];
}

/** One argument after expansion and word splitting. */
interface Field {
  readonly text: string;
  readonly unresolved: readonly string[];
}

type Tri = boolean | undefined;

class Env {
  vars = new Map<string, Val>();
  exported = new Set<string>();

  clone(): Env {
    const e = new Env();
    e.vars = new Map(this.vars);
    e.exported = new Set(this.exported);
    return e;
  }
}

interface GrubItem {
  readonly kind: 'entry' | 'submenu';
  readonly title: Field;
  readonly id: string | undefined;
  readonly file: string;
  readonly line: number;
  /** Submenu contents, or the menu an entry body reached with `configfile`. */
  sub?: Menu;
  kernel?: Field;
  kernelCommand?: string;
  args: Field[];
  initrds?: Field[];
  otherLoader?: string;
}

/** A GRUB menu: top level of a config context, or a submenu. */
interface Menu {
  /** Items in definition order (what `default=N` counts). */
  readonly items: GrubItem[];
  /** Output order: items and menus of contexts reached by a top-level configfile. */
  readonly seq: Array<GrubItem | Menu>;
  readonly pending: Pending[];
  defaultItem?: GrubItem;
}

interface Pending {
  readonly item: GrubItem;
  readonly node: MenuNode;
  readonly positional: string[];
  readonly file: string;
  readonly fileStack: string[];
}

interface ExecState {
  env: Env;
  menu: Menu;
  file: string;
  positional: string[];
  entry: GrubItem | undefined;
  fileStack: string[];
  evalDepth: number;
  callDepth: number;
  /** Set when a top-level configfile has taken over the menu: the rest of the file is not run. */
  stop: { stopped: boolean };
}

/** Parse a GRUB configuration starting at `entryFile` (absolute ISO path). */
export function parseGrub(source: BootConfigSource, entryFile: string, options: ParseGrubOptions = {}): BootConfigResult {
  const file = normalizeIsoPath(entryFile);
  const loopback = options.loopback ?? /(^|\/)loopback\.cfg$/i.test(file);
  const runner = new GrubRunner(new ReadTracker(source), loopback);
  return runner.run(file);
}

/**
 * Parse a GRUB environment block (grub-editenv / archiso's grubenv): the signature line
 * `# GRUB Environment Block`, then `KEY=value` lines (values escape '\' and newline with '\'),
 * then '#' padding to 1024 bytes. Returns undefined when the signature is missing.
 */
export function parseGrubEnv(text: string): Map<string, string> | undefined {
  const SIG = '# GRUB Environment Block\n';
  const t = normalizeLineEndings(text);
  if (!t.startsWith(SIG) || t.length > MAX_GRUBENV_CHARS) return undefined;
  const vars = new Map<string, string>();
  let i = SIG.length;
  while (i < t.length) {
    if (t[i] === '#') {
      // Padding (or a comment line): skip to the end of the line.
      const nl = t.indexOf('\n', i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    let lineText = '';
    while (i < t.length && t[i] !== '\n') {
      if (t[i] === '\\' && i + 1 < t.length) {
        lineText += t[i + 1];
        i += 2;
        continue;
      }
      lineText += t[i];
      i++;
    }
    i++; // the newline
    const eq = lineText.indexOf('=');
    if (eq <= 0) continue;
    const key = lineText.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    vars.set(key, lineText.slice(eq + 1));
  }
  return vars;
}

class GrubRunner {
  readonly #declared = new Set<string>();
  readonly #bootTime = new Set<string>(BOOT_TIME_VARIABLES);
  readonly #functions = new Map<string, readonly Node[]>();
  readonly #parsed = new Map<string, Node[]>();
  #commands = 0;
  #commandLimitHit = false;
  #items = 0;
  #itemLimitWarned = false;
  /** The menu GRUB shows: the root one, or the last one a top-level configfile switched to. */
  #activeMenu: Menu | undefined;

  constructor(
    readonly tracker: ReadTracker,
    readonly loopback: boolean,
  ) {
    if (loopback) this.#bootTime.add('iso_path');
  }

  run(file: string): BootConfigResult {
    const menu = newMenu();
    this.#activeMenu = menu;
    const nodes = this.#load(file, file, 0, 'entry file');
    if (nodes) this.#runContext(nodes, file, new Env(), menu, [file]);
    const entries: BootMenuEntry[] = [];
    const def = this.#activeMenu.defaultItem;
    this.#flatten(menu, [], entries, def);
    return { entries, warnings: this.tracker.warnings, filesRead: this.tracker.filesRead };
  }

  // ----- files -------------------------------------------------------------------------------

  #load(path: string, fromFile: string, fromLine: number, what: string): Node[] | undefined {
    const cached = this.#parsed.get(path);
    if (cached) return cached;
    const text = this.tracker.read(path, fromFile, fromLine, what);
    if (text === undefined) return undefined;
    const nodes = parseGrubScript(text, (line, message) => this.tracker.warn('SYNTAX', path, line, message));
    this.#prescan(nodes);
    this.#parsed.set(path, nodes);
    return nodes;
  }

  /** Record every variable the script assigns anywhere (those expand to "" while unset). */
  #prescan(nodes: readonly Node[]): void {
    const nameOf = (w: Word): string | undefined => /^([A-Za-z_][A-Za-z0-9_]*)(=|$)/.exec(literalPrefix(w))?.[1];
    for (const n of nodes) {
      switch (n.k) {
        case 'cmd': {
          const first = n.words[0];
          if (!first) break;
          const cmd = plainWord(first);
          if (cmd === 'set') {
            for (const w of n.words.slice(1)) {
              const name = nameOf(w);
              if (name !== undefined && literalPrefix(w).includes('=')) this.#declared.add(name);
            }
          } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(literalPrefix(first))) {
            const name = nameOf(first);
            if (name !== undefined) this.#declared.add(name);
          }
          break;
        }
        case 'if':
          for (const c of n.clauses) {
            this.#prescan(c.cond);
            this.#prescan(c.body);
          }
          if (n.elseBody) this.#prescan(n.elseBody);
          break;
        case 'for':
          this.#declared.add(n.name);
          this.#prescan(n.body);
          break;
        case 'while':
          this.#prescan(n.cond);
          this.#prescan(n.body);
          break;
        case 'func':
        case 'menu':
          this.#prescan(n.body);
          break;
      }
    }
  }

  /** Run a whole config context: its script, then its menu entry bodies, then its default. */
  #runContext(nodes: readonly Node[], file: string, env: Env, menu: Menu, fileStack: string[]): void {
    env.vars.set('config_file', { value: file, unresolved: [] });
    env.vars.set('config_directory', { value: isoDirname(file), unresolved: [] });
    const st: ExecState = {
      env,
      menu,
      file,
      positional: [],
      entry: undefined,
      fileStack,
      evalDepth: 0,
      callDepth: 0,
      stop: { stopped: false },
    };
    this.#execList(nodes, st);
    // st.env, not env: an undecidable `if` replaces the Env object with the merged one.
    this.#processPending(menu, st.env);
    const defVal = st.env.vars.get('default');
    menu.defaultItem = this.#resolveDefault(menu, defVal);
  }

  #processPending(menu: Menu, env: Env): void {
    for (let p = menu.pending.shift(); p !== undefined; p = menu.pending.shift()) {
      const bodyEnv = env.clone();
      if (p.item.kind === 'submenu') {
        const sub = p.item.sub ?? newMenu();
        p.item.sub = sub;
        const st: ExecState = {
          env: bodyEnv,
          menu: sub,
          file: p.file,
          positional: p.positional,
          entry: undefined,
          fileStack: p.fileStack,
          evalDepth: 0,
          callDepth: 0,
          stop: { stopped: false },
        };
        this.#execList(p.node.body, st);
        this.#processPending(sub, st.env);
      } else {
        const st: ExecState = {
          env: bodyEnv,
          menu: newMenu(), // a menuentry nested in an entry body has nowhere to go
          file: p.file,
          positional: p.positional,
          entry: p.item,
          fileStack: p.fileStack,
          evalDepth: 0,
          callDepth: 0,
          stop: { stopped: false },
        };
        this.#execList(p.node.body, st);
        if (p.item.sub) this.#processPending(p.item.sub, st.env);
      }
    }
  }

  // ----- execution ---------------------------------------------------------------------------

  #execList(nodes: readonly Node[], st: ExecState): Tri {
    let status: Tri = true;
    for (const n of nodes) {
      if (st.stop.stopped || this.#commandLimitHit) break;
      if (++this.#commands > MAX_COMMANDS) {
        this.#commandLimitHit = true;
        this.tracker.warn('LIMIT', st.file, n.line, `more than ${MAX_COMMANDS} GRUB commands executed; evaluation stopped`);
        break;
      }
      status = this.#exec(n, st);
    }
    return status;
  }

  #exec(n: Node, st: ExecState): Tri {
    switch (n.k) {
      case 'cmd':
        return this.#execCommand(n.words, n.line, st);
      case 'if':
        return this.#execIf(n, st);
      case 'for':
        return this.#execFor(n, st);
      case 'while':
        this.tracker.warn('UNSUPPORTED', st.file, n.line, `'${n.until ? 'until' : 'while'}' loop not evaluated`);
        return undefined;
      case 'func':
        if (n.name !== '') this.#functions.set(n.name, n.body);
        return true;
      case 'menu':
        this.#defineMenuItem(n, st);
        return true;
    }
  }

  #execIf(n: Extract<Node, { k: 'if' }>, st: ExecState): Tri {
    const candidates: Array<readonly Node[]> = [];
    let decided = false;
    for (const c of n.clauses) {
      const s = this.#execList(c.cond, st);
      if (s === true) {
        candidates.push(c.body);
        decided = true;
        break;
      }
      if (s === undefined) candidates.push(c.body);
    }
    if (!decided && n.elseBody) candidates.push(n.elseBody);
    if (candidates.length === 0) return true;
    const only = candidates[0];
    if (candidates.length === 1 && only) return this.#execList(only, st);

    // Boot-time decision: run every branch; keep each variable's first branch value.
    const base = st.env.clone();
    const merged = new Map<string, Val | null>();
    const exported = new Set<string>(base.exported);
    for (const body of candidates) {
      st.env = base.clone();
      this.#execList(body, st);
      for (const [k, v] of st.env.vars) {
        if (base.vars.get(k) !== v && !merged.has(k)) merged.set(k, v);
      }
      for (const k of base.vars.keys()) {
        if (!st.env.vars.has(k) && !merged.has(k)) merged.set(k, null);
      }
      for (const k of st.env.exported) exported.add(k);
    }
    const out = base.clone();
    for (const [k, v] of merged) {
      if (v === null) out.vars.delete(k);
      else out.vars.set(k, v);
    }
    out.exported = exported;
    st.env = out;
    return undefined; // which branch ran is only known at boot time
  }

  #execFor(n: Extract<Node, { k: 'for' }>, st: ExecState): Tri {
    const fields = this.#expandWords(n.words, st);
    if (fields.some((f) => f.unresolved.length > 0 || /[*?[]/.test(f.text))) {
      this.tracker.warn('UNSUPPORTED', st.file, n.line, `'for ${n.name}' over boot-time values or file globs not evaluated`);
      return undefined;
    }
    if (fields.length > MAX_FOR_ITERATIONS) {
      this.tracker.warn('LIMIT', st.file, n.line, `'for ${n.name}' has ${fields.length} items; only ${MAX_FOR_ITERATIONS} evaluated`);
    }
    let status: Tri = true;
    for (const f of fields.slice(0, MAX_FOR_ITERATIONS)) {
      st.env.vars.set(n.name, { value: f.text, unresolved: [] });
      status = this.#execList(n.body, st);
    }
    return status;
  }

  #execCommand(words: readonly Word[], line: number, st: ExecState): Tri {
    const first = words[0];
    if (!first) return true;

    // name=value assignment.
    const lp = literalPrefix(first);
    const am = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(lp);
    if (am && first.parts[0]?.t === 'lit' && !first.parts[0].quoted) {
      const name = am[1] ?? '';
      const whole = this.#expandJoined(first, st);
      st.env.vars.set(name, { value: whole.text.slice(name.length + 1), unresolved: whole.unresolved });
      if (words.length > 1) this.tracker.warn('SYNTAX', st.file, line, `text after the assignment to ${name} is ignored`);
      return true;
    }

    const argv = this.#expandWords(words, st);
    const cmdField = argv[0];
    if (!cmdField) return true;
    if (cmdField.unresolved.length > 0) {
      this.tracker.warn('UNRESOLVED_VARIABLE', st.file, line, `command name ${cmdField.text} is only known at boot time; not evaluated`);
      return undefined;
    }
    const cmd = cmdField.text;
    const args = argv.slice(1);

    if (LINUX_COMMANDS.has(cmd)) return this.#cmdLinux(cmd, args, line, st);
    if (INITRD_COMMANDS.has(cmd)) return this.#cmdInitrd(args, line, st);
    if (OTHER_LOADERS.has(cmd)) {
      if (st.entry && st.entry.otherLoader === undefined) st.entry.otherLoader = cmd;
      return undefined;
    }
    switch (cmd) {
      case 'set':
        for (const a of args) {
          const eq = a.text.indexOf('=');
          if (eq <= 0) continue; // `set name` prints it
          const name = a.text.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
          st.env.vars.set(name, { value: a.text.slice(eq + 1), unresolved: a.unresolved });
        }
        return true;
      case 'unset':
        for (const a of args) st.env.vars.delete(a.text);
        return true;
      case 'export':
        for (const a of args) st.env.exported.add(a.text);
        return true;
      case 'source':
      case '.':
        return this.#cmdSource(args, line, st);
      case 'configfile':
      case 'normal':
        return this.#cmdConfigfile(cmd, args, line, st);
      case 'load_env':
        return this.#cmdLoadEnv(args, line, st);
      case 'search':
      case 'search.file':
      case 'search.fs_label':
      case 'search.fs_uuid':
      case 'search_label':
      case 'search_fs_uuid':
      case 'search_fs_file':
        this.#markSet(args, true, st);
        return undefined;
      case 'probe':
        this.#markSet(args, false, st);
        return undefined;
      case 'regexp':
        this.#markRegexp(args, st);
        return undefined;
      case 'read':
        for (const a of args) if (!a.text.startsWith('-')) this.#makeBootTime(a.text, st);
        return undefined;
      case 'eval':
        return this.#cmdEval(args, line, st);
      case 'true':
        return true;
      case 'false':
        return false;
      case '[':
        return this.#evalTest(args, true, line, st);
      case 'test':
        return this.#evalTest(args, false, line, st);
      default: {
        const fn = this.#functions.get(cmd);
        if (fn) return this.#call(cmd, fn, args, line, st);
        // insmod, loadfont, terminal_output, echo, sleep, serial, play, background_image, ...
        return undefined;
      }
    }
  }

  #cmdLinux(cmd: string, args: Field[], line: number, st: ExecState): Tri {
    if (!st.entry) {
      this.tracker.warn('UNSUPPORTED', st.file, line, `${cmd} outside a menuentry is not a menu entry; ignored`);
      return undefined;
    }
    const k = args[0];
    if (!k) {
      this.tracker.warn('SYNTAX', st.file, line, `${cmd} without a kernel file`);
      return false;
    }
    st.entry.kernel = k;
    st.entry.kernelCommand = cmd;
    st.entry.args = args.slice(1);
    st.entry.initrds = undefined; // GRUB forgets an initrd loaded before `linux`
    return true;
  }

  #cmdInitrd(args: Field[], line: number, st: ExecState): Tri {
    if (!st.entry) {
      this.tracker.warn('UNSUPPORTED', st.file, line, 'initrd outside a menuentry is ignored');
      return undefined;
    }
    st.entry.initrds = args.filter((a) => !a.text.startsWith('--')); // --newc:name options are not files
    return true;
  }

  #cmdSource(args: Field[], line: number, st: ExecState): Tri {
    const target = this.#filePath(args[0], line, st, 'source');
    if (target === undefined) return false;
    if (!this.#enterFile(target, line, st, 'source')) return false;
    const nodes = this.#load(target, st.file, line, 'source');
    if (!nodes) return false;
    const saved = { file: st.file, fileStack: st.fileStack };
    st.file = target;
    st.fileStack = [...st.fileStack, target];
    st.env.vars.set('config_file', { value: target, unresolved: [] });
    const status = this.#execList(nodes, st);
    st.file = saved.file;
    st.fileStack = saved.fileStack;
    st.env.vars.set('config_file', { value: saved.file, unresolved: [] });
    return status;
  }

  #cmdConfigfile(cmd: string, args: Field[], line: number, st: ExecState): Tri {
    const target = this.#filePath(args[0], line, st, cmd);
    if (target === undefined) return false;
    if (!this.#enterFile(target, line, st, cmd)) return false;
    const nodes = this.#load(target, st.file, line, cmd);
    if (!nodes) return false;
    const childEnv = new Env();
    for (const name of st.env.exported) {
      const v = st.env.vars.get(name);
      if (v) childEnv.vars.set(name, v);
      childEnv.exported.add(name);
    }
    const child = newMenu();
    if (st.entry) {
      // Inside an entry body: choosing the entry opens the other file's menu (a submenu).
      st.entry.sub = child;
      this.#runContext(nodes, target, childEnv, child, [...st.fileStack, target]);
      return true;
    }
    st.menu.seq.push(child);
    this.#runContext(nodes, target, childEnv, child, [...st.fileStack, target]);
    if (child.items.length > 0 && st.menu === this.#activeMenu) {
      // GRUB shows the new menu at once; the rest of this file only runs if the user escapes.
      this.#activeMenu = child;
      st.stop.stopped = true;
    }
    return true;
  }

  #cmdLoadEnv(args: Field[], line: number, st: ExecState): Tri {
    let fileField: Field | undefined;
    const names: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (!a) continue;
      if (a.text === '-f' || a.text === '--file') {
        fileField = args[++i];
        continue;
      }
      if (a.text.startsWith('--file=')) {
        fileField = { text: a.text.slice('--file='.length), unresolved: a.unresolved };
        continue;
      }
      if (a.text === '-s' || a.text === '--skip-sig') continue;
      names.push(a.text);
    }
    let path: string | undefined;
    if (fileField) path = this.#filePath(fileField, line, st, 'load_env');
    else {
      const prefix = st.env.vars.get('prefix');
      const dir = prefix && prefix.unresolved.length === 0 ? stripDevicePrefix(prefix.value) : '/boot/grub';
      path = normalizeIsoPath(dir + '/grubenv');
    }
    if (path === undefined) return false;
    const text = this.tracker.read(path, st.file, line, 'load_env');
    if (text === undefined) return false;
    const vars = parseGrubEnv(text);
    if (!vars) {
      this.tracker.warn('SYNTAX', st.file, line, `load_env: ${path} is not a GRUB environment block`);
      return false;
    }
    for (const [k, v] of vars) {
      if (names.length > 0 && !names.includes(k)) continue;
      st.env.vars.set(k, { value: v, unresolved: [] });
      this.#declared.add(k);
      this.#bootTime.delete(k);
    }
    return true;
  }

  #cmdEval(args: Field[], line: number, st: ExecState): Tri {
    if (st.evalDepth >= MAX_EVAL_DEPTH) {
      this.tracker.warn('LIMIT', st.file, line, `eval nested deeper than ${MAX_EVAL_DEPTH}; not evaluated`);
      return false;
    }
    const text = args.map((a) => a.text).join(' ');
    const nodes = parseGrubScript(text, (l, m) => this.tracker.warn('SYNTAX', st.file, l, `in eval: ${m}`), line - 1);
    this.#prescan(nodes);
    st.evalDepth++;
    const status = this.#execList(nodes, st);
    st.evalDepth--;
    return status;
  }

  #call(name: string, body: readonly Node[], args: Field[], line: number, st: ExecState): Tri {
    if (st.callDepth >= MAX_CALL_DEPTH) {
      this.tracker.warn('LIMIT', st.file, line, `function ${name}: calls nested deeper than ${MAX_CALL_DEPTH}; not evaluated`);
      return false;
    }
    const saved = st.positional;
    st.positional = args.map((a) => a.text);
    st.callDepth++;
    const status = this.#execList(body, st);
    st.callDepth--;
    st.positional = saved;
    return status;
  }

  /** search/probe `--set[=VAR]` / `-s VAR`: VAR now holds a boot-time value. */
  #markSet(args: Field[], optionalArg: boolean, st: ExecState): void {
    for (let i = 0; i < args.length; i++) {
      const t = args[i]?.text ?? '';
      if (t.startsWith('--set=')) this.#makeBootTime(t.slice('--set='.length), st);
      else if (t === '--set' || t === '-s') {
        const next = args[i + 1]?.text;
        if (!optionalArg && next !== undefined) {
          this.#makeBootTime(next, st);
          i++;
        } else this.#makeBootTime('root', st);
      }
    }
  }

  #markRegexp(args: Field[], st: ExecState): void {
    for (let i = 0; i < args.length; i++) {
      const t = args[i]?.text ?? '';
      let spec: string | undefined;
      if (t.startsWith('--set=')) spec = t.slice('--set='.length);
      else if (t === '--set' || t === '-s') spec = args[++i]?.text;
      if (spec !== undefined) this.#makeBootTime(spec.replace(/^\d+:/, ''), st);
    }
  }

  #makeBootTime(name: string, st: ExecState): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
    st.env.vars.delete(name);
    this.#bootTime.add(name);
  }

  #enterFile(target: string, line: number, st: ExecState, what: string): boolean {
    if (st.fileStack.includes(target)) {
      this.tracker.warn('INCLUDE_LOOP', st.file, line, `${what} ${target} would loop (${[...st.fileStack, target].join(' -> ')}); refused`);
      return false;
    }
    if (st.fileStack.length > MAX_CONFIG_DEPTH) {
      this.tracker.warn('INCLUDE_DEPTH', st.file, line, `${what} ${target}: nesting deeper than ${MAX_CONFIG_DEPTH} files; refused`);
      return false;
    }
    return true;
  }

  /** A file argument as an ISO path, or undefined (with a warning) when it cannot be known. */
  #filePath(f: Field | undefined, line: number, st: ExecState, what: string): string | undefined {
    if (!f || f.text === '') {
      this.tracker.warn('SYNTAX', st.file, line, `${what} without a file name`);
      return undefined;
    }
    const stripped = stripDevicePrefix(f.text);
    const left = f.unresolved.filter((name) => mentions(stripped, name));
    if (left.length > 0) {
      this.tracker.warn(
        'UNRESOLVED_VARIABLE',
        st.file,
        line,
        `${what} ${f.text}: ${left.map((v) => '${' + v + '}').join(', ')} only known at boot time; not followed`,
      );
      return undefined;
    }
    return normalizeIsoPath(stripped.startsWith('/') ? stripped : '/' + stripped);
  }

  // ----- menus -------------------------------------------------------------------------------

  #defineMenuItem(n: MenuNode, st: ExecState): void {
    if (st.entry) {
      this.tracker.warn('UNSUPPORTED', st.file, n.line, `${n.kind} inside a menuentry body is ignored`);
      return;
    }
    if (this.#items >= MAX_ENTRIES) {
      if (!this.#itemLimitWarned) {
        this.tracker.warn('LIMIT', st.file, n.line, `more than ${MAX_ENTRIES} menu items; the rest are ignored`);
        this.#itemLimitWarned = true;
      }
      return;
    }
    this.#items++;
    const argv = this.#expandWords(n.words, st);
    const positional: Field[] = [];
    let id: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a) continue;
      const t = a.text;
      if (t.startsWith('--') && t.length > 2) {
        const eq = t.indexOf('=');
        const opt = eq < 0 ? t : t.slice(0, eq);
        const takesValue = opt === '--class' || opt === '--users' || opt === '--hotkey' || opt === '--id';
        let value: string | undefined;
        if (eq >= 0) value = t.slice(eq + 1);
        else if (takesValue) value = argv[++i]?.text;
        if (opt === '--id') id = value;
        continue;
      }
      positional.push(a);
    }
    const title = positional[0] ?? { text: '', unresolved: [] };
    if (title.text === '') this.tracker.warn('SYNTAX', st.file, n.line, `${n.kind} without a title`);
    const item: GrubItem = { kind: n.kind === 'submenu' ? 'submenu' : 'entry', title, id, file: st.file, line: n.line, args: [] };
    if (item.kind === 'submenu') item.sub = newMenu();
    st.menu.items.push(item);
    st.menu.seq.push(item);
    st.menu.pending.push({ item, node: n, positional: positional.map((p) => p.text), file: st.file, fileStack: st.fileStack });
  }

  #resolveDefault(menu: Menu, def: Val | undefined): GrubItem | undefined {
    const fallback = menu.items[0];
    if (!def || def.unresolved.length > 0 || def.value.trim() === '') return fallback;
    let items = menu.items;
    let found: GrubItem | undefined;
    for (const comp of def.value.split('>')) {
      const c = comp.trim();
      found = /^\d+$/.test(c) ? items[Number(c)] : (items.find((i) => i.id === c) ?? items.find((i) => i.title.text === c));
      if (!found) return fallback;
      items = found.sub?.items ?? [];
    }
    return found;
  }

  #flatten(menu: Menu, path: string[], out: BootMenuEntry[], def: GrubItem | undefined): void {
    for (const x of menu.seq) {
      if (!('kind' in x)) {
        this.#flatten(x, path, out, def);
        continue;
      }
      if (x.kind === 'entry' && x.kernel) {
        const e = this.#toEntry(x, path, x === def);
        if (e) out.push(e);
      }
      if (x.sub) this.#flatten(x.sub, [...path, x.title.text], out, def);
    }
  }

  #toEntry(item: GrubItem, path: string[], isDefault: boolean): BootMenuEntry | undefined {
    const k = item.kernel;
    if (!k) return undefined;
    const title = item.title.text;
    const unresolved = new Set<string>(item.title.unresolved);
    const asPath = (f: Field): string => {
      const stripped = stripDevicePrefix(f.text);
      for (const v of f.unresolved) if (mentions(stripped, v)) unresolved.add(v);
      return normalizeIsoPath(stripped.startsWith('/') ? stripped : '/' + stripped);
    };
    const kernel = asPath(k);
    const reason = nonLinuxKernelReason(kernel);
    if (reason !== undefined) {
      this.tracker.warn('SKIPPED', item.file, item.line, `menuentry '${title}': ${kernel} is not a Linux kernel (${reason}); skipped`);
      return undefined;
    }
    const append: string[] = [];
    const initrdArgs: string[] = [];
    for (const a of item.args) {
      if (a.text.startsWith('initrd=')) {
        initrdArgs.push(a.text.slice('initrd='.length));
        continue;
      }
      for (const v of a.unresolved) unresolved.add(v);
      append.push(a.text);
    }
    let initrds = (item.initrds ?? []).map(asPath);
    if (item.initrds === undefined && initrdArgs.length > 0) {
      // No initrd command: an EFI-stub kernel would load initrd= itself.
      initrds = initrdArgs.flatMap((s) => s.split(',')).filter((s) => s !== '').map((s) => asPath({ text: s, unresolved: [] }));
    }
    if (unresolved.size > 0) {
      this.tracker.warn(
        'UNRESOLVED_VARIABLE',
        item.file,
        item.line,
        `menuentry '${title}': ${[...unresolved].map((v) => '${' + v + '}').join(', ')} only known at boot time; left literal`,
      );
    }
    const entry: BootMenuEntry = {
      label: title.trim(),
      kernel,
      initrds,
      append,
      source: { file: item.file, line: item.line, loader: 'grub' },
      isDefault,
    };
    if (path.length > 0) entry.menuPath = path;
    return entry;
  }

  // ----- expansion ---------------------------------------------------------------------------

  #lookup(name: string, braced: boolean, st: ExecState): Val {
    const literal = braced ? '${' + name + '}' : '$' + name;
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      return { value: n === 0 ? '' : (st.positional[n - 1] ?? ''), unresolved: [] };
    }
    if (name === '#') return { value: String(st.positional.length), unresolved: [] };
    if (name === '@' || name === '*') return { value: st.positional.join(' '), unresolved: [] };
    if (name === '?') return { value: '0', unresolved: [] };
    const v = st.env.vars.get(name);
    if (v) return v;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { value: literal, unresolved: [name] };
    if (name === 'iso_path' && !this.loopback) return { value: '', unresolved: [] };
    if (this.#bootTime.has(name)) return { value: literal, unresolved: [name] };
    if (this.#declared.has(name)) return { value: '', unresolved: [] };
    return { value: literal, unresolved: [name] };
  }

  /** Expand words into argv fields, with GRUB's splitting of unquoted variable values. */
  #expandWords(words: readonly Word[], st: ExecState): Field[] {
    const out: Field[] = [];
    for (const w of words) {
      let cur = '';
      let active = false;
      let unresolved: string[] = [];
      const push = (): void => {
        out.push({ text: cur, unresolved });
        cur = '';
        active = false;
        unresolved = [];
      };
      for (const p of w.parts) {
        if (p.t === 'lit') {
          cur += p.text;
          active = true;
          continue;
        }
        const v = this.#lookup(p.name, p.braced, st);
        if (p.quoted) {
          cur += v.value;
          active = true;
          for (const u of v.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
          continue;
        }
        // Unquoted: GRUB splits the value into several arguments at blanks.
        const val = v.value;
        const pieces = val.split(/[ \t\n]+/).filter((s) => s !== '');
        if (/^[ \t\n]/.test(val) && active && cur !== '') push();
        pieces.forEach((piece, i) => {
          if (i > 0) push();
          cur += piece;
          active = true;
          for (const u of v.unresolved) if (mentions(piece, u) && !unresolved.includes(u)) unresolved.push(u);
        });
        if (/[ \t\n]$/.test(val) && pieces.length > 0) push();
      }
      if (active) push();
    }
    return out;
  }

  /** Expand one word without splitting (assignments). */
  #expandJoined(w: Word, st: ExecState): Field {
    let text = '';
    const unresolved: string[] = [];
    for (const p of w.parts) {
      if (p.t === 'lit') {
        text += p.text;
        continue;
      }
      const v = this.#lookup(p.name, p.braced, st);
      text += v.value;
      for (const u of v.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
    }
    return { text, unresolved };
  }

  // ----- test / [ ------------------------------------------------------------------------------

  #evalTest(args: Field[], bracket: boolean, line: number, st: ExecState): Tri {
    let a = args;
    if (bracket) {
      if (a[a.length - 1]?.text !== ']') {
        this.tracker.warn('SYNTAX', st.file, line, "'[' without a closing ']'");
        return undefined;
      }
      a = a.slice(0, -1);
    }
    let pos = 0;
    const peek = (): Field | undefined => a[pos];
    const next = (): Field | undefined => a[pos++];
    const known = (f: Field | undefined): f is Field => f !== undefined && f.unresolved.length === 0;

    const fileTest = (op: string, f: Field | undefined): Tri => {
      if (!f) return undefined;
      const stripped = stripDevicePrefix(f.text);
      if (f.unresolved.some((v) => mentions(stripped, v))) return undefined;
      if (!stripped.startsWith('/')) return undefined;
      const p = normalizeIsoPath(stripped);
      if (op === '-d') {
        const listed = this.tracker.list(p);
        return listed === undefined ? undefined : true;
      }
      return this.tracker.exists(p);
    };
    const primary = (): Tri => {
      const t = peek();
      if (!t) return false;
      if (t.text === '(' && t.unresolved.length === 0) {
        next();
        const v = or();
        if (peek()?.text === ')') next();
        return v;
      }
      const unary = ['-n', '-z', '-e', '-f', '-d', '-s'];
      if (unary.includes(t.text) && a.length - pos >= 2) {
        next();
        const arg = next();
        if (t.text === '-n') return known(arg) ? arg.text !== '' : undefined;
        if (t.text === '-z') return known(arg) ? arg.text === '' : undefined;
        return fileTest(t.text, arg);
      }
      const left = next();
      const op = peek()?.text;
      const binary = ['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge'];
      if (op !== undefined && binary.includes(op) && pos + 1 < a.length) {
        next();
        const right = next();
        if (!known(left) || !known(right)) return undefined;
        const l = left.text;
        const r = right.text;
        switch (op) {
          case '=':
          case '==':
            return l === r;
          case '!=':
            return l !== r;
          case '<':
            return l < r;
          case '>':
            return l > r;
          default: {
            const ln = Number.parseInt(l, 10);
            const rn = Number.parseInt(r, 10);
            if (Number.isNaN(ln) || Number.isNaN(rn)) return undefined;
            if (op === '-eq') return ln === rn;
            if (op === '-ne') return ln !== rn;
            if (op === '-lt') return ln < rn;
            if (op === '-le') return ln <= rn;
            if (op === '-gt') return ln > rn;
            return ln >= rn;
          }
        }
      }
      return known(left) ? left.text !== '' : undefined;
    };
    const not = (): Tri => {
      if (peek()?.text === '!') {
        next();
        const v = not();
        return v === undefined ? undefined : !v;
      }
      return primary();
    };
    const and = (): Tri => {
      let v = not();
      while (peek()?.text === '-a') {
        next();
        const r = not();
        v = v === false || r === false ? false : v === true && r === true ? true : undefined;
      }
      return v;
    };
    const or = (): Tri => {
      let v = and();
      while (peek()?.text === '-o') {
        next();
        const r = and();
        v = v === true || r === true ? true : v === false && r === false ? false : undefined;
      }
      return v;
    };
    if (a.length === 0) return false;
    return or();
  }
}

function newMenu(): Menu {
  return { items: [], seq: [], pending: [] };
}

/** Whether `text` still contains the literal reference to variable `name`. */
function mentions(text: string, name: string): boolean {
  if (text.includes('${' + name + '}')) return true;
  const re = new RegExp('\\$' + name.replace(/[^A-Za-z0-9_]/g, '\\$&') + '(?![A-Za-z0-9_])');
  return re.test(text);
}
