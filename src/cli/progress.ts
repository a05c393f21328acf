import { Listr, PRESET_TIMESTAMP, type ListrTask } from 'listr2';
import { PxeError } from '../errors.js';
import { formatProgress } from './format.js';

export interface TaskRunOptions {
  /** No output at all (--quiet, --json). */
  readonly silent: boolean;
}

/**
 * listr2 with the renderer a person or a cron job wants: an animated task list
 * with a progress bar on a terminal, plain timestamped lines otherwise.
 */
export function createTaskList<Ctx extends object>(tasks: ListrTask<Ctx>[], options: TaskRunOptions): Listr<Ctx, 'default', 'verbose'> {
  const plain = !process.stdout.isTTY || process.env.CI === 'true' || process.env.TERM === 'dumb';
  return new Listr<Ctx, 'default', 'verbose'>(tasks, {
    renderer: 'default',
    fallbackRenderer: 'verbose',
    fallbackRendererCondition: plain,
    silentRendererCondition: options.silent,
    rendererOptions: { showErrorMessage: false, collapseErrors: false },
    fallbackRendererOptions: { timestamp: PRESET_TIMESTAMP, logTitleChange: false },
    exitOnError: true,
    registerSignalListeners: false,
  });
}

/** True when the task list itself prints failures (so the caller must not print them again). */
function rendererReportsErrors(options: TaskRunOptions): boolean {
  return !options.silent && (!process.stdout.isTTY || process.env.CI === 'true' || process.env.TERM === 'dumb');
}

/**
 * Runs a task list with Ctrl-C and SIGTERM turned into `abort` (the work rolls itself
 * back). A failure the plain renderer has already logged is marked, so that it is not
 * printed a second time.
 */
export async function runTaskList(list: Listr<object, 'default', 'verbose'>, options: TaskRunOptions, abort: AbortController): Promise<void> {
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await list.run();
  } catch (e) {
    if (e instanceof PxeError && rendererReportsErrors(options)) (e as PxeError & { reported?: boolean }).reported = true;
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Turns byte counts into progress text at a sensible rate: several times a second
 * on a terminal, every few seconds in a log.
 */
export function progressReporter(update: (text: string) => void): (done: number, total: number) => void {
  const plain = !process.stdout.isTTY || process.env.CI === 'true';
  const interval = plain ? 5000 : 200;
  const started = performance.now();
  let last = 0;
  let finished = false;
  return (done, total) => {
    const now = performance.now();
    if (finished || (now - last < interval && done < total)) return;
    last = now;
    finished = done >= total;
    update(formatProgress({ done, total, elapsedSeconds: (now - started) / 1000 }));
  };
}
