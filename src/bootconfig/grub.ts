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
 *  - `if`: a condition GRUB could only decide at boot (`search`, `loadfont`, `$cmdpath`...)
 *    runs every branch; entries from all of them are kept; a variable assigned differently by
 *    several branches keeps the first branch's value. Conditions decidable here (`[ -n "$x" ]`
 *    on known values, `-f` on ISO files) are decided, and so are those on the machine served
 *    (`$grub_platform`, `$grub_cpu`, `cpuid -l`: a 64-bit x86 PC, GRUB on UEFI), each such `if`
 *    recorded in the result's `assumptions` with the branch it ran and why;
 *  - `search --set`, `probe --set`, `regexp --set` mark variables as boot-time only;
 *  - device prefixes `(loop)`, `($root)`, `(cd0)`, `(hd0,gpt2)` are stripped from paths;
 *  - `set default=` by index, id, title or `a>b` submenu path.
 *
 * Variables: known values are expanded; a variable only the booting machine knows is left
 * literal (`${name}`) and the entry gets an UNRESOLVED_VARIABLE warning (rules in grub-vars.ts).
 *
 * Where things are:
 *  - grub-script.ts   lexer and parser: text → nodes;
 *  - grub-eval.ts     interpreter core: control flow, menu item definitions, deferred bodies;
 *  - grub-state.ts    the interpreter's state (per parse, per running context);
 *  - grub-commands.ts what each command does (`set`, `source`, `linux`, `search --set`, …);
 *  - grub-vars.ts     variable values and `$var` expansion;
 *  - grub-test.ts     the `test` / `[` evaluator;
 *  - grub-menu.ts     menus, `default`, items → BootMenuEntry (non-Linux kernels skipped);
 *  - grub-env.ts      GRUB environment blocks (load_env).
 */
import { ReadTracker, normalizeIsoPath } from './common.js';
import { runGrub } from './grub-eval.js';
import type { BootConfigResult, BootConfigSource } from './types.js';

export { parseGrubEnv } from './grub-env.js';

export interface ParseGrubOptions {
  /**
   * Treat the entry file as a loopback.cfg (https://www.supergrubdisk.org/wiki/Loopback.cfg):
   * $iso_path is then a boot-time value and is left literal. Default: true when the entry
   * file's name is loopback.cfg.
   */
  loopback?: boolean;
}

/** Parse a GRUB configuration starting at `entryFile` (absolute ISO path). */
export function parseGrub(source: BootConfigSource, entryFile: string, options: ParseGrubOptions = {}): BootConfigResult {
  const file = normalizeIsoPath(entryFile);
  const loopback = options.loopback ?? /(^|\/)loopback\.cfg$/i.test(file);
  return runGrub(new ReadTracker(source), file, loopback);
}
