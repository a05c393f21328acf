/**
 * Helpers shared by the syslinux and GRUB readers: ISO path arithmetic (string-only, no I/O),
 * bounded file reading with warning collection, and the "is this a Linux kernel" heuristic.
 */
import {
  MAX_CONFIG_CHARS,
  MAX_FILES,
  type BootConfigAssumption,
  type BootConfigSource,
  type BootConfigWarning,
  type BootConfigWarningCode,
} from './types.js';

/**
 * Normalise an ISO path: '/'-separated, absolute, no '.', no empty segments, '..' folded
 * (clamped at the root: the ISO root is the top of the world), no trailing slash.
 */
export function normalizeIsoPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}

/** Directory part of an absolute ISO path ('/a/b.cfg' → '/a', '/x' → '/'). */
export function isoDirname(p: string): string {
  const n = normalizeIsoPath(p);
  const i = n.lastIndexOf('/');
  return i <= 0 ? '/' : n.slice(0, i);
}

export function isoBasename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** Resolve `rel` against directory `base` (both ISO paths); absolute `rel` ignores `base`. */
export function resolveIsoPath(base: string, rel: string): string {
  if (rel.startsWith('/')) return normalizeIsoPath(rel);
  return normalizeIsoPath(base + '/' + rel);
}

/**
 * Strip a GRUB device prefix: '(loop)/casper/vmlinuz' → '/casper/vmlinuz',
 * '($root)/x', '(cd0)/x', '(hd0,gpt2)/x', '(${ARCHISO_HINT})/x'. A bare '(dev)' becomes '/'.
 * Returns the input unchanged when it has no such prefix.
 */
export function stripDevicePrefix(p: string): string {
  if (!p.startsWith('(')) return p;
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        const rest = p.slice(i + 1);
        return rest === '' ? '/' : rest;
      }
    }
  }
  return p; // unbalanced: leave it, the caller will see a strange path
}

/**
 * Kernel images that are not Linux kernels but are loaded the same way by syslinux/GRUB:
 * memory testers, memdisk, iPXE, syslinux modules and boot sectors. Returns a reason or undefined.
 */
export function nonLinuxKernelReason(path: string): string | undefined {
  const base = isoBasename(path).toLowerCase();
  if (/memtest|^mt86/.test(base)) return 'memory tester';
  if (base === 'memdisk') return 'memdisk disk-image loader';
  if (base.endsWith('.lkrn') || base.startsWith('ipxe')) return 'iPXE image';
  if (/\.(c32|com|cbt)$/.test(base)) return 'syslinux COM32/COMBOOT module';
  if (/\.(0|bs|bss|bin)$/.test(base)) return 'boot sector / PXE program';
  if (/^(grub|shim|boot)(x64|ia32|aa64)?\.efi$/.test(base)) return 'EFI boot loader';
  return undefined;
}

/** The ISO's kernel arguments are split like any other kernel command line. */
export { splitKernelCommandLine as splitKernelArgs } from '../kernel-cmdline.js';

/** Reports a boot-config problem in `file` at `line` (0: not tied to a line). */
export type WarnFunction = (code: BootConfigWarningCode, file: string, line: number, message: string) => void;

/** Collects warnings and the ordered set of files read; enforces the per-parse file limits. */
export class ReadTracker {
  readonly warnings: BootConfigWarning[] = [];
  readonly assumptions: BootConfigAssumption[] = [];
  readonly filesRead: string[] = [];
  readonly #seen = new Set<string>();
  readonly #cache = new Map<string, string | undefined>();
  #limitWarned = false;

  constructor(readonly source: BootConfigSource) {}

  /** Record a condition decided for the served client; the same one (a function run twice) once. */
  assume(file: string, line: number, message: string): void {
    if (this.assumptions.some((a) => a.file === file && a.line === line && a.message === message)) return;
    this.assumptions.push({ file, line, message });
  }

  /** A property, not a method: readers pass `tracker.warn` on as a plain function. */
  readonly warn: WarnFunction = (code, file, line, message) => {
    this.warnings.push({ code, file, line, message });
  };

  /**
   * Read a config file, BOM removed and line ends made LF. Missing files are reported against
   * (`fromFile`, `fromLine`) with `what` naming the directive. Oversized files and the file-count
   * limit are reported too.
   */
  read(path: string, fromFile: string, fromLine: number, what: string): string | undefined {
    if (this.#cache.has(path)) return this.#cache.get(path);
    if (!this.#seen.has(path) && this.#seen.size >= MAX_FILES) {
      if (!this.#limitWarned) {
        this.warn('LIMIT', fromFile, fromLine, `more than ${MAX_FILES} config files; ${path} and later ones not read`);
        this.#limitWarned = true;
      }
      return undefined;
    }
    let text: string | undefined;
    try {
      text = this.source.readText(path);
    } catch (e) {
      this.warn('FILE_MISSING', fromFile, fromLine, `${what}: ${path} could not be read (${String(e)})`);
      this.#cache.set(path, undefined);
      return undefined;
    }
    if (text === undefined) {
      this.warn('FILE_MISSING', fromFile, fromLine, `${what}: ${path} not found`);
      this.#cache.set(path, undefined);
      return undefined;
    }
    if (text.length > MAX_CONFIG_CHARS) {
      this.warn('LIMIT', path, 0, `${path} is ${text.length} characters; over the ${MAX_CONFIG_CHARS} limit, not parsed`);
      this.#cache.set(path, undefined);
      return undefined;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM
    text = normalizeLineEndings(text);
    this.#seen.add(path);
    this.filesRead.push(path);
    this.#cache.set(path, text);
    return text;
  }

  exists(path: string): boolean {
    try {
      return this.source.exists(path);
    } catch {
      return false;
    }
  }

  list(dir: string): string[] | undefined {
    try {
      return this.source.list?.(dir);
    } catch {
      return undefined;
    }
  }
}

/**
 * CRLF (DOS) and lone CR (classic Mac) line ends become LF. Applied once, when a config file is
 * read ({@link ReadTracker.read}), so the readers and the GRUB lexer only ever see '\n'.
 */
export function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
