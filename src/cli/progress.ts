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
function createTaskList<Ctx extends object>(tasks: ListrTask<Ctx>[], options: TaskRunOptions): Listr<Ctx, 'default', 'verbose'> {
  const plain = !process.stdout.isTTY || process.env.CI === 'true' || process.env.TERM === 'dumb';
  return new Listr<Ctx, 'default', 'verbose'>(tasks, {
    renderer: 'default',
    fallbackRenderer: 'verbose',
    fallbackRendererCondition: plain,
    silentRendererCondition: options.silent,
    rendererOptions: { showErrorMessage: false, collapseErrors: false },
    fallbackRendererOptions: { timestamp: PRESET_TIMESTAMP, logTitleChange: false },
    exitOnError: true,
    // Signals are src/cli/signals.ts's: listr2's own handler would exit(127) with no clean-up.
    registerSignalListeners: false,
  });
}

/** True when the task list itself prints failures (so the caller must not print them again). */
function rendererReportsErrors(options: TaskRunOptions): boolean {
  return !options.silent && (!process.stdout.isTTY || process.env.CI === 'true' || process.env.TERM === 'dumb');
}

/**
 * Runs tasks as a task list. A failure the plain renderer has already logged is marked, so that
 * it is not printed a second time. An interruption (a stop signal: src/cli/signals.ts) is not a
 * failure the task list reports: its task and the rest show as skipped, and the error is thrown
 * once the list has stopped drawing, for main.ts to print as its one line.
 */
export async function runTasks(tasks: ListrTask<object>[], options: TaskRunOptions): Promise<void> {
  let interrupted: PxeError | undefined;
  const list = createTaskList<object>(
    tasks.map((t) => {
      const stopped = `${typeof t.title === 'string' ? `${t.title}: ` : ''}interrupted`;
      return {
        ...t,
        skip: (ctx) => (interrupted !== undefined ? stopped : typeof t.skip === 'function' ? t.skip(ctx) : (t.skip ?? false)),
        task: async (ctx, task) => {
          try {
            return await t.task(ctx, task);
          } catch (e) {
            if (!(e instanceof PxeError && e.code === 'INTERRUPTED')) throw e;
            interrupted = e;
            task.skip(stopped);
          }
        },
      };
    }),
    options,
  );
  try {
    await list.run();
  } catch (e) {
    if (e instanceof PxeError && rendererReportsErrors(options)) (e as PxeError & { reported?: boolean }).reported = true;
    throw e;
  }
  if (interrupted !== undefined) throw interrupted;
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
