/**
 * The UDF tree reader on images built in memory (test/helpers/udf-builder.ts): the entry model
 * it gives, and the hostile structures it refuses with one line naming the image and the structure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Warning } from '../../src/errors.js';
import { walkEntries } from '../../src/iso9660/entry.js';
import { bufferSource } from '../../src/iso9660/source.js';
import { readImage } from '../../src/udf/disc.js';
import { readUdfTree } from '../../src/udf/image.js';
import type { ImageSource } from '../../src/iso9660/source.js';
import { directory, fileEntry, udfImage, BLOCK, PARTITION_START } from '../helpers/udf-builder.js';
import { HOSTILE_UDF } from '../helpers/udf-hostile.js';

const NAME = 'hostile.iso';
const read = (blocks: Map<number, Uint8Array>, warnings: Warning[] = []) => readUdfTree(bufferSource(udfImage(blocks), NAME), (w) => warnings.push(w));

function symlinkData(...components: [number, string][]): Uint8Array {
  return Buffer.concat(components.map(([t, n]) => Buffer.from([t, n ? n.length + 1 : 0, 0, 0, ...(n ? [8, ...Buffer.from(n)] : [])])));
}

describe('UDF tree', () => {
  test('embedded and recorded files, a subdirectory, a hard link, a symlink, a 16-bit name: the entry model extraction consumes', async () => {
    const link = symlinkData([2, ''], [5, 'etc'], [5, 'hosts']);
    const blocks = new Map<number, Uint8Array>([
      [1, directory(1, [{ name: 'small.txt', block: 2 }, { name: 'sub', block: 3, directory: true }, { name: 'link', block: 5 }, { name: 'Θ-wide', block: 6 }])],
      [2, fileEntry(2, { fileType: 5, informationLength: 5, embedded: Buffer.from('hello') })],
      [3, directory(3, [{ name: 'again.txt', block: 2 }], 1)],
      [5, fileEntry(5, { fileType: 12, informationLength: link.length, embedded: link })],
      [6, fileEntry(6, { fileType: 5, informationLength: 3000, shortAds: [[2048, 10], [952, 11]] })],
      [10, new Uint8Array(BLOCK).fill(0x61)],
      [11, new Uint8Array(BLOCK).fill(0x62)],
    ]);
    const tree = await read(blocks);
    const shape = [...walkEntries(tree.root)].map((e) => [e.path, e.kind, e.kind === 'file' ? e.size : e.kind === 'symlink' ? e.target : '', e.kind === 'file' ? e.hardLinkGroup ?? 0 : 0]);
    assert.deepEqual(shape, [
      ['', 'directory', '', 0],
      ['small.txt', 'file', 5, 1],
      ['sub', 'directory', '', 0],
      ['sub/again.txt', 'file', 5, 1],
      ['link', 'symlink', '/etc/hosts', 0],
      ['Θ-wide', 'file', 3000, 0],
    ]);
    const wide = tree.root.children[3]!;
    assert.equal(wide.kind === 'file' && wide.extents.length, 1, 'consecutive extents are joined');
    assert.equal(tree.root.mode, 0o555);
    assert.equal(tree.stats.bytes, 3005, 'a hard-link group counts once');
    assert.equal(tree.volume.info.revision, '1.02');
    assert.equal(tree.volume.info.fileSetId, 'FILESET');
  });

  test('a UDF-only image is read from its UDF tree, and --tree iso9660 is refused as a usage error', async () => {
    const image = udfImage(new Map());
    const disc = await readImage(bufferSource(image, NAME));
    assert.equal(disc.tree, 'udf');
    assert.equal(disc.trees.iso9660, false);
    assert.equal(disc.volume.volumeId, 'LOGICAL');
    await assert.rejects(readImage(bufferSource(image, NAME), { tree: 'iso9660' }), /has no ISO9660 tree/);
  });

  for (const hostile of HOSTILE_UDF) {
    test(`refused in one line naming the image and the structure: ${hostile.name}`, async () => {
      await assert.rejects(readUdfTree(bufferSource(hostile.image(), NAME)), (e: Error) => {
        assert.ok(e.message.startsWith(`${NAME}: `), e.message);
        assert.ok(!e.message.includes('\n'));
        assert.match(e.message, hostile.message);
        return true;
      });
    });
  }

  test('names with "/" or "..", and NUL, are skipped with ENTRY_UNSAFE; the rest is read', async () => {
    const warnings: Warning[] = [];
    const f = fileEntry(2, { fileType: 5, informationLength: 1, embedded: Buffer.from('a') });
    const tree = await read(new Map([[1, directory(1, [{ name: 'a/b', block: 2 }, { name: '..', block: 2 }, { name: 'n\0', block: 2 }, { name: 'ok', block: 2 }])], [2, f]]), warnings);
    assert.deepEqual(tree.root.children.map((c) => c.name), ['ok']);
    assert.deepEqual(warnings.map((w) => w.code), ['ENTRY_UNSAFE', 'ENTRY_UNSAFE', 'ENTRY_UNSAFE']);
  });

  test('UDF 2.50 metadata partition: the file set, directories and entries are read through the metadata file', async () => {
    const blocks = new Map<number, Uint8Array>([
      [1, directory(1, [{ name: 'meta.txt', block: 2, partition: 1 }, { name: 'd', block: 3, directory: true, partition: 1 }], 1, 1)],
      [2, fileEntry(2, { fileType: 5, informationLength: 4, embedded: Buffer.from('meta') })],
      [3, directory(3, [], 1, 1)],
    ]);
    const image = udfImage(blocks, { metadata: true });
    const tree = await readUdfTree(bufferSource(image, NAME));
    assert.deepEqual(tree.volume.info.partitionMaps.map((m) => m.type), ['physical', 'metadata']);
    assert.equal(tree.volume.info.revision, '2.50');
    assert.deepEqual([...walkEntries(tree.root)].map((e) => e.path), ['', 'meta.txt', 'd']);
    const file = tree.root.children[0]!;
    // Metadata block 2 is partition block 43: the embedded data is read from there.
    assert.equal(file.kind === 'file' && file.extents[0]!.position, (PARTITION_START + 43) * BLOCK + 176);
  });

  test('a damaged metadata file is replaced by its mirror, with a warning', async () => {
    const image = udfImage(new Map([[1, directory(1, [{ name: 'm', block: 2, partition: 1 }], 1, 1)], [2, fileEntry(2, { fileType: 5, informationLength: 1, embedded: Buffer.from('m') })]]), { metadata: true });
    image[(PARTITION_START + 40) * BLOCK + 20]! ^= 0xff; // inside the metadata file's entry: its CRC fails
    const warnings: Warning[] = [];
    const tree = await readUdfTree(bufferSource(image, NAME), (w) => warnings.push(w));
    assert.deepEqual(tree.root.children.map((c) => c.name), ['m']);
    assert.match(warnings[0]?.message ?? '', /UDF metadata file of partition map 1 at block 40: bad descriptor CRC .*; reading its mirror/);
  });

  test('a file over 4 GiB (64-bit length, six extents) is read whole, without reading its data', async () => {
    const size = 5 * 1024 ** 3 + 123;
    const piece = 0x3ffff800; // the largest 30-bit extent length that is a whole number of blocks
    const ads: [number, number][] = [];
    for (let left = size, block = 100; left > 0; left -= piece, block += piece / BLOCK) ads.push([Math.min(piece, left), block]);
    const blocks = new Map([[1, directory(1, [{ name: 'install.wim', block: 2 }])], [2, fileEntry(2, { fileType: 5, informationLength: size, shortAds: ads })]]);
    const declared = 100 + Math.ceil(size / BLOCK);
    const small = udfImage(blocks, { partitionBlocks: 8, declaredBlocks: declared });
    // The structures from the small image; beyond it, zeros up to the declared size (a sparse file, in effect).
    const bytes = (PARTITION_START + declared) * BLOCK;
    const inner = bufferSource(small, NAME);
    const source: ImageSource = {
      ...inner,
      size: bytes,
      read: async (buffer, offset, length, position) => {
        buffer.fill(0, offset, offset + length);
        if (position < small.length) await inner.read(buffer, offset, Math.min(length, small.length - position), position);
        return Math.max(0, Math.min(length, bytes - position));
      },
    };
    const tree = await readUdfTree(source);
    const file = tree.root.children[0]!;
    assert.equal(file.kind, 'file');
    if (file.kind !== 'file') return;
    assert.equal(file.size, size);
    assert.equal(file.extents.reduce((n, e) => n + e.length, 0), size);
    assert.equal(file.extents.length, 1, 'the six extents are consecutive in the image and joined');
    assert.equal(file.extents[0]!.position, (PARTITION_START + 100) * BLOCK);
    assert.equal(tree.stats.bytes, size);
  });
});
