/**
 * The GRUB interpreter's state, passed explicitly to every part of it: {@link ParseState} lives
 * for one parseGrub() call, an {@link ExecState} for one running context (a config file and what
 * it sources, a menu item body).
 */
import type { ReadTracker } from './common.js';
import type { GrubItem, Menu } from './grub-menu.js';
import type { Node } from './grub-script.js';
import type { Tri } from './grub-test.js';
import type { Env, Scope, VariableNames } from './grub-vars.js';

export interface ParseState {
  /** Every file read goes through it; every warning goes to it. */
  readonly tracker: ReadTracker;
  readonly names: VariableNames;
  /** `function NAME { }` definitions, global in GRUB. */
  readonly functions: Map<string, readonly Node[]>;
  /** Parsed scripts by ISO path: a file sourced twice is parsed once. */
  readonly parsed: Map<string, Node[]>;
  /** Commands run so far, against MAX_COMMANDS. */
  commands: number;
  commandLimitHit: boolean;
  /** Menu items defined so far, against MAX_ENTRIES. */
  items: number;
  itemLimitWarned: boolean;
  /** The menu GRUB shows: the root one, or the last one a top-level configfile switched to. */
  activeMenu: Menu;
}

export interface ExecState {
  readonly parse: ParseState;
  /** Replaced (not only changed) by an `if` whose branches all ran. */
  env: Env;
  /** Where menuentry/submenu definitions go. */
  readonly menu: Menu;
  /** The file running now (changes during `source`). */
  file: string;
  positional: readonly string[];
  /** The menu item whose body is running: `linux` and `initrd` fill it in. */
  readonly entry: GrubItem | undefined;
  /** Files entered to get here, entry file first (loop and depth checks). */
  fileStack: string[];
  evalDepth: number;
  callDepth: number;
  /** Set when a top-level configfile has taken over the menu: the rest of the file is not run. */
  stopped: boolean;
  /**
   * Why the commands run so far took a value from the served client rather than the ISO
   * (`$grub_platform is "efi"`, `cpuid -l holds`); an `if` collects those of its condition.
   */
  clientReasons: string[];
}

/** The interpreter operations commands need to run more script (source, configfile, eval, calls). */
export interface Interpreter {
  execList(nodes: readonly Node[], st: ExecState): Tri;
  /** Run a whole config context: its script, then its menu item bodies, then its default. */
  runContext(parse: ParseState, nodes: readonly Node[], file: string, env: Env, menu: Menu, fileStack: string[]): void;
  /** Read and parse a script file, or undefined (with a warning) when it cannot be read. */
  load(parse: ParseState, path: string, fromFile: string, fromLine: number, what: string): Node[] | undefined;
}

/** A fresh context running `menu`'s definitions in `file`. */
export function newExecState(
  parse: ParseState,
  at: { env: Env; menu: Menu; file: string; positional: readonly string[]; entry: GrubItem | undefined; fileStack: string[] },
): ExecState {
  return { parse, ...at, evalDepth: 0, callDepth: 0, stopped: false, clientReasons: [] };
}

/** What variable expansion in `st` sees. */
export function scopeOf(st: ExecState): Scope {
  return { env: st.env, positional: st.positional, names: st.parse.names };
}
