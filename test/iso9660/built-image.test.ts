/**
 * The tree walker over images built in memory (test/helpers/iso-builder.ts): names, modes,
 * times, symbolic links, hard links, multi-extent files, zisofs and Joliet, and the warnings
 * for both-endian fields whose halves disagree and for a damaged El Torito catalog.
 */
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Warning } from '../../src/errors.js';
import { describeImage } from '../../src/iso9660/describe.js';
import { findEntry, walkEntries, type IsoEntry, type IsoFile } from '../../src/iso9660/entry.js';
import { readIsoImage, type ReadOptions } from '../../src/iso9660/image.js';
import { readFileContent } from '../../src/iso9660/read-file.js';
import { bufferSource } from '../../src/iso9660/source.js';
import { runCli } from '../helpers/cli.js';
import { buildIso, buildIsoWithMap, DEFAULT_DATE, dir, file, hardlink, JOLIET_MAX_NAME, symlink, type IsoNode } from '../helpers/iso-builder.js';
import { tempDir } from '../helpers/paths.js';

const read = async (bytes: Uint8Array, options: ReadOptions = {}) => {
  const warnings: Warning[] = [];
  const image = await readIsoImage(bufferSource(bytes, 'built.iso'), { ...options, onWarning: (w) => warnings.push(w) });
  return { image, warnings };
};
const at = (root: Parameters<typeof findEntry>[0], path: string): IsoEntry => {
  const e = findEntry(root, path);
  assert.ok(e, `${path} is in the tree`);
  return e;
};
const asFile = (e: IsoEntry): IsoFile => {
  assert.equal(e.kind, 'file');
  return e as IsoFile;
};
/** Distinct bytes, so a block read from the wrong place shows. */
const pattern = (length: number, seed = 0) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed + (i >> 11)) % 251);

const MTIME = new Date(Date.UTC(2021, 5, 7, 8, 9, 10));
const ATIME = new Date(Date.UTC(2022, 0, 1, 0, 0, 1));
const LONG = 'n'.repeat(255);

const features: IsoNode[] = [
  file('readme.txt', 'hello\n', { mode: 0o640, mtime: MTIME, atime: ATIME, uid: 1000, gid: 100 }),
  file('setuid-tool', 'x', { mode: 0o4755 }),
  file(LONG, 'a name stored partly in a continuation area\n'),
  dir('Ünïcode dir', [file('café-ñ.txt', 'unicode\n')], { mode: 0o700, mtime: MTIME }),
  dir('boot', [file('vmlinuz', pattern(10_000)), hardlink('linux', '/boot/vmlinuz'), symlink('up', '../readme.txt')]),
  hardlink('vmlinuz-again', '/boot/vmlinuz'),
  symlink('abs', '/etc/passwd'),
  symlink('rootdir', '/'),
  symlink('odd', './a//b/'),
  file('split.bin', pattern(9000, 3), { scatter: true }),
  file('empty', ''),
  file('packed.gz', Buffer.concat([Buffer.alloc(40_000), pattern(30_000, 5)]), { zisofs: true }),
];

describe('a Rock Ridge 1.12 image built in memory', () => {
  const bytes = buildIso(features, { rockRidge: { version: '1.12' }, joliet: true, extentSize: 4096 });

  test('reads without a warning, as Rock Ridge, with the SUSP extension it declares', async () => {
    const { image, warnings } = await read(bytes);
    assert.deepEqual(warnings, []);
    assert.equal(image.tree, 'rockridge');
    assert.deepEqual(image.trees, { rockRidge: true, joliet: 3, extensions: ['IEEE_P1282'] });
  });

  test('names: NM over 255 bytes through a CE area, unicode, mixed case', async () => {
    const { image } = await read(bytes);
    const names = [...walkEntries(image.root)].map((e) => e.path).sort();
    assert.deepEqual(names, [
      '',
      LONG,
      'abs',
      'boot',
      'boot/linux',
      'boot/up',
      'boot/vmlinuz',
      'empty',
      'odd',
      'packed.gz',
      'readme.txt',
      'rootdir',
      'setuid-tool',
      'split.bin',
      'vmlinuz-again',
      'Ünïcode dir',
      'Ünïcode dir/café-ñ.txt',
    ].sort());
  });

  test('modes (setuid kept in the tree), owners, and TF modify and access times', async () => {
    const { image } = await read(bytes);
    const readme = at(image.root, 'readme.txt');
    assert.deepEqual([readme.mode, readme.uid, readme.gid, readme.mtime, readme.atime], [0o640, 1000, 100, MTIME, ATIME]);
    assert.equal(at(image.root, 'setuid-tool').mode, 0o4755);
    const d = at(image.root, 'Ünïcode dir');
    assert.deepEqual([d.kind, d.mode, d.mtime], ['directory', 0o700, MTIME]);
    assert.deepEqual([at(image.root, 'empty').mode, at(image.root, 'empty').mtime, at(image.root, 'empty').atime], [0o644, DEFAULT_DATE, undefined]);
  });

  test('symbolic links: relative, absolute, the root, and empty components', async () => {
    const { image } = await read(bytes);
    const targets = ['boot/up', 'abs', 'rootdir', 'odd'].map((p) => {
      const e = at(image.root, p);
      return e.kind === 'symlink' ? e.target : `${p} is a ${e.kind}`;
    });
    assert.deepEqual(targets, ['../readme.txt', '/etc/passwd', '/', './a//b/']);
    assert.equal(image.stats.symlinks, 4);
  });

  test('hard links share a serial number: one group, the data counted once', async () => {
    const { image } = await read(bytes);
    assert.deepEqual([...image.hardLinks.values()].map((g) => g.map((f) => f.path)), [['boot/linux', 'boot/vmlinuz', 'vmlinuz-again']]);
    const sizes = [...walkEntries(image.root)].filter((e): e is IsoFile => e.kind === 'file').reduce((n, f) => n + (f.hardLinkGroup ? 0 : f.size), 0);
    assert.equal(image.stats.bytes, sizes + 10_000);
    assert.equal(image.stats.files, 10);
  });

  test('a multi-extent file: one entry whose extents add up to its size, read back in file order', async () => {
    const { image } = await read(bytes);
    const split = asFile(at(image.root, 'split.bin'));
    assert.deepEqual(split.extents.map((e) => e.length), [4096, 4096, 808]);
    assert.ok(split.extents[0]!.position > split.extents[2]!.position, 'the builder laid the extents out last first');
    assert.deepEqual(await readFileContent(image.source, split), Buffer.from(pattern(9000, 3)));
    const vmlinuz = asFile(at(image.root, 'boot/vmlinuz'));
    assert.equal(vmlinuz.size, 10_000);
    assert.equal(vmlinuz.extents.length, 3);
  });

  test('zisofs: the logical size is the inflated one and the content inflates exactly', async () => {
    const { image } = await read(bytes);
    const packed = asFile(at(image.root, 'packed.gz'));
    assert.equal(packed.size, 70_000);
    assert.ok(packed.extents[0]!.length < 10_000, `stored in ${packed.extents[0]!.length} bytes`);
    assert.deepEqual(await readFileContent(image.source, packed), Buffer.concat([Buffer.alloc(40_000), pattern(30_000, 5)]));
  });

  test('the Joliet tree of the same image: names cut at 103 UTF-16 units, no symlinks, linked files by shared extent', async () => {
    const { image, warnings } = await read(bytes, { tree: 'joliet' });
    assert.deepEqual(warnings, []);
    assert.equal(image.tree, 'joliet');
    const paths = [...walkEntries(image.root)].map((e) => e.path);
    assert.ok(paths.includes(LONG.slice(0, JOLIET_MAX_NAME)));
    assert.ok(paths.includes('Ünïcode dir/café-ñ.txt'));
    assert.equal(image.stats.symlinks, 0);
    assert.deepEqual([...image.hardLinks.values()].map((g) => g.length), [3]);
    const readme = at(image.root, 'readme.txt');
    assert.deepEqual([readme.mode, readme.mtime], [undefined, MTIME]);
  });
});

describe('other layouts built in memory', () => {
  test('RRIP 1.10 (36-byte PX, no serial numbers): hard links come from the shared extent', async () => {
    const { image, warnings } = await read(buildIso([file('a', 'same data'), hardlink('b', '/a'), file('c', 'same data')], { rockRidge: { version: '1.10' } }));
    assert.deepEqual(warnings, []);
    assert.deepEqual(image.trees.extensions, ['RRIP_1991A']);
    assert.deepEqual([...image.hardLinks.values()].map((g) => g.map((f) => f.path)), [['a', 'b']]);
  });

  test('Joliet only: mixed-case and unicode names, read as Joliet', async () => {
    const { image } = await read(buildIso([dir('Mixed Case', [file('Ärger.TXT', 'x')]), file('lower.txt', 'y')], { joliet: true }));
    assert.equal(image.tree, 'joliet');
    assert.deepEqual([...walkEntries(image.root)].map((e) => e.path).sort(), ['', 'Mixed Case', 'Mixed Case/Ärger.TXT', 'lower.txt']);
  });

  test('plain ISO9660: names lose ";1" and the dot of an extension-less name', async () => {
    const { image } = await read(buildIso([file('vmlinuz', 'k'), file('readme.txt', 'r'), dir('isolinux', [file('isolinux.cfg', 'c')])]));
    assert.equal(image.tree, 'iso9660');
    assert.deepEqual([...walkEntries(image.root)].map((e) => e.path).sort(), ['', 'ISOLINUX', 'ISOLINUX/ISOLINUX.CFG', 'README.TXT', 'VMLINUZ']);
  });
});

/** Writes `be` into the big-endian half of the both-endian field at `offset`. */
function setBigEndian(bytes: Uint8Array, offset: number, be: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset + 4, be);
}
function setBigEndian16(bytes: Uint8Array, offset: number, be: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint16(offset + 2, be);
}
/** Offset of the SUSP entry `signature` inside the directory record at `record`. */
function entryIn(bytes: Uint8Array, record: number, signature: string): number {
  const i = Buffer.from(bytes.buffer, bytes.byteOffset + record, bytes[record]!).indexOf(signature, 33, 'latin1');
  assert.ok(i > 0, `${signature} in the record at ${record}`);
  return record + i;
}

describe('both-endian fields whose halves disagree', () => {
  const tree = [file('a.txt', 'aaa'), file('b.txt', 'bbb'), dir('d', [file('c.txt', 'ccc')])];

  test('a wrong big-endian extent location in every record is one warning; the little-endian values are used', async () => {
    const built = buildIsoWithMap(tree, { rockRidge: {} });
    const { bytes } = built;
    for (const path of ['/a.txt', '/b.txt', '/d', '/d/c.txt']) for (const record of built.records.get(path)!) setBigEndian(bytes, record + 2, 0x00ffffff);
    const { image, warnings } = await read(bytes);
    assert.deepEqual(warnings.map((w) => [w.code, w.message]), [
      [
        'ISO_BOTH_ENDIAN',
        `root directory, block ${built.records.get('/a.txt')![0]! >> 11} offset ${built.records.get('/a.txt')![0]! % 2048}: the little-endian and big-endian halves of the directory record extent location disagree (${asFile(at(image.root, 'a.txt')).extents[0]!.position / 2048} and 16777215); using ${asFile(at(image.root, 'a.txt')).extents[0]!.position / 2048} (further mismatches of this field are not reported)`,
      ],
    ]);
    assert.equal((await readFileContent(image.source, asFile(at(image.root, 'd/c.txt')))).toString(), 'ccc');
  });

  test('one warning per kind of field: PX mode and extent location each once, a wrong data length not at all', async () => {
    const built = buildIsoWithMap(tree, { rockRidge: {} });
    const { bytes } = built;
    for (const path of ['/a.txt', '/b.txt']) {
      const record = built.records.get(path)![0]!;
      setBigEndian(bytes, record + 2, 1);
      setBigEndian(bytes, record + 10, 99_999); // data length: tolerated, as pycdlib does
      setBigEndian(bytes, entryIn(bytes, record, 'PX') + 4, 0o100777);
    }
    const { image, warnings } = await read(bytes);
    assert.deepEqual(
      warnings.map((w) => [w.code, w.message.replace(/ \(further.*/, '')]),
      [
        ['ISO_BOTH_ENDIAN', `root directory, block ${built.records.get('/a.txt')![0]! >> 11} offset ${built.records.get('/a.txt')![0]! % 2048}: the little-endian and big-endian halves of the directory record extent location disagree (${asFile(at(image.root, 'a.txt')).extents[0]!.position / 2048} and 1); using ${asFile(at(image.root, 'a.txt')).extents[0]!.position / 2048}`],
        ['ISO_BOTH_ENDIAN', '/A.TXT: the little-endian and big-endian halves of the PX file mode disagree (33188 and 33279); using 33188'],
      ],
    );
    assert.equal(asFile(at(image.root, 'b.txt')).size, 3);
    assert.equal(at(image.root, 'b.txt').mode, 0o644);
  });

  test('the volume descriptor: volume space size and logical block size', async () => {
    const bytes = buildIso(tree);
    setBigEndian(bytes, 16 * 2048 + 80, 12);
    setBigEndian16(bytes, 16 * 2048 + 128, 512);
    const { image, warnings } = await read(bytes);
    assert.deepEqual(
      warnings.map((w) => w.message.replace(/ \(further.*/, '')),
      [
        `primary volume descriptor (sector 16): the little-endian and big-endian halves of the logical block size disagree (2048 and 512); using 2048`,
        `primary volume descriptor (sector 16): the little-endian and big-endian halves of the volume space size disagree (${bytes.length / 2048} and 12); using ${bytes.length / 2048}`,
      ],
    );
    assert.equal(image.volume.volumeBlocks, bytes.length / 2048);
  });

  test('a CE entry in a record: its block location', async () => {
    const built = buildIsoWithMap([file(LONG, 'x')], { rockRidge: {} });
    const { bytes } = built;
    setBigEndian(bytes, entryIn(bytes, built.records.get(`/${LONG}`)![0]!, 'CE') + 4, 7);
    const { image, warnings } = await read(bytes);
    assert.deepEqual(warnings.map((w) => w.code), ['ISO_BOTH_ENDIAN']);
    assert.match(warnings[0]!.message, /^\/N{29}: CE entry: the little-endian and big-endian halves of the SUSP CE block location disagree \(\d+ and 7\)/);
    assert.ok(findEntry(image.root, LONG), 'the name behind the CE was still read');
  });
});

describe('El Torito problems are warnings', () => {
  const tree = [dir('isolinux', [file('isolinux.bin', pattern(2048))])];
  const options = { rockRidge: {}, elTorito: { bootFile: '/isolinux/isolinux.bin' } };

  test('a sound catalog gives none, and its entry names the boot file', async () => {
    const { image, warnings } = await read(buildIso(tree, options));
    assert.deepEqual(warnings, []);
    assert.deepEqual(describeImage(image).elTorito?.map((e) => [e.platform, e.emulation, e.bootable, e.sectorCount, e.file]), [['x86', 'none', true, 4, '/isolinux/isolinux.bin']]);
  });

  test('a wrong validation checksum: ELTORITO_INVALID, and the entries are still listed', async () => {
    const built = buildIsoWithMap(tree, options);
    built.bytes[built.bootCatalog! + 28]! ^= 0xff;
    const { image, warnings } = await read(built.bytes);
    assert.deepEqual(warnings, [
      { code: 'ELTORITO_INVALID', message: `El Torito boot catalog validation entry checksum is wrong (catalog at block ${built.bootCatalog! / 2048}); boot entries may be missing` },
    ]);
    assert.equal(describeImage(image).elTorito?.length, 1);
  });

  test('a damaged validation entry, and a catalog beyond the end of the image', async () => {
    const built = buildIsoWithMap(tree, options);
    built.bytes[built.bootCatalog! + 30] = 0;
    assert.deepEqual((await read(built.bytes)).warnings.map((w) => [w.code, w.message]), [
      ['ELTORITO_INVALID', `El Torito boot catalog validation entry is missing or damaged (catalog at block ${built.bootCatalog! / 2048}); boot entries may be missing`],
    ]);
    const far = buildIso(tree, options);
    new DataView(far.buffer).setUint32(17 * 2048 + 0x47, 0x00ffffff, true); // the boot record's catalog pointer
    const { image, warnings } = await read(far);
    assert.deepEqual(warnings.map((w) => w.message), ['El Torito boot catalog lies beyond the end of the image (catalog at block 16777215); boot entries may be missing']);
    assert.deepEqual(describeImage(image).elTorito, []);
  });

  test('pxe-import inspect prints the warning with the image named', async () => {
    const work = await tempDir();
    try {
      const built = buildIsoWithMap(tree, options);
      built.bytes[built.bootCatalog! + 28]! ^= 0xff;
      const path = join(work, 'bad-catalog.iso');
      await writeFile(path, built.bytes);
      const r = await runCli(['inspect', path], { timeoutMs: 20_000 });
      assert.match(r.stderr, new RegExp(`^pxe-import: warning: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: El Torito boot catalog validation entry checksum is wrong \\(catalog at block \\d+\\); boot entries may be missing$`, 'm'));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
