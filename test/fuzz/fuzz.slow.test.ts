/**
 * A bounded run of the project's fuzzer (test/fuzz/fuzz.ts) on every test run: mutants of
 * the fixture and corpus images must never crash, hang, use too much memory or write
 * outside the target. The budget is PXE_IMPORT_FUZZ_SECONDS (default 120 s in CI, where
 * PXE_IMPORT_REQUIRE_ALL=1, and 20 s elsewhere). The seed is PXE_IMPORT_FUZZ_SEED, default
 * derived from the commit under test: every push explores new cases, and a run can be
 * repeated exactly. Failing inputs are kept in PXE_IMPORT_FUZZ_FINDINGS (default a new
 * directory in TMPDIR), each with the command that replays it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { defaultSeeds, formatSummary, fuzz } from './fuzz.js';

const inCi = process.env.PXE_IMPORT_REQUIRE_ALL === '1' || process.env.CI !== undefined;
const seconds = Number(process.env.PXE_IMPORT_FUZZ_SECONDS ?? (inCi ? 120 : 20));
const seeds = defaultSeeds();
const SKIP = requirement('fuzzer seed images', seeds.length > 0, 'no fuzzer seed images (fixtures/out, fixtures/out/distros, ../shared/corpus); skipping the fuzz run');

function commitSeed(): number {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return head.status === 0 ? Number.parseInt(head.stdout.slice(0, 8), 16) : 1;
}

test(`fuzzing inspect and extract for ${seconds} s finds nothing`, { skip: SKIP || (seconds <= 0 && 'PXE_IMPORT_FUZZ_SECONDS=0') }, async (t) => {
  const seed = process.env.PXE_IMPORT_FUZZ_SEED !== undefined ? Number(process.env.PXE_IMPORT_FUZZ_SEED) : commitSeed();
  // Made only when something is found.
  const findings = process.env.PXE_IMPORT_FUZZ_FINDINGS ?? join(tmpdir(), `pxe-import-fuzz-findings-${seed}-${process.pid}`);
  const problems: string[] = [];
  const summary = await fuzz({
    seeds,
    seed,
    seconds,
    findings,
    onCase: (n, found) => {
      for (const p of found) problems.push(`case ${n}: ${p.class} in ${p.command}: ${p.detail}`);
    },
  });
  t.diagnostic(formatSummary(summary));
  assert.ok(summary.images > 0, 'no image was tried');
  assert.deepEqual(problems, [], `failing inputs kept in ${findings}; replay one with: npm run fuzz -- --seed ${seed} --replay N`);
});
