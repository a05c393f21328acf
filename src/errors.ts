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
  | 'USAGE'
  | 'IO'
  | 'INTERRUPTED' // SIGINT/SIGTERM: the work was rolled back
  | 'LOCKED' // another run holds the PXE root's lock
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

/** A recoverable problem: reported through `onWarning`, never thrown. */
export interface Warning {
  readonly code: 'ENTRY_UNSAFE' | 'ENTRY_DUPLICATE' | 'ENTRY_SKIPPED' | 'ISO_QUIRK' | 'ZISOFS_INVALID';
  readonly message: string;
  readonly path?: string;
}

export type WarningHandler = (warning: Warning) => void;

export function isPxeError(e: unknown): e is PxeError {
  return e instanceof PxeError;
}
