/**
 * What each GRUB command does to the interpreter's state, as one table from command name to
 * handler. Commands not listed here (insmod, loadfont, terminal_output, echo, sleep, …) change
 * nothing a boot menu needs; the interpreter calls user functions of that name, or skips them.
 */
import { normalizeIsoPath, stripDevicePrefix } from './common.js';
import { parseGrubEnv } from './grub-env.js';
import { newMenu } from './grub-menu.js';
import { parseGrubScript } from './grub-script.js';
import type { ExecState, Interpreter } from './grub-state.js';
import { evalTest, type Tri } from './grub-test.js';
import { Env, collectAssignedNames, isVariableName, markBootTime, mentions, type Field } from './grub-vars.js';
import { MAX_CONFIG_DEPTH, MAX_EVAL_DEPTH } from './types.js';

/** One command invocation: its expanded arguments and where it runs. */
export interface Invocation {
  /** The command name as written (`linuxefi`, `.`, `search.fs_label`). */
  readonly name: string;
  readonly args: readonly Field[];
  readonly line: number;
  readonly st: ExecState;
  /** For the commands that run more script: source, configfile, eval. */
  readonly run: Interpreter;
}

export type CommandHandler = (c: Invocation) => Tri;

const LINUX_COMMANDS: readonly string[] = ['linux', 'linuxefi', 'linux16', 'linux32', 'linux64'];
const INITRD_COMMANDS: readonly string[] = ['initrd', 'initrdefi', 'initrd16', 'initrd32', 'initrd64'];
/** Commands that boot something other than a Linux kernel (or nothing): the item is not an entry. */
const OTHER_LOADERS: readonly string[] = [
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
];
const SEARCH_COMMANDS: readonly string[] = [
  'search',
  'search.file',
  'search.fs_label',
  'search.fs_uuid',
  'search_label',
  'search_fs_uuid',
  'search_fs_file',
];

function cmdLinux({ name, args, line, st }: Invocation): Tri {
  if (!st.entry) {
    st.parse.tracker.warn('UNSUPPORTED', st.file, line, `${name} outside a menuentry is not a menu entry; ignored`);
    return undefined;
  }
  const k = args[0];
  if (!k) {
    st.parse.tracker.warn('SYNTAX', st.file, line, `${name} without a kernel file`);
    return false;
  }
  st.entry.kernel = k;
  st.entry.kernelCommand = name;
  st.entry.args = args.slice(1);
  st.entry.initrds = undefined; // GRUB forgets an initrd loaded before `linux`
  return true;
}

function cmdInitrd({ args, line, st }: Invocation): Tri {
  if (!st.entry) {
    st.parse.tracker.warn('UNSUPPORTED', st.file, line, 'initrd outside a menuentry is ignored');
    return undefined;
  }
  st.entry.initrds = args.filter((a) => !a.text.startsWith('--')); // --newc:name options are not files
  return true;
}

function cmdOtherLoader({ name, st }: Invocation): Tri {
  if (st.entry && st.entry.otherLoader === undefined) st.entry.otherLoader = name;
  return undefined;
}

function cmdSet({ args, st }: Invocation): Tri {
  for (const a of args) {
    const eq = a.text.indexOf('=');
    if (eq <= 0) continue; // `set name` prints it
    const name = a.text.slice(0, eq);
    if (!isVariableName(name)) continue;
    st.env.vars.set(name, { value: a.text.slice(eq + 1), unresolved: a.unresolved, ...(a.assumed ? { assumed: a.assumed } : {}) });
  }
  return true;
}

function cmdUnset({ args, st }: Invocation): Tri {
  for (const a of args) st.env.vars.delete(a.text);
  return true;
}

function cmdExport({ args, st }: Invocation): Tri {
  for (const a of args) st.env.exported.add(a.text);
  return true;
}

function cmdSource({ args, line, st, run }: Invocation): Tri {
  const target = filePath(args[0], line, st, 'source');
  if (target === undefined) return false;
  if (!mayEnter(target, line, st, 'source')) return false;
  const nodes = run.load(st.parse, target, st.file, line, 'source');
  if (!nodes) return false;
  const saved = { file: st.file, fileStack: st.fileStack };
  st.file = target;
  st.fileStack = [...st.fileStack, target];
  st.env.vars.set('config_file', { value: target, unresolved: [] });
  const status = run.execList(nodes, st);
  st.file = saved.file;
  st.fileStack = saved.fileStack;
  st.env.vars.set('config_file', { value: saved.file, unresolved: [] });
  return status;
}

function cmdConfigfile({ name, args, line, st, run }: Invocation): Tri {
  const target = filePath(args[0], line, st, name);
  if (target === undefined) return false;
  if (!mayEnter(target, line, st, name)) return false;
  const nodes = run.load(st.parse, target, st.file, line, name);
  if (!nodes) return false;
  const childEnv = new Env();
  for (const v of st.env.exported) {
    const val = st.env.vars.get(v);
    if (val) childEnv.vars.set(v, val);
    childEnv.exported.add(v);
  }
  const child = newMenu();
  if (st.entry) {
    // Inside an entry body: choosing the entry opens the other file's menu (a submenu).
    st.entry.sub = child;
    run.runContext(st.parse, nodes, target, childEnv, child, [...st.fileStack, target]);
    return true;
  }
  st.menu.seq.push(child);
  run.runContext(st.parse, nodes, target, childEnv, child, [...st.fileStack, target]);
  if (child.items.length > 0 && st.menu === st.parse.activeMenu) {
    // GRUB shows the new menu at once; the rest of this file only runs if the user escapes.
    st.parse.activeMenu = child;
    st.stopped = true;
  }
  return true;
}

function cmdLoadEnv({ args, line, st }: Invocation): Tri {
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
  if (fileField) path = filePath(fileField, line, st, 'load_env');
  else {
    const prefix = st.env.vars.get('prefix');
    const dir = prefix && prefix.unresolved.length === 0 ? stripDevicePrefix(prefix.value) : '/boot/grub';
    path = normalizeIsoPath(dir + '/grubenv');
  }
  if (path === undefined) return false;
  const text = st.parse.tracker.read(path, st.file, line, 'load_env');
  if (text === undefined) return false;
  const vars = parseGrubEnv(text);
  if (!vars) {
    st.parse.tracker.warn('SYNTAX', st.file, line, `load_env: ${path} is not a GRUB environment block`);
    return false;
  }
  for (const [k, v] of vars) {
    if (names.length > 0 && !names.includes(k)) continue;
    st.env.vars.set(k, { value: v, unresolved: [] });
    st.parse.names.declared.add(k);
    st.parse.names.bootTime.delete(k);
  }
  return true;
}

function cmdEval({ args, line, st, run }: Invocation): Tri {
  if (st.evalDepth >= MAX_EVAL_DEPTH) {
    st.parse.tracker.warn('LIMIT', st.file, line, `eval nested deeper than ${MAX_EVAL_DEPTH}; not evaluated`);
    return false;
  }
  const text = args.map((a) => a.text).join(' ');
  const nodes = parseGrubScript(text, (l, m) => st.parse.tracker.warn('SYNTAX', st.file, l, `in eval: ${m}`), line - 1);
  collectAssignedNames(nodes, st.parse.names.declared);
  st.evalDepth++;
  const status = run.execList(nodes, st);
  st.evalDepth--;
  return status;
}

/** The device found is only known at boot time: so are the variable it sets and the status. */
function cmdSearch({ args, st }: Invocation): Tri {
  markSetOption(args, true, st);
  return undefined;
}

function cmdProbe({ args, st }: Invocation): Tri {
  markSetOption(args, false, st);
  return undefined;
}

/** `read VAR`: what the user types. */
function cmdRead({ args, st }: Invocation): Tri {
  for (const a of args) if (!a.text.startsWith('-')) markBootTime(a.text, st.env, st.parse.names);
  return undefined;
}

/** search/probe `--set[=VAR]` / `-s VAR`: VAR now holds a boot-time value (`root` by default). */
function markSetOption(args: readonly Field[], valueOptional: boolean, st: ExecState): void {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]?.text ?? '';
    if (t.startsWith('--set=')) markBootTime(t.slice('--set='.length), st.env, st.parse.names);
    else if (t === '--set' || t === '-s') {
      const next = args[i + 1]?.text;
      if (!valueOptional && next !== undefined) {
        markBootTime(next, st.env, st.parse.names);
        i++;
      } else markBootTime('root', st.env, st.parse.names);
    }
  }
}

/** regexp `--set=[N:]VAR`: VAR now holds a boot-time value. */
function cmdRegexp({ args, st }: Invocation): Tri {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]?.text ?? '';
    let spec: string | undefined;
    if (t.startsWith('--set=')) spec = t.slice('--set='.length);
    else if (t === '--set' || t === '-s') spec = args[++i]?.text;
    if (spec !== undefined) markBootTime(spec.replace(/^\d+:/, ''), st.env, st.parse.names);
  }
  return undefined;
}

/**
 * `cpuid [-l|--long-mode] [-p|--pae]` (grub-core/commands/i386/cpuid.c): true when the CPU has
 * every feature asked for, false when none is asked for. The served machine is a 64-bit x86 PC,
 * which has both.
 */
function cmdCpuid({ args, st }: Invocation): Tri {
  const features = args.map((a) => a.text);
  if (features.length === 0) return false;
  if (!features.every((f) => ['-l', '--long-mode', '-p', '--pae'].includes(f))) return undefined;
  const reason = `cpuid ${features.join(' ')} holds`;
  if (!st.clientReasons.includes(reason)) st.clientReasons.push(reason);
  return true;
}

function cmdBracket({ args, line, st }: Invocation): Tri {
  if (args[args.length - 1]?.text !== ']') {
    st.parse.tracker.warn('SYNTAX', st.file, line, "'[' without a closing ']'");
    return undefined;
  }
  return evalTest(args.slice(0, -1), st.parse.tracker);
}

/** Whether `target` may be entered from `st` (no loop, not too deep); warns when not. */
function mayEnter(target: string, line: number, st: ExecState, what: string): boolean {
  if (st.fileStack.includes(target)) {
    st.parse.tracker.warn('INCLUDE_LOOP', st.file, line, `${what} ${target} would loop (${[...st.fileStack, target].join(' -> ')}); refused`);
    return false;
  }
  if (st.fileStack.length > MAX_CONFIG_DEPTH) {
    st.parse.tracker.warn('INCLUDE_DEPTH', st.file, line, `${what} ${target}: nesting deeper than ${MAX_CONFIG_DEPTH} files; refused`);
    return false;
  }
  return true;
}

/** A file argument as an ISO path, or undefined (with a warning) when it cannot be known. */
function filePath(f: Field | undefined, line: number, st: ExecState, what: string): string | undefined {
  if (!f || f.text === '') {
    st.parse.tracker.warn('SYNTAX', st.file, line, `${what} without a file name`);
    return undefined;
  }
  const stripped = stripDevicePrefix(f.text);
  const left = f.unresolved.filter((name) => mentions(stripped, name));
  if (left.length > 0) {
    st.parse.tracker.warn(
      'UNRESOLVED_VARIABLE',
      st.file,
      line,
      `${what} ${f.text}: ${left.map((v) => '${' + v + '}').join(', ')} only known at boot time; not followed`,
    );
    return undefined;
  }
  return normalizeIsoPath(stripped.startsWith('/') ? stripped : '/' + stripped);
}

/** Every built-in command the interpreter evaluates, by name. */
export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map<string, CommandHandler>([
  ...LINUX_COMMANDS.map((n): [string, CommandHandler] => [n, cmdLinux]),
  ...INITRD_COMMANDS.map((n): [string, CommandHandler] => [n, cmdInitrd]),
  ...OTHER_LOADERS.map((n): [string, CommandHandler] => [n, cmdOtherLoader]),
  ['set', cmdSet],
  ['unset', cmdUnset],
  ['export', cmdExport],
  ['source', cmdSource],
  ['.', cmdSource],
  ['configfile', cmdConfigfile],
  ['normal', cmdConfigfile],
  ['load_env', cmdLoadEnv],
  ...SEARCH_COMMANDS.map((n): [string, CommandHandler] => [n, cmdSearch]),
  ['probe', cmdProbe],
  ['regexp', cmdRegexp],
  ['read', cmdRead],
  ['eval', cmdEval],
  ['true', () => true],
  ['false', () => false],
  ['[', cmdBracket],
  ['cpuid', cmdCpuid],
  ['test', ({ args, st }) => evalTest(args, st.parse.tracker)],
]);
