/**
 * Shared shapes for the boot-configuration readers.
 *
 * Design rules (they hold for every module in this folder):
 *  - Pure: no fs, no process. Every file is read through {@link BootConfigSource}.
 *  - Never throw on malformed input: bad syntax, loops, missing files and limits
 *    become {@link BootConfigWarning}s and parsing carries on with what it has.
 *  - Every loop (INCLUDE, CONFIG, source, configfile, eval, function calls) is
 *    bounded by a named `MAX_*` limit below and refuses re-entry.
 */

/** Read-only view of the ISO tree. Paths are absolute within the ISO, '/'-separated. Returns undefined when absent. */
export interface BootConfigSource {
  readText(path: string): string | undefined;
  exists(path: string): boolean;
  list?(dir: string): string[] | undefined;
}

export type BootLoader = 'syslinux' | 'grub';

export interface BootEntrySourceRef {
  /** Absolute ISO path of the file holding the LABEL / menuentry line. */
  file: string;
  /** 1-based line of the LABEL / menuentry line. */
  line: number;
  loader: BootLoader;
}

export interface BootMenuEntry {
  /** The ISO's own human label, menu-label cleaned of ^ hotkey markers etc. */
  label: string;
  /** Absolute ISO path, normalised ('/casper/vmlinuz'). */
  kernel: string;
  /** Absolute ISO paths, in order (microcode first when the config lists it first). */
  initrds: string[];
  /**
   * Kernel args as tokens, in order, with initrd=... removed (it is represented by initrds).
   * Both loaders give them as the kernel receives them: split on blanks, a double-quoted run kept
   * whole with its quotes. Syslinux tokens are the APPEND text split so; GRUB tokens are the
   * `linux` arguments with the double quotes the config wrote kept (`key="a b"`), and an argument
   * GRUB would quote itself (a blank from single quotes or `\ `) quoted whole (`"a b"`).
   */
  append: string[];
  source: BootEntrySourceRef;
  isDefault: boolean;
  /** Titles of the enclosing submenus (MENU BEGIN / submenu), outermost first. Absent at top level. */
  menuPath?: string[];
}

export type BootConfigWarningCode =
  | 'FILE_MISSING' // an INCLUDE / CONFIG / source / configfile / load_env target is absent
  | 'INCLUDE_LOOP' // a file would include, source or chain to itself: refused
  | 'INCLUDE_DEPTH' // nesting deeper than the loader allows: refused
  | 'LIMIT' // another hard limit (file size, file count, eval/call depth, loop iterations)
  | 'SYNTAX' // malformed config text; parsing recovered
  | 'UNRESOLVED_VARIABLE' // a GRUB variable whose value is only known at boot time was left literal
  | 'UNSUPPORTED' // a construct this reader does not evaluate (it is skipped)
  | 'SKIPPED' // an entry that is not a bootable Linux kernel (memtest, memdisk, PXE-only branch)
  | 'KERNEL_MISSING' // discovery: the entry's kernel file is not on the ISO, entry dropped
  | 'INITRD_MISSING'; // discovery: an initrd file is not on the ISO, entry kept

export interface BootConfigWarning {
  code: BootConfigWarningCode;
  /** Absolute ISO path of the file the problem is in (or the file that referenced a missing one). */
  file: string;
  /** 1-based line, 0 when not tied to a line. */
  line: number;
  message: string;
}

/**
 * A condition decided the way the machine pxe-import serves would decide it, not from the ISO:
 * which branch of a GRUB `if` ran and why (see GRUB_CLIENT in grub-vars.ts). Not a warning.
 */
export interface BootConfigAssumption {
  /** Absolute ISO path of the file holding the `if`. */
  file: string;
  /** 1-based line of the `if`. */
  line: number;
  message: string;
}

export interface BootConfigResult {
  entries: BootMenuEntry[];
  warnings: BootConfigWarning[];
  /** Conditions decided for the served client (64-bit x86, GRUB on UEFI), in evaluation order. */
  assumptions: BootConfigAssumption[];
  /** Every config file actually read, in first-read order (absolute ISO paths). */
  filesRead: string[];
}

/** Syslinux: "Files can currently be nested up to 16 levels deep" (doc/syslinux.txt). */
export const MAX_INCLUDE_DEPTH = 16;
/** Chained CONFIG switches / GRUB source+configfile nesting. */
export const MAX_CONFIG_DEPTH = 16;
/** Distinct config files one parse may read. */
export const MAX_FILES = 256;
/** Largest config text accepted (characters). Real ones are a few KiB. */
export const MAX_CONFIG_CHARS = 1024 * 1024;
/** Entries one parse may produce. */
export const MAX_ENTRIES = 2048;
/** GRUB `eval` nesting. */
export const MAX_EVAL_DEPTH = 8;
/** GRUB function call nesting. */
export const MAX_CALL_DEPTH = 32;
/** GRUB `for` iterations evaluated per loop. */
export const MAX_FOR_ITERATIONS = 64;
/** GRUB commands executed per parse (guards against pathological scripts). */
export const MAX_COMMANDS = 200_000;
/** GRUB environment block size accepted (the real one is 1024 bytes). */
export const MAX_GRUBENV_CHARS = 64 * 1024;
