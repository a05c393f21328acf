/** Documented in the README; scripts and cron jobs rely on them. */
export const ExitCode = {
  ok: 0,
  /** The image is invalid or the work failed; nothing was left half-done. */
  failure: 1,
  /** Bad command line, or a target the tool refuses to touch. */
  usage: 2,
  /** Another run holds the PXE root's lock (EX_TEMPFAIL): try again later, or pass --wait. */
  locked: 75,
  /** Interrupted by SIGINT or SIGTERM (128 + 2, as shells report it); nothing was left half-done. */
  interrupted: 130,
  /** A bug: please report it. */
  internal: 70,
} as const;
