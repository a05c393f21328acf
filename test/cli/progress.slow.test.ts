/**
 * runTasks: silent (--quiet, --json) it runs the steps itself without loading listr2; shown,
 * listr2 draws them. Both must run, skip and stop the same way. The drawn runs are made in a
 * child node process (test/helpers/task-steps.ts), since the plain renderer writes to stdout,
 * which the test runner reads: hence slow.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';
import { runScenario, type Scenario, type ScenarioResult } from '../helpers/task-steps.js';

/** The scenario drawn by listr2's plain renderer (stdout is a pipe): its result, and what it printed. */
async function drawn(scenario: Scenario): Promise<ScenarioResult & { out: string }> {
  const helper = pathToFileURL(join(REPO_ROOT, 'dist/test/helpers/task-steps.js')).href;
  const script = `const m = await import(${JSON.stringify(helper)}); await m.printScenario(${JSON.stringify(scenario)}, false);`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, CI: 'true' } });
  const lines = stdout.trimEnd().split('\n');
  const result = JSON.parse(lines.pop()!.replace(/^RESULT /, '')) as ScenarioResult;
  return { ...result, out: `${lines.join('\n')}\n${stderr}` };
}

describe('runTasks', () => {
  test('runs the steps in order and skips the one whose skip() gives a reason, silent or drawn', async () => {
    assert.deepEqual(await runScenario('skip-first', true), { ran: ['two', 'three'], error: undefined });
    const plain = await drawn('skip-first');
    assert.deepEqual({ ran: plain.ran, error: plain.error }, { ran: ['two', 'three'], error: undefined });
    assert.match(plain.out, /\[SKIPPED\].*not needed/);
  });

  test('a failure stops the list and is thrown as it is; drawn, the renderer has printed it, so it is marked reported', async () => {
    const error = { code: 'IO', message: 'disk on fire' };
    assert.deepEqual(await runScenario('fail', true), { ran: ['one', 'two'], error: { ...error, reported: false } });
    const plain = await drawn('fail');
    assert.deepEqual({ ran: plain.ran, error: plain.error }, { ran: ['one', 'two'], error: { ...error, reported: true } });
    assert.match(plain.out, /\[FAILED\].*disk on fire/);
  });

  test('an interruption skips the rest and is thrown once the list has stopped, never marked as printed', async () => {
    const error = { code: 'INTERRUPTED', message: 'nothing was changed', reported: false };
    assert.deepEqual(await runScenario('interrupt', true), { ran: ['one', 'two'], error });
    const plain = await drawn('interrupt');
    assert.deepEqual({ ran: plain.ran, error: plain.error }, { ran: ['one', 'two'], error });
    assert.match(plain.out, /\[SKIPPED\].*three: interrupted/);
  });
});
