/**
 * The hostile samples of ../shared/fuzz (see its README), each the first of its class a
 * mutation fuzzer found, run through the project's fuzzer oracle (test/fuzz/oracle.ts):
 * inspect and extract in a child process, within 5 s and 200 MB, nothing written outside
 * the target, every message one line, every refusal naming the image. What each sample
 * must now give is below; test/iso9660/hostile-classes.test.ts covers the same classes
 * with images built in memory.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { checkImage } from '../fuzz/oracle.js';
import { FUZZ_SAMPLES, FUZZ_SAMPLES_SKIP, tempDir } from '../helpers/paths.js';

interface Expected {
  /** Exit status of both inspect and extract. */
  readonly code: 0 | 1;
  /** The refusal (code 1), or a warning that must be given (code 0). */
  readonly message: RegExp;
}

const SAMPLES: Record<string, Expected> = {
  // Its bad block pointers are in /n1.txt, but /n3.bin declares 2 GiB: refused before anything is inflated.
  'crash-1': { code: 1, message: /: \/n3\.bin: zisofs file would inflate to 2147483648 bytes, more than \d+ \(256 times the image's size\)$/ },
  'crash-2': { code: 1, message: /: \/n5\.txt: zisofs block 0 inflates to more than the block size \(65536 bytes\)$/ },
  'crash-3': { code: 1, message: /: \/n1\/n4\.txt: zisofs block 0 cannot be inflated: unexpected end of file$/ },
  // Skipped with ENTRY_UNSAFE, as an unsafe name is; the rest of the image is extracted.
  'unclear-1': { code: 0, message: /^pxe-import: warning: .*: \/abs-link: symbolic link target contains a NUL byte; entry skipped$/m },
  'unclear-2': { code: 0, message: /^pxe-import: warning: .*: \/\.disk: symbolic link target is empty; entry skipped$/m },
  'unclear-3': { code: 1, message: /: \/ubuntu\.bin: zisofs file would inflate to 2147483648 bytes, more than \d+ \(256 times the image's size\)$/ },
  'memory-2': { code: 1, message: /: directory \/A0 \(blocks 29\.\.627\) overlaps a directory already read, at block 29: the directory structure loops$/ },
};

describe('the fuzzer samples in ../shared/fuzz are refused or extracted cleanly', { skip: FUZZ_SAMPLES_SKIP }, () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-fuzz-samples-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('every sample is covered by this test', async () => {
    const names = (await readdir(FUZZ_SAMPLES)).filter((n) => n.endsWith('.iso.gz')).map((n) => n.replace(/\.iso\.gz$/, ''));
    assert.deepEqual(names.sort(), Object.keys(SAMPLES).sort());
  });

  for (const [name, expected] of Object.entries(SAMPLES)) {
    test(`${name}: exit ${expected.code} from inspect and extract, ${expected.code ? 'one line naming the image' : 'with the warning'}, in time and memory, nothing outside`, async () => {
      const bytes = gunzipSync(await readFile(join(FUZZ_SAMPLES, `${name}.iso.gz`)));
      const caseDir = join(work, name);
      await mkdir(caseDir);
      const verdict = await checkImage(bytes, caseDir, []);
      assert.deepEqual(verdict.problems, []);
      for (const run of verdict.runs) {
        assert.equal(run.code, expected.code, `${run.command}: ${run.stderr}`);
        if (expected.code === 1) {
          const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('pxe-import: warning: '));
          assert.match(lines[0]!, new RegExp(`^pxe-import: ${join(caseDir, 'image.iso').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
          assert.match(lines[0]!, expected.message, run.command);
        } else if (run.command === 'extract') assert.match(run.stderr, expected.message);
      }
    });
  }
});
