/**
 * Crash injection for tests: when PXE_IMPORT_FAILPOINT names this point, the process
 * kills itself with SIGKILL right here, as a power cut or the OOM killer would. The
 * import's tests use it to prove that every such point leaves the root serving the
 * previous version and that the next run repairs it.
 */
export type Failpoint = 'after-lock' | 'after-extract' | 'after-commit' | 'after-exports' | 'after-menus' | 'before-prune';

export function failpoint(point: Failpoint): void {
  if (process.env.PXE_IMPORT_FAILPOINT === point) process.kill(process.pid, 'SIGKILL');
}
