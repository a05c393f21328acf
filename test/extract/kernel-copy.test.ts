/**
 * The large-file copy: inside the kernel (sendfile addon) for data, read and written sparse
 * where a chunk starts with zeros. Checked on real files: content, holes, and a short image.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyFile, type FileSpec } from '../../src/extract/file-writer.js';
import { kernelCopy } from '../../src/extract/kernel-copy.js';
import { tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const MiB = 1024 * 1024;
const SKIP = requirement(
  'sendfile addon',
  kernelCopy !== undefined,
  'native/build/Release/pxe_sendfile.node is not built (npm ci builds it with node-gyp); the read()+write() path is tested by the fixture extractions',
);

let work: string;
before(async () => (work = await tempDir('pxe-import-kcopy-')));
after(async () => rm(work, { recursive: true, force: true }));

const spec = (target: string, size: number): FileSpec => ({ target, size, mode: 0o644, chmod: false, atimeMs: undefined, mtimeMs: 1_700_000_000_000 });

/** An "image": 1 MiB of other data, then the file's bytes at that offset. */
async function image(content: Buffer): Promise<{ path: string; fd: number; close: () => Promise<void> }> {
  const path = join(work, `image-${Math.random().toString(36).slice(2)}`);
  const handle = await open(path, 'w+');
  await handle.write(randomBytes(MiB), 0, MiB, 0);
  await handle.write(content, 0, content.length, MiB);
  return { path, fd: handle.fd, close: () => handle.close() };
}

describe('large-file copy with sendfile', { skip: SKIP }, () => {
  test('data chunks are copied byte for byte, zero chunks become holes, extents are concatenated', async () => {
    // 8 MiB data, 16 MiB zeros, 3 MiB + 5 bytes data: chunk boundaries and an odd tail.
    const content = Buffer.concat([randomBytes(8 * MiB), Buffer.alloc(16 * MiB), randomBytes(3 * MiB + 5)]);
    const img = await image(content);
    const target = join(work, 'out-1');
    let progress = 0;
    // Two extents, as a multi-extent file has: the second starts mid-file.
    const split = 10 * MiB;
    copyFile(img.fd, Buffer.allocUnsafe(128 * 1024), spec(target, content.length), [
      { position: MiB, length: split },
      { position: MiB + split, length: content.length - split },
    ], (n) => (progress += n));
    await img.close();
    assert.ok((await readFile(target)).equals(content), 'content differs');
    assert.equal(progress, content.length);
    const st = await stat(target);
    assert.equal(st.size, content.length);
    assert.equal(st.mtimeMs, 1_700_000_000_000);
    // Allocated blocks cover the data, not the 16 MiB of zeros.
    assert.ok(st.blocks * 512 < content.length - 8 * MiB, `zeros were written: ${st.blocks * 512} bytes allocated`);
  });

  test('an image shorter than its extents is reported as truncated', async () => {
    const img = await image(randomBytes(2 * MiB));
    const target = join(work, 'out-2');
    assert.throws(
      () => copyFile(img.fd, Buffer.allocUnsafe(128 * 1024), spec(target, 4 * MiB), [{ position: MiB, length: 4 * MiB }], () => {}),
      (e: Error & { code?: string }) => e.code === 'ISO_TRUNCATED' && /short read at byte \d+/.test(e.message),
    );
    await img.close();
  });
});
