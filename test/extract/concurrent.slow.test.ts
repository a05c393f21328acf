/**
 * Small files written by several worker threads, each given whole directories, must
 * give the very tree that serial extraction in image order gives: same names, types,
 * contents, modes, mtimes and atimes to the nanosecond, hard links and symlink targets.
 * The fixture (fixtures/extract/many-dirs.sh, built with xorriso) has 3,000 small files
 * in 80 directories, empty and all-zero files, hard links across directories, file,
 * directory and dangling symlinks, read-only directories and one file large enough for
 * the large-file worker.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { extractImageTo } from '../../src/extract/atomic.js';
import { readIsoImage } from '../../src/iso9660/image.js';
import { openFileSource } from '../../src/iso9660/source.js';
import { walkEntries } from '../../src/iso9660/entry.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { listEntries } from '../helpers/tree-listing.js';

const IMAGE = join(FIXTURES, 'extract', 'many-dirs.iso');
const SKIP = requirement('many-dirs fixture', existsSync(IMAGE), `${IMAGE} not built (run: bash fixtures/extract/many-dirs.sh); skipping`);

let work: string;
before(async () => {
  work = await tempDir('pxe-import-concurrent-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function extractWith(smallFileWorkers: number, name: string): Promise<{ target: string; paths: string[] }> {
  const source = await openFileSource(IMAGE);
  try {
    const image = await readIsoImage(source);
    const target = join(work, name);
    await extractImageTo(image, target, { smallFileWorkers });
    // The image's own paths: listing the trees would read their directories and move their atimes.
    return { target, paths: [...walkEntries(image.root)].map((e) => (e === image.root ? '.' : e.path)) };
  } finally {
    await source.close();
  }
}

/** Every entry's times to the nanosecond, read before anything reads the files' contents. */
async function times(root: string, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await lstat(join(root, p), { bigint: true });
    out.push(`${p} ${st.mtimeNs} ${st.atimeNs} ${st.nlink}`);
  }
  return out;
}

test('a tree extracted by several worker threads is identical to one extracted serially', { skip: SKIP }, async () => {
  await mkdir(work, { recursive: true });
  const { target: serial, paths } = await extractWith(0, 'serial');
  const { target: concurrent } = await extractWith(3, 'concurrent');
  assert.ok(paths.length > 3000, `only ${paths.length} entries`);
  // Times first: the listing reads every file and directory, which moves their atimes.
  assert.deepEqual(await times(concurrent, paths), await times(serial, paths));
  const serialListing = await listEntries(serial, {});
  assert.deepEqual(await listEntries(concurrent, {}), serialListing);
  const kinds = new Set(serialListing.map((e) => e.type));
  assert.deepEqual([...kinds].sort(), ['d', 'f', 'l']);
  assert.ok(serialListing.some((e) => e.hlink !== '-' && e.hlink !== e.path), 'hard links are in the fixture');
});
