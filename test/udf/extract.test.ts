/**
 * A UDF tree goes through the same extraction as an ISO9660 one (src/extract, unchanged):
 * an image built in memory, written to a file, opened with openImage and extracted.
 * Also what inspect renders of its UDF volume.
 */
import assert from 'node:assert/strict';
import { lstat, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderDescription } from '../../src/cli/commands/inspect.js';
import { extractImageTo } from '../../src/extract/atomic.js';
import { describeDisc } from '../../src/udf/describe.js';
import { openImage } from '../../src/udf/disc.js';
import { tempDir } from '../helpers/paths.js';
import { BLOCK, directory, fileEntry, udfImage } from '../helpers/udf-builder.js';

describe('extracting a UDF tree', () => {
  let work: string;
  let image: string;
  before(async () => {
    work = await tempDir('pxe-import-udf-extract-');
    image = join(work, 'built.iso');
    const link = Buffer.from([5, 4, 0, 0, 8, ...Buffer.from('big')]);
    const blocks = new Map<number, Uint8Array>([
      [1, directory(1, [{ name: 'embedded.txt', block: 2 }, { name: 'big', block: 3 }, { name: 'dir', block: 4, directory: true }, { name: 'to-big', block: 6 }])],
      [2, fileEntry(2, { fileType: 5, informationLength: 6, embedded: Buffer.from('inline'), permissions: (7 << 10) | (5 << 5) | 4 })],
      [3, fileEntry(3, { fileType: 5, informationLength: 5000, shortAds: [[4096, 20], [904, 30]] })],
      [4, directory(4, [{ name: 'big-again', block: 3 }], 1)],
      [6, fileEntry(6, { fileType: 12, informationLength: link.length, embedded: link })],
      [20, Buffer.alloc(2 * BLOCK, 0x41)],
      [30, Buffer.alloc(BLOCK, 0x42)],
    ]);
    await writeFile(image, udfImage(blocks));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('embedded data, a file in two extents, a hard link and a symlink come out as recorded', async () => {
    const disc = await openImage(image);
    const out = join(work, 'out');
    try {
      const result = await extractImageTo(disc, out);
      // The extractor counts a hard link apart from the files it links.
      assert.deepEqual([result.files, result.hardLinks, result.symlinks], [2, 1, 1]);
    } finally {
      await disc.source.close();
    }
    assert.equal(await readFile(join(out, 'embedded.txt'), 'utf8'), 'inline');
    assert.equal((await stat(join(out, 'embedded.txt'))).mode & 0o777, 0o754);
    assert.deepEqual(await readFile(join(out, 'big')), Buffer.concat([Buffer.alloc(4096, 0x41), Buffer.alloc(904, 0x42)]));
    assert.equal((await stat(join(out, 'big'))).ino, (await stat(join(out, 'dir/big-again'))).ino);
    assert.ok((await lstat(join(out, 'to-big'))).isSymbolicLink());
    assert.equal(await readlink(join(out, 'to-big')), 'big');
  });

  test('inspect shows the UDF volume: identifiers, revision, partitions and maps', async () => {
    const disc = await openImage(image);
    try {
      const text = renderDescription(describeDisc(disc));
      assert.match(text, /^Trees: +UDF 1\.02; reading UDF$/m);
      assert.match(text, /^UDF volume: +TESTVOL \(set SET\); logical volume LOGICAL; file set FILESET$/m);
      assert.match(text, /^UDF: +revision 1\.02 \(NSR02\), 2048-byte blocks/m);
      assert.match(text, /^Partitions: +0: sectors 272\.\.351; maps 0: physical on partition 0$/m);
    } finally {
      await disc.source.close();
    }
  });
});
