import type { PxeErrorCode } from '../errors.js';

/** Documented in the README; scripts and cron jobs rely on them. */
export const ExitCode = {
  ok: 0,
  /** The image is invalid or the work failed; nothing was left half-done. */
  failure: 1,
  /** Bad command line, or a target the tool refuses to touch. */
  usage: 2,
  /** --check: something would change (an import to make, a setting to apply). */
  pending: 3,
  /** The root's state.json is not a pxe-import state: restore state.json.prev. */
  stateInvalid: 4,
  /** Another run holds the PXE root's lock (EX_TEMPFAIL): try again later, or pass --wait. */
  locked: 75,
  /** Interrupted by SIGHUP (128 + 1, as shells report it); the work was rolled back (src/cli/signals.ts). */
  hangup: 129,
  /** Interrupted by SIGINT, Ctrl-C (128 + 2); the work was rolled back. */
  interrupted: 130,
  /** Interrupted by SIGTERM (128 + 15); the work was rolled back. */
  terminated: 143,
  /** A bug: please report it. */
  internal: 70,
} as const;

/** The exit code for an error of this code. */
export function exitCodeFor(code: PxeErrorCode): number {
  switch (code) {
    case 'USAGE':
    case 'TARGET_EXISTS':
      return ExitCode.usage;
    case 'LOCKED':
      return ExitCode.locked;
    case 'INTERRUPTED':
      return ExitCode.interrupted;
    case 'STATE_INVALID':
      return ExitCode.stateInvalid;
    case 'INTERNAL':
      return ExitCode.internal;
    default:
      return ExitCode.failure;
  }
}
