import { PxeError } from '../errors.js';
import { formatProgress } from './format.js';

export interface TaskRunOptions {
  /** No output at all (--quiet, --json). */
  readonly silent: boolean;
}

/** What a running task may change of its line in the task list. */
export interface TaskLine {
  /** The progress text under the title. */
  output: string;
  title: string;
}

/** One step of a command, as the task list shows it. */
export interface CliTask {
  readonly title: string;
  /** A reason to skip (shown in the list), or false. */
  readonly skip?: () => string | false;
  readonly run: (line: TaskLine) => Promise<void>;
}

/** True when the plain renderer draws the list: no terminal, CI, or a dumb one. */
function plainOutput(): boolean {
  return !process.stdout.isTTY || process.env.CI === 'true' || process.env.TERM === 'dumb';
}

/**
 * Runs tasks in order as a task list: with listr2's renderer a person or a cron job wants (an
 * animated list with a progress bar on a terminal, plain timestamped lines otherwise), or, when
 * nothing is shown (--quiet, --json), one after the other without loading listr2 at all: an
 * unchanged re-import from cron then starts faster (issue 13).
 *
 * A failure the plain renderer has already logged is marked, so that it is not printed a second
 * time. An interruption (a stop signal: src/cli/signals.ts) is not a failure the task list
 * reports: its task and the rest show as skipped, and the error is thrown once the list has
 * stopped drawing, for main.ts to print as its one line.
 */
export async function runTasks(tasks: readonly CliTask[], options: TaskRunOptions): Promise<void> {
  let interrupted: PxeError | undefined;
  const stopped = (t: CliTask) => `${t.title}: interrupted`;
  /** Runs one task; false when a stop request ended it (the task list shows it as skipped). */
  const run = async (t: CliTask, line: TaskLine): Promise<boolean> => {
    try {
      await t.run(line);
      return true;
    } catch (e) {
      if (!(e instanceof PxeError && e.code === 'INTERRUPTED')) throw e;
      interrupted = e;
      return false;
    }
  };
  const skipReason = (t: CliTask): string | false => (interrupted !== undefined ? stopped(t) : (t.skip?.() ?? false));

  if (options.silent) {
    const line: TaskLine = { output: '', title: '' };
    for (const t of tasks) if (skipReason(t) === false) await run(t, line);
  } else {
    const { Listr, PRESET_TIMESTAMP } = await import('listr2');
    const list = new Listr<object, 'default', 'verbose'>(
      tasks.map((t) => ({
        title: t.title,
        skip: () => skipReason(t),
        task: async (_ctx, task) => {
          if (!(await run(t, task))) task.skip(stopped(t));
        },
        rendererOptions: { bottomBar: 1 },
      })),
      {
        renderer: 'default',
        fallbackRenderer: 'verbose',
        fallbackRendererCondition: plainOutput(),
        rendererOptions: { showErrorMessage: false, collapseErrors: false },
        fallbackRendererOptions: { timestamp: PRESET_TIMESTAMP, logTitleChange: false },
        exitOnError: true,
        // Signals are src/cli/signals.ts's: listr2's own handler would exit(127) with no clean-up.
        registerSignalListeners: false,
      },
    );
    try {
      await list.run();
    } catch (e) {
      // The plain renderer has logged the failure as its one line.
      if (e instanceof PxeError && plainOutput()) (e as PxeError & { reported?: boolean }).reported = true;
      throw e;
    }
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
