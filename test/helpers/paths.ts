import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirement } from './requirements.js';

/** Tests run from dist/test/…; the repository root is three levels above this compiled file. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

/** The shared third-party corpus sits beside the project root in development and CI, not in a user's clone. */
export const CORPUS = process.env.PXE_IMPORT_CORPUS ?? resolve(REPO_ROOT, '../shared/corpus');
export const corpusAvailable = existsSync(join(CORPUS, 'MANIFEST.md'));
export const CORPUS_SKIP = requirement(
  'third-party corpus',
  corpusAvailable,
  `third-party corpus not found at ${CORPUS} (set PXE_IMPORT_CORPUS); skipping conformance tests`,
);

/** Hostile images a mutation fuzzer found (its README says what each did), kept as regression inputs. */
export const FUZZ_SAMPLES = process.env.PXE_IMPORT_FUZZ_SAMPLES ?? resolve(REPO_ROOT, '../shared/fuzz');
export const FUZZ_SAMPLES_SKIP = requirement(
  'fuzzer samples',
  existsSync(join(FUZZ_SAMPLES, 'README.md')),
  `fuzzer samples not found at ${FUZZ_SAMPLES} (set PXE_IMPORT_FUZZ_SAMPLES); skipping their regression tests`,
);

/** Fixture images built by fixtures/build.sh. */
export const FIXTURES = join(REPO_ROOT, 'fixtures/out');

export async function tempDir(prefix = 'pxe-import-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
