/**
 * The hostile UDF images of test/helpers/udf-hostile.ts through the project's fuzzer oracle
 * (test/fuzz/oracle.ts): inspect and extract in a child process, within 5 s and 200 MB, nothing
 * written outside the target, exit 1 with one line naming the image and the structure.
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkImage } from '../fuzz/oracle.js';
import { tempDir } from '../helpers/paths.js';
import { HOSTILE_UDF } from '../helpers/udf-hostile.js';

describe('hostile UDF images through the CLI', () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-udf-hostile-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  HOSTILE_UDF.forEach((hostile, i) => {
    test(`${hostile.name}: inspect and extract exit 1 with one line, in time and memory, nothing outside`, async () => {
      const caseDir = join(work, String(i));
      await mkdir(caseDir);
      const verdict = await checkImage(hostile.image(), caseDir, []);
      assert.deepEqual(verdict.problems, []);
      for (const run of verdict.runs) {
        assert.equal(run.code, 1, `${run.command}: ${run.stderr}`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, run.stderr);
        assert.ok(lines[0]!.startsWith(`pxe-import: ${join(caseDir, 'image.iso')}: `), lines[0]);
        assert.match(lines[0]!, hostile.message);
      }
    });
  });
});
