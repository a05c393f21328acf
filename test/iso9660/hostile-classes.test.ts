/**
 * One minimal reproducer for each class of hostile image a mutation fuzzer found
 * (../shared/fuzz has a real sample of most; see fuzz-samples.test.ts). Each image is
 * built in memory, so the class stays covered without the shared samples or fixtures.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import type { Warning } from '../../src/errors.js';
import { extractImageTo } from '../../src/extract/atomic.js';
import type { IsoFile } from '../../src/iso9660/entry.js';
import { findEntry } from '../../src/iso9660/entry.js';
import { readIsoImage, type IsoImage } from '../../src/iso9660/image.js';
import { checkLimit, MAX_CE_BYTES, Tally } from '../../src/iso9660/limits.js';
import { checkSymlinkTarget, MAX_SYMLINK_TARGET_BYTES, showPath } from '../../src/iso9660/names.js';
import { readFileContent } from '../../src/iso9660/read-file.js';
import { bufferSource, type ImageSource } from '../../src/iso9660/source.js';
import { both32, susp } from '../helpers/bytes.js';
import { buildIsoWithMap, dir, file, symlink, zfEntry, zisofsCompress, zisofsPointerOffset, zisofsStream, type BuiltIso, type DirectoryNode, type IsoBuildOptions, type IsoNode } from '../helpers/iso-builder.js';
import { tempDir } from '../helpers/paths.js';

const NAME = 'hostile.iso';
/** A file whose data is `data` as stored, with a ZF entry declaring it zisofs of `size` bytes. */
const zisofsFile = (name: string, data: Buffer, size: number): IsoNode => file(name, data, { systemUse: zfEntry(size) });
/** Rock Ridge 1.12 images; the names the tests see are the NM names. */
const build = (tree: readonly IsoNode[], options: IsoBuildOptions = {}): BuiltIso => buildIsoWithMap(tree, { rockRidge: {}, ...options });

async function open(bytes: Uint8Array, warnings: Warning[] = []): Promise<IsoImage> {
  return readIsoImage(bufferSource(bytes, NAME), { onWarning: (w) => warnings.push(w) });
}

let work: string;
before(async () => {
  work = await tempDir('pxe-import-hostile-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Extracts into a fresh directory of `work`; whatever happens, nothing else may be left there. */
async function extract(image: IsoImage, name: string, warnings: Warning[] = []) {
  const parent = join(work, name);
  await rm(parent, { recursive: true, force: true });
  await mkdir(parent);
  const target = join(parent, 'out');
  try {
    return { target, result: await extractImageTo(image, target, { onWarning: (w) => warnings.push(w) }) };
  } catch (e) {
    assert.deepEqual(await readdir(parent), [], 'a refused extraction leaves nothing behind');
    throw e;
  }
}

describe('zisofs damage found while inflating is a refusal naming the image and the file (not an internal error)', () => {
  const content = Buffer.alloc(3 * 32768, 0x61);
  const cases: [string, () => Buffer, RegExp][] = [
    [
      'a block pointer outside the file',
      () => {
        const z = zisofsCompress(content);
        z.writeUInt32LE(0x7fff0000, zisofsPointerOffset(2));
        return z;
      },
      /^hostile\.iso: \/z\.bin: zisofs block 1 pointers \d+\.\.2147418112 are outside the file's \d+ bytes$/,
    ],
    [
      'a block that inflates past the block size',
      () => zisofsStream(content.length, 15, [deflateSync(Buffer.alloc(40000, 0x61)), undefined, undefined]),
      /^hostile\.iso: \/z\.bin: zisofs block 0 inflates to more than the block size \(32768 bytes\)$/,
    ],
    ['corrupt zlib data', () => zisofsStream(content.length, 15, [Buffer.from('this is not a zlib stream'), undefined, undefined]), /^hostile\.iso: \/z\.bin: zisofs block 0 cannot be inflated: /],
    [
      'a zlib stream cut short',
      () => zisofsStream(content.length, 15, [deflateSync(content.subarray(0, 32768)).subarray(0, 20), undefined, undefined]),
      /^hostile\.iso: \/z\.bin: zisofs block 0 cannot be inflated: unexpected end of file$/,
    ],
  ];
  for (const [what, data, message] of cases) {
    test(`${what}: extract and the small-file reader (inspect's boot configs) both refuse`, async () => {
      const image = await open(build([zisofsFile('z.bin', data(), content.length)]).bytes);
      await assert.rejects(extract(image, 'zisofs'), { code: 'ISO_INVALID', message });
      await assert.rejects(readFileContent(image.source, findEntry(image.root, 'z.bin') as IsoFile), { code: 'ISO_INVALID', message });
    });
  }
});

describe('zisofs output is bounded', () => {
  test('blocks of zeros become holes: 8 MiB declared, almost nothing allocated, content intact', async () => {
    const content = Buffer.alloc(8 << 20);
    content.write('end marker', content.length - 100);
    const image = await open(build([file('zeros.bin', content, { zisofs: true })]).bytes);
    const { target } = await extract(image, 'holes');
    const st = await stat(join(target, 'zeros.bin'));
    assert.equal(st.size, content.length);
    assert.ok(st.blocks * 512 <= 64 * 1024, `${st.blocks * 512} bytes allocated for 8 MiB of zeros`);
    assert.ok((await readFile(join(target, 'zeros.bin'))).equals(content));
  });

  test('a zisofs file may not declare more than MAX_EXPANSION times the image size', async () => {
    const size = 32 << 20; // 32 MiB of zeros: an 4 KiB block table in a ~50 KiB image
    const bytes = build([dir('d', [file('big.bin', Buffer.alloc(size), { zisofs: true })])]).bytes;
    await assert.rejects(open(bytes), {
      code: 'ISO_LIMIT',
      message: new RegExp(`^hostile\\.iso: /d/big\\.bin: zisofs file would inflate to ${size} bytes, more than ${256 * bytes.length} \\(256 times the image's size\\)$`),
    });
  });

  test("many records sharing one extent with different sizes cannot multiply the image's data", async () => {
    const data = Buffer.alloc(200 * 1024, 0x62);
    const files: IsoNode[] = [file('data', data)];
    for (let i = 1; i <= 600; i++) files.push(file(`f${i}`, new Uint8Array(0)));
    const built = build(files);
    for (let i = 1; i <= 600; i++) {
      const at = built.records.get(`/f${i}`)![0]!;
      built.bytes.set(both32(built.blocks.get('/data')!), at + 2);
      built.bytes.set(both32(data.length - i), at + 10); // a different size each: not hard links
    }
    await assert.rejects(open(built.bytes), { code: 'ISO_LIMIT', message: /^hostile\.iso: the tree would extract to \d+ bytes, more than \d+ \(256 times the image's size\)$/ });
  });
});

/** Counts the bytes a reader asks for. */
function counting(source: ImageSource): ImageSource & { bytesRead: number } {
  const counted = {
    ...source,
    bytesRead: 0,
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      counted.bytesRead += length;
      return source.read(buffer, offset, length, position);
    },
  };
  return counted;
}

describe('directory structures: work is bounded', () => {
  test('a chain of directories whose extents overlap is refused at the first overlap, reading a few blocks', async () => {
    // Like the fuzzer's sample: each directory's extent runs to the end of the chain, so each
    // holds all deeper ones too. Read level by level, that was quadratic work and memory.
    let node: DirectoryNode = dir('d199', []);
    for (let i = 198; i >= 0; i--) node = dir(`d${i}`, [node]);
    const built = build([node]);
    const pathAt = (depth: number) => Array.from({ length: depth }, (_, i) => `/d${i}`).join('');
    const last = built.blocks.get(pathAt(200))!;
    for (let depth = 1; depth <= 200; depth++) {
      const path = pathAt(depth);
      built.bytes.set(both32((last + 1 - built.blocks.get(path)!) * 2048), built.records.get(path)![0]! + 10);
    }
    const source = counting(bufferSource(built.bytes, NAME));
    await assert.rejects(readIsoImage(source), {
      code: 'ISO_LOOP',
      message: /^hostile\.iso: directory \/d0\/d1 \(blocks \d+\.\.\d+\) overlaps a directory already read, at block \d+: the directory structure loops$/,
    });
    // The first directory's 200 blocks, and little more; level by level it was 200 x 100 blocks.
    assert.ok(source.bytesRead < 1024 * 1024, `read ${source.bytesRead} bytes`);
  });

  test('records sharing one long CE chain cannot make the reader parse more than MAX_CE_BYTES', async () => {
    // 32 continuation areas of a whole block each (the most one record may have), shared by every record.
    const first = 200;
    const raw = new Map<number, Uint8Array>();
    for (let i = 0; i < 32; i++) {
      const filler = [...susp('XX', Array(240).fill(0)), ...susp('XX', Array(240).fill(0))];
      const ce = i < 31 ? susp('CE', [...both32(first + i + 1), ...both32(0), ...both32(2048)]) : [];
      raw.set(first + i, Uint8Array.from([...filler, ...ce]));
    }
    const records = Math.ceil(MAX_CE_BYTES / (32 * 2048)) + 1;
    const files: IsoNode[] = [];
    for (let i = 0; i < records; i++) files.push(file(`f${i}`, new Uint8Array(0), { systemUse: susp('CE', [...both32(first), ...both32(0), ...both32(2048)]) }));
    await assert.rejects(open(build(files, { rawBlocks: raw }).bytes), {
      code: 'ISO_LIMIT',
      message: `${NAME}: more than ${MAX_CE_BYTES} bytes of Rock Ridge continuation areas (CE)`,
    });
  });

  test('the guard refuses the value, or the addition, that passes a limit', () => {
    assert.doesNotThrow(() => checkLimit(10, 10, 'x.iso', () => 'too many'));
    assert.throws(() => checkLimit(11, 10, 'x.iso', () => 'too many'), { code: 'ISO_LIMIT', message: 'x.iso: too many' });
    const tally = new Tally(100, 'x.iso', (max) => `more than ${max} things`);
    tally.add(60);
    tally.add(40);
    assert.throws(() => tally.add(1), { code: 'ISO_LIMIT', message: 'x.iso: more than 100 things' });
  });
});

describe('symbolic link targets the system cannot create are skipped with ENTRY_UNSAFE, like unsafe names', () => {
  test('an empty target and one with a NUL byte are skipped; the rest is extracted', async () => {
    const warnings: Warning[] = [];
    const bytes = build([file('file', 'data\n'), symlink('empty', ''), symlink('nul', '/tmp\0x'), symlink('good', 'file')]).bytes;
    const image = await open(bytes, warnings);
    const { target } = await extract(image, 'symlinks', warnings);
    assert.deepEqual((await readdir(target)).sort(), ['file', 'good']);
    assert.deepEqual(
      warnings.map((w) => [w.code, w.message]),
      [
        ['ENTRY_UNSAFE', '/empty: symbolic link target is empty; entry skipped'],
        ['ENTRY_UNSAFE', '/nul: symbolic link target contains a NUL byte; entry skipped'],
      ],
    );
  });

  test('a target longer than PATH_MAX is refused as a string', () => {
    assert.equal(checkSymlinkTarget('a/'.repeat(2047) + 'b'), undefined);
    assert.equal(checkSymlinkTarget('a'.repeat(MAX_SYMLINK_TARGET_BYTES + 1)), `symbolic link target is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`);
  });
});

describe('every refusal and warning is one line naming the image', () => {
  test('a newline in a name is escaped in errors and warnings', async () => {
    const warnings: Warning[] = [];
    const bad = zisofsStream(32768, 15, [Buffer.from('not zlib')]);
    const bytes = build([dir('a\nb', [zisofsFile('z\r', bad, 32768)]), file('x\ny', '1'), file('x\ny', '2')]).bytes;
    const image = await open(bytes, warnings);
    assert.deepEqual(
      warnings.map((w) => w.message),
      ['"/x\\ny": a second entry with this name in the same directory; skipped'],
    );
    await assert.rejects(extract(image, 'newline'), (e: Error) => {
      assert.equal(e.message, 'hostile.iso: "/a\\nb/z\\r": zisofs block 0 cannot be inflated: incorrect header check');
      return true;
    });
  });

  test('control characters, DEL, C1 and line separators are quoted; plain paths are not', () => {
    assert.equal(showPath('boot/grub/grub.cfg'), '/boot/grub/grub.cfg');
    assert.equal(showPath('été/ü'), '/été/ü');
    assert.equal(showPath('a\u001b[2Jb'), '"/a\\u001b[2Jb"');
    assert.equal(showPath('a\u007fb\u009bc\u2028'), '"/a\\u007fb\\u009bc\\u2028"');
  });

  test('a file-system error while extracting names the image too (a path longer than PATH_MAX)', async () => {
    let node: DirectoryNode = dir('x'.repeat(150), [file('f', 'deep')]);
    for (let i = 0; i < 30; i++) node = dir(`${i}`.padEnd(150, 'y'), [node]);
    const image = await open(build([node]).bytes);
    await assert.rejects(extract(image, 'deep'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'IO');
      assert.ok(e.message.startsWith(`${NAME}: `), e.message);
      assert.match(e.message, /: cannot create directory: name too long \(ENAMETOOLONG\)$/);
      return true;
    });
  });
});
