/**
 * One error type for the whole tool. `code` is stable and machine-readable;
 * `message` is the one line a user sees, and always names the file concerned.
 */
export type PxeErrorCode =
  | 'ISO_INVALID' // the bytes are not a valid ISO9660 image
  | 'ISO_TRUNCATED' // a structure points past the end of the image file
  | 'ISO_LOOP' // a CE chain or directory structure refers back to itself
  | 'ISO_LIMIT' // a hard safety limit was hit (depth, entry count, CE chain)
  | 'ENTRY_UNSAFE' // a name or link that would escape the target
  | 'TARGET_EXISTS' // refusing to replace something the user has
  | 'PROFILE_INVALID'
  | 'PROFILE_NO_MATCH'
  | 'PROFILE_UNSUPPORTED' // recognised, but the family cannot boot over the network: nothing imported
  | 'USAGE'
  | 'IO'
  | 'INTERRUPTED' // SIGINT/SIGTERM: the work was rolled back
  | 'LOCKED' // another run holds the PXE root's lock
  | 'STATE_INVALID' // state.json cannot be read as a pxe-import state
  | 'WARNINGS_STRICT' // --strict: a warning was reported, so the work was not done
  | 'INTERNAL';

export class PxeError extends Error {
  readonly code: PxeErrorCode;
  readonly file: string | undefined;

  constructor(code: PxeErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PxeError';
    this.code = code;
    this.file = options?.file;
  }
}

/**
 * The one warning model, from the image reader to the CLI. Every recoverable problem has a
 * stable code; `--strict` turns any of them into a failure. Grouped by the stage that reports it.
 */
export type WarningCode =
  // iso9660: the image
  | 'ENTRY_UNSAFE' // a name or link that would escape the target: entry skipped
  | 'ENTRY_DUPLICATE' // a second entry with the same name in one directory: skipped
  | 'ENTRY_SKIPPED' // an entry the reader cannot reproduce (interleaved, associated file, link without target)
  | 'ZISOFS_INVALID' // a zisofs file that cannot be inflated: copied as stored
  | 'ISO_QUIRK' // a damaged or unusual structure the reader worked around (Rock Ridge, SUSP, relocation)
  | 'ISO_BOTH_ENDIAN' // the two halves of a both-endian field disagree
  | 'ELTORITO_INVALID' // the El Torito boot catalog is damaged; boot entries may be missing
  // bootconfig: the ISO's own menus (BootConfigWarningCode, prefixed)
  | 'BOOTCONFIG_FILE_MISSING'
  | 'BOOTCONFIG_INCLUDE_LOOP'
  | 'BOOTCONFIG_INCLUDE_DEPTH'
  | 'BOOTCONFIG_LIMIT'
  | 'BOOTCONFIG_SYNTAX'
  | 'BOOTCONFIG_UNRESOLVED_VARIABLE'
  | 'BOOTCONFIG_UNSUPPORTED'
  | 'BOOTCONFIG_SKIPPED'
  | 'BOOTCONFIG_KERNEL_MISSING'
  | 'BOOTCONFIG_INITRD_MISSING'
  // profiles: tree -> entries
  | 'PROFILE_CAVEAT' // the profile's own caveat (memdisk: BIOS only, …)
  | 'PROFILE_ARGUMENT_DROPPED' // an ISO argument that cannot be passed over the network: left out
  | 'PROFILE_UNSUPPORTED' // recognised, but the family cannot boot over the network (the profile's reason): no entry
  | 'PROFILE_TEMPLATE_UNRESOLVED' // a command-line template names what this ISO lacks (its root image): that line is left out
  | 'PROFILE_PARTIAL_MATCH' // recognised only from the ISO's boot configuration (detect.bootArguments); its file rules fail
  | 'PROFILE_ENTRY_GUESSED' // an entry not read from the ISO's config as the family expects (file patterns, kernels elsewhere)
  | 'INITRD_EMBEDS_ISO' // the entries boot an initrd that carries the whole ISO: the RAM a client needs
  | 'HTTP_BASE_DERIVED' // entries that boot over HTTP only, with no HTTP base set: http://SERVER/ assumed
  // exports and the root
  | 'EXPORTS_COVERED' // another line of the exports file covers a path pxe-import exports
  | 'STATE_CLIENTS_INVALID' // the state records clients exports(5) cannot take: that import is not exported
  | 'TREE_UNNAMED'; // a version directory the state does not name: left in place, never removed

/** A recoverable problem: reported through `onWarning`, never thrown (unless --strict). */
export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
  /** Path inside the image the warning is about. */
  readonly path?: string;
  /** File the warning is about (a config file inside the image, or the exports file), with its line. */
  readonly file?: string;
  readonly line?: number;
}

export type WarningHandler = (warning: Warning) => void;

/** A warning as a user reads it: `file:line: message` (`file: message` without a line), else the message. */
export function formatWarning(w: Warning): string {
  if (w.file === undefined) return w.message;
  return `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`;
}

export function isPxeError(e: unknown): e is PxeError {
  return e instanceof PxeError;
}

/** What a system error means, said as a sentence; the errno name follows in brackets. */
const ERRNO_SENTENCES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  EXDEV: 'not on the same file system',
};

/** "no space left on device (ENOSPC)": an errno name only ever beside a sentence. */
export function describeSystemError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const sentence = code !== undefined ? ERRNO_SENTENCES[code] : undefined;
  if (sentence !== undefined) return `${sentence} (${code})`;
  const message = err instanceof Error ? err.message : String(e);
  return code !== undefined ? `${message.replace(new RegExp(`^${code}: `), '')}` : message;
}
