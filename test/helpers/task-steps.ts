/**
 * Task lists for test/cli/progress.slow.test.ts: three steps whose second succeeds, fails or is
 * interrupted. The drawn (listr2) runs happen in a child process, because the plain renderer
 * writes to stdout, which the test runner reads; this module is what that child runs.
 */
import { runTasks, type CliTask } from '../../src/cli/progress.js';
import { PxeError } from '../../src/errors.js';

export type Scenario = 'skip-first' | 'fail' | 'interrupt';

export interface ScenarioResult {
  readonly ran: string[];
  /** The error runTasks threw: its code and message, and whether it was marked as printed. */
  readonly error: { code: string; message: string; reported: boolean } | undefined;
}

export async function runScenario(scenario: Scenario, silent: boolean): Promise<ScenarioResult> {
  const ran: string[] = [];
  const task = (title: string, run: () => void = () => {}, skip?: () => string | false): CliTask => ({
    title,
    skip,
    run: async (line) => {
      ran.push(title);
      line.output = `${title} working`;
      run();
    },
  });
  const middle = () => {
    if (scenario === 'fail') throw new PxeError('IO', 'disk on fire');
    if (scenario === 'interrupt') throw new PxeError('INTERRUPTED', 'nothing was changed');
  };
  const tasks = [task('one', undefined, () => (scenario === 'skip-first' ? 'not needed' : false)), task('two', middle), task('three')];
  try {
    await runTasks(tasks, { silent });
    return { ran, error: undefined };
  } catch (e) {
    const err = e as PxeError & { reported?: boolean };
    return { ran, error: { code: err.code, message: err.message, reported: err.reported === true } };
  }
}

/** For the child process: runs `scenario`, then prints the result as the last line of stdout. */
export async function printScenario(scenario: Scenario, silent: boolean): Promise<void> {
  const result = await runScenario(scenario, silent);
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}
