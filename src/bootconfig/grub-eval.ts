/**
 * The GRUB interpreter core: runs parsed scripts far enough to build the menus (grub.ts has the
 * rules). Control flow lives here (if, for, while, functions, menu item definitions and the
 * deferred running of their bodies); what each command does is in grub-commands.ts.
 */
import { isoDirname, type ReadTracker } from './common.js';
import { COMMANDS } from './grub-commands.js';
import { menuEntries, menuItemArgs, newMenu, resolveDefault, type GrubItem, type Menu } from './grub-menu.js';
import { literalPrefix, parseGrubScript, type ForNode, type IfNode, type MenuNode, type Node, type Word } from './grub-script.js';
import { newExecState, scopeOf, type ExecState, type Interpreter, type ParseState } from './grub-state.js';
import type { Tri } from './grub-test.js';
import { Env, GRUB_CLIENT, collectAssignedNames, expandJoined, expandWords, newVariableNames, type Field, type Val } from './grub-vars.js';
import { MAX_CALL_DEPTH, MAX_COMMANDS, MAX_ENTRIES, MAX_FOR_ITERATIONS, type BootConfigResult } from './types.js';

/** Run the GRUB configuration starting at `file` (normalised ISO path) and return its entries. */
export function runGrub(tracker: ReadTracker, file: string, loopback: boolean): BootConfigResult {
  const menu = newMenu();
  const parse: ParseState = {
    tracker,
    names: newVariableNames(loopback),
    functions: new Map(),
    parsed: new Map(),
    commands: 0,
    commandLimitHit: false,
    items: 0,
    itemLimitWarned: false,
    activeMenu: menu,
  };
  const nodes = load(parse, file, file, 0, 'entry file');
  if (nodes) runContext(parse, nodes, file, new Env(), menu, [file]);
  const entries = menuEntries(menu, parse.activeMenu.defaultItem, tracker.warn);
  return { entries, warnings: tracker.warnings, assumptions: tracker.assumptions, filesRead: tracker.filesRead };
}

const INTERPRETER: Interpreter = { execList, runContext, load };

function load(parse: ParseState, path: string, fromFile: string, fromLine: number, what: string): Node[] | undefined {
  const cached = parse.parsed.get(path);
  if (cached) return cached;
  const text = parse.tracker.read(path, fromFile, fromLine, what);
  if (text === undefined) return undefined;
  const nodes = parseGrubScript(text, (line, message) => parse.tracker.warn('SYNTAX', path, line, message));
  collectAssignedNames(nodes, parse.names.declared);
  parse.parsed.set(path, nodes);
  return nodes;
}

function runContext(parse: ParseState, nodes: readonly Node[], file: string, env: Env, menu: Menu, fileStack: string[]): void {
  env.vars.set('config_file', { value: file, unresolved: [] });
  env.vars.set('config_directory', { value: isoDirname(file), unresolved: [] });
  const st = newExecState(parse, { env, menu, file, positional: [], entry: undefined, fileStack });
  execList(nodes, st);
  // st.env, not env: an undecidable `if` replaces the Env object with the merged one.
  runPending(parse, menu, st.env);
  menu.defaultItem = resolveDefault(menu, st.env.vars.get('default'));
}

/** Run the bodies of `menu`'s items, as GRUB does when one is chosen: with the file's final variables. */
function runPending(parse: ParseState, menu: Menu, env: Env): void {
  for (let p = menu.pending.shift(); p !== undefined; p = menu.pending.shift()) {
    const submenu = p.item.kind === 'submenu';
    if (submenu) p.item.sub ??= newMenu();
    const st = newExecState(parse, {
      env: env.clone(),
      // A menuentry nested in an entry body has nowhere to go.
      menu: submenu && p.item.sub ? p.item.sub : newMenu(),
      file: p.file,
      positional: p.positional,
      entry: submenu ? undefined : p.item,
      fileStack: p.fileStack,
    });
    execList(p.node.body, st);
    if (p.item.sub) runPending(parse, p.item.sub, st.env);
  }
}

function execList(nodes: readonly Node[], st: ExecState): Tri {
  const parse = st.parse;
  let status: Tri = true;
  for (const n of nodes) {
    if (st.stopped || parse.commandLimitHit) break;
    if (++parse.commands > MAX_COMMANDS) {
      parse.commandLimitHit = true;
      parse.tracker.warn('LIMIT', st.file, n.line, `more than ${MAX_COMMANDS} GRUB commands executed; evaluation stopped`);
      break;
    }
    status = exec(n, st);
  }
  return status;
}

function exec(n: Node, st: ExecState): Tri {
  switch (n.k) {
    case 'cmd':
      return execCommand(n.words, n.line, st);
    case 'if':
      return execIf(n, st);
    case 'for':
      return execFor(n, st);
    case 'while':
      st.parse.tracker.warn('UNSUPPORTED', st.file, n.line, `'${n.until ? 'until' : 'while'}' loop not evaluated`);
      return undefined;
    case 'func':
      if (n.name !== '') st.parse.functions.set(n.name, n.body);
      return true;
    case 'menu':
      defineMenuItem(n, st);
      return true;
  }
}

/**
 * A condition decided here runs one branch. A condition only the booting machine can decide runs
 * every candidate branch; each variable keeps the value of the first branch that changed it.
 */
function execIf(n: IfNode, st: ExecState): Tri {
  const candidates: Array<readonly Node[]> = [];
  let decided = false;
  let undecidable = false;
  let taken = n.elseBody ? "the 'else' branch" : 'no branch';
  const outerReasons = st.clientReasons;
  st.clientReasons = [];
  n.clauses.forEach((c, i) => {
    if (decided) return;
    const s = execList(c.cond, st);
    if (s === true) {
      candidates.push(c.body);
      decided = true;
      taken = i === 0 ? "the 'then' branch" : `the 'elif' branch of line ${c.cond[0]?.line ?? n.line}`;
      return;
    }
    if (s === undefined) {
      candidates.push(c.body);
      undecidable = true;
    }
  });
  const reasons = st.clientReasons;
  st.clientReasons = [...outerReasons, ...reasons.filter((r) => !outerReasons.includes(r))];
  if (!decided && n.elseBody) candidates.push(n.elseBody);
  if (!undecidable && reasons.length > 0) {
    st.parse.tracker.assume(st.file, n.line, `if: ran ${taken} because ${reasons.join(' and ')} (the machine served is a 64-bit x86 PC with GRUB on UEFI)`);
  }
  if (candidates.length === 0) return true;
  const only = candidates[0];
  if (candidates.length === 1 && only) return execList(only, st);

  const base = st.env.clone();
  const merged = new Map<string, Val | null>();
  const exported = new Set<string>(base.exported);
  for (const body of candidates) {
    st.env = base.clone();
    execList(body, st);
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

function execFor(n: ForNode, st: ExecState): Tri {
  const fields = expandWords(n.words, scopeOf(st));
  if (fields.some((f) => f.unresolved.length > 0 || /[*?[]/.test(f.text))) {
    st.parse.tracker.warn('UNSUPPORTED', st.file, n.line, `'for ${n.name}' over boot-time values or file globs not evaluated`);
    return undefined;
  }
  if (fields.length > MAX_FOR_ITERATIONS) {
    st.parse.tracker.warn('LIMIT', st.file, n.line, `'for ${n.name}' has ${fields.length} items; only ${MAX_FOR_ITERATIONS} evaluated`);
  }
  let status: Tri = true;
  for (const f of fields.slice(0, MAX_FOR_ITERATIONS)) {
    st.env.vars.set(n.name, { value: f.text, unresolved: [] });
    status = execList(n.body, st);
  }
  return status;
}

function execCommand(words: readonly Word[], line: number, st: ExecState): Tri {
  const first = words[0];
  if (!first) return true;

  // name=value assignment.
  const am = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(literalPrefix(first));
  if (am && first.parts[0]?.t === 'lit' && !first.parts[0].quoted) {
    const name = am[1] ?? '';
    const whole = expandJoined(first, scopeOf(st));
    st.env.vars.set(name, { value: whole.text.slice(name.length + 1), unresolved: whole.unresolved, ...(whole.assumed ? { assumed: whole.assumed } : {}) });
    if (words.length > 1) st.parse.tracker.warn('SYNTAX', st.file, line, `text after the assignment to ${name} is ignored`);
    return true;
  }

  const argv = expandWords(words, scopeOf(st));
  noteClientValues(argv, st);
  const cmdField = argv[0];
  if (!cmdField) return true;
  if (cmdField.unresolved.length > 0) {
    st.parse.tracker.warn('UNRESOLVED_VARIABLE', st.file, line, `command name ${cmdField.text} is only known at boot time; not evaluated`);
    return undefined;
  }
  const name = cmdField.text;
  const args = argv.slice(1);
  const handler = COMMANDS.get(name);
  if (handler) return handler({ name, args, line, st, run: INTERPRETER });
  const fn = st.parse.functions.get(name);
  if (fn) return callFunction(name, fn, args, line, st);
  return undefined; // insmod, loadfont, terminal_output, echo, sleep, serial, play, background_image, ...
}

/** Record, for the `if` being decided, which served-client values these arguments hold. */
function noteClientValues(argv: readonly Field[], st: ExecState): void {
  for (const f of argv) {
    for (const name of f.assumed ?? []) {
      const reason = `$${name} is "${GRUB_CLIENT.get(name) ?? ''}"`;
      if (!st.clientReasons.includes(reason)) st.clientReasons.push(reason);
    }
  }
}

function callFunction(name: string, body: readonly Node[], args: readonly Field[], line: number, st: ExecState): Tri {
  if (st.callDepth >= MAX_CALL_DEPTH) {
    st.parse.tracker.warn('LIMIT', st.file, line, `function ${name}: calls nested deeper than ${MAX_CALL_DEPTH}; not evaluated`);
    return false;
  }
  const saved = st.positional;
  st.positional = args.map((a) => a.text);
  st.callDepth++;
  const status = execList(body, st);
  st.callDepth--;
  st.positional = saved;
  return status;
}

/** `menuentry`/`submenu`: add the item to the menu now; its body runs after the file (runPending). */
function defineMenuItem(n: MenuNode, st: ExecState): void {
  const parse = st.parse;
  if (st.entry) {
    parse.tracker.warn('UNSUPPORTED', st.file, n.line, `${n.kind} inside a menuentry body is ignored`);
    return;
  }
  if (parse.items >= MAX_ENTRIES) {
    if (!parse.itemLimitWarned) {
      parse.tracker.warn('LIMIT', st.file, n.line, `more than ${MAX_ENTRIES} menu items; the rest are ignored`);
      parse.itemLimitWarned = true;
    }
    return;
  }
  parse.items++;
  const { positional, id } = menuItemArgs(expandWords(n.words, scopeOf(st)));
  const title = positional[0] ?? { text: '', unresolved: [] };
  if (title.text === '') parse.tracker.warn('SYNTAX', st.file, n.line, `${n.kind} without a title`);
  const item: GrubItem = { kind: n.kind === 'submenu' ? 'submenu' : 'entry', title, id, file: st.file, line: n.line, args: [] };
  if (item.kind === 'submenu') item.sub = newMenu();
  st.menu.items.push(item);
  st.menu.seq.push(item);
  st.menu.pending.push({ item, node: n, positional: positional.map((p) => p.text), file: st.file, fileStack: st.fileStack });
}
