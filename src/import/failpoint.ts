/**
 * Fault injection for tests. PXE_IMPORT_FAILPOINT=<point>[:<action>] acts when the run reaches
 * that point:
 *
 *   <point>         SIGKILL, as a power cut or the OOM killer would: nothing is cleaned up, and
 *                   the next run must repair what is left
 *   <point>:ENOSPC  the write that follows the point fails as on a full disk: the error thrown is
 *                   the one that write would raise ("FILE: cannot write: no space left on device (ENOSPC)"),
 *                   and the run's own error handling takes it from there
 *   <point>:WAIT    waits there until the command is asked to stop (SIGINT, SIGTERM, SIGHUP:
 *                   src/cli/signals.ts), then goes on; tests use it to interrupt at a known point
 *                   instead of racing a timer. Once waiting, it creates the file named by
 *                   PXE_IMPORT_FAILPOINT_READY, if set, so the test knows when to send the signal
 *
 * The import's tests use them to prove that every point leaves the root serving the previous
 * version, the lock released, and that the next run completes.
 */
import { writeFileSync } from 'node:fs';
import { ioError } from './fs-atomic.js';

export type Failpoint =
  /** The lock is taken; nothing is read or repaired yet. */
  | 'after-lock'
  /** The new tree is complete in its version directory; the state does not name it yet. */
  | 'after-extract'
  /** About to write state.json with the new version (ENOSPC: that write fails). */
  | 'commit'
  /** state.json names the new version; no derived file does yet. */
  | 'after-commit'
  /** After a commit, the exports name the new version; the menus do not yet. */
  | 'after-exports'
  /** After a commit, the menus name the new version; the links do not yet. */
  | 'after-menus'
  /** Everything is switched; versions past retention are still on disk. */
  | 'before-prune';

export const FAILPOINTS: readonly Failpoint[] = ['after-lock', 'after-extract', 'commit', 'after-commit', 'after-exports', 'after-menus', 'before-prune'];

export interface FailpointContext {
  /** The file the next write goes to: what an ENOSPC failpoint names. */
  readonly file: string;
  /** What ends a WAIT. */
  readonly signal: AbortSignal | undefined;
}

export async function failpoint(point: Failpoint, context: FailpointContext): Promise<void> {
  const [name, action] = (process.env.PXE_IMPORT_FAILPOINT ?? '').split(':');
  if (name !== point) return;
  switch (action) {
    case undefined:
      process.kill(process.pid, 'SIGKILL');
      return;
    case 'ENOSPC':
      throw ioError(context.file, 'cannot write', Object.assign(new Error(`ENOSPC: no space left on device, write (failpoint ${point})`), { code: 'ENOSPC', syscall: 'write' }));
    case 'WAIT':
      return waitForStop(point, context.signal);
    default:
      throw new Error(`PXE_IMPORT_FAILPOINT=${process.env.PXE_IMPORT_FAILPOINT}: unknown action "${action}" (expected ENOSPC or WAIT)`);
  }
}

function waitForStop(point: Failpoint, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) throw new Error('PXE_IMPORT_FAILPOINT=…:WAIT needs a run that can be stopped');
  if (signal.aborted) return Promise.resolve();
  if (process.env.PXE_IMPORT_FAILPOINT_READY) writeFileSync(process.env.PXE_IMPORT_FAILPOINT_READY, `${point}\n`);
  return new Promise((resolve) => {
    // A pending promise alone does not keep node running; the timer does, until the signal.
    const keepAlive = setInterval(() => {}, 60_000);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    );
  });
}
