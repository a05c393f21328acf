import { inflateSync } from 'node:zlib';
import { PxeError } from '../errors.js';
import { quoteName } from './names.js';
import type { Extent } from './entry.js';
import type { ZisofsParameters } from './rock-ridge.js';
import type { ImageSource } from './source.js';

/** "zisofs" file header magic (zisofs-tools, Linux fs/isofs/compress.c). */
const MAGIC = Buffer.from([0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07]);
const HEADER_BYTES = 16;

/**
 * Checks a zisofs file header against its ZF entry. Returns a problem description,
 * or undefined when the file can be inflated. Block sizes other than 32-128 KiB are
 * refused, as libarchive and the kernel do (libarchive test_read_format_iso_zisofs_overflow).
 */
export async function readZisofsHeader(source: ImageSource, extents: readonly Extent[], stored: number, zf: ZisofsParameters): Promise<string | undefined> {
  if (zf.algorithm !== 'pz') return `unknown compression ${quoteName(zf.algorithm)}`;
  if (zf.log2BlockSize < 15 || zf.log2BlockSize > 17) return `zisofs block size 2^${zf.log2BlockSize} is outside 2^15..2^17`;
  if (zf.headerSize < HEADER_BYTES) return `zisofs header size ${zf.headerSize} is too small`;
  const first = extents[0];
  if (!first || stored < HEADER_BYTES) return 'zisofs file is shorter than its header';
  const header = Buffer.alloc(HEADER_BYTES);
  await source.read(header, 0, HEADER_BYTES, first.position);
  if (!header.subarray(0, 8).equals(MAGIC)) return 'zisofs magic number missing';
  if (header.readUInt32LE(8) !== zf.uncompressedSize) return 'zisofs header and ZF entry disagree on the size';
  const blocks = Math.ceil(zf.uncompressedSize / 2 ** zf.log2BlockSize);
  if (zf.headerSize + (blocks + 1) * 4 > stored) return 'zisofs block table runs past the end of the file';
  return undefined;
}

/**
 * Inflates a zisofs file block by block: each block pointer pair delimits one
 * zlib stream; equal pointers mean a block of zeros. Memory is one block at a time.
 * `read(position, length)` reads stored bytes by offset within the file. The header was
 * checked when the tree was read, so damage found here (a pointer outside the file, a
 * block inflating past the block size, corrupt zlib data) is an ISO_INVALID error naming
 * `image` and `path`: half of a file cannot be copied as stored.
 * Chunks of zeros are one shared buffer per file: callers must not modify a chunk.
 */
export async function* inflateZisofs(
  zf: ZisofsParameters,
  stored: number,
  read: (offset: number, length: number) => Promise<Buffer>,
  image: string,
  path: string,
): AsyncGenerator<Buffer> {
  const bad = (block: number, problem: string) => new PxeError('ISO_INVALID', `${image}: ${path}: zisofs block ${block} ${problem}`, { file: image });
  const blockSize = 2 ** zf.log2BlockSize;
  const blocks = Math.ceil(zf.uncompressedSize / blockSize);
  const table = await read(zf.headerSize, (blocks + 1) * 4);
  let zeros: Buffer | undefined;
  let remaining = zf.uncompressedSize;
  for (let i = 0; i < blocks; i++) {
    const start = table.readUInt32LE(i * 4);
    const end = table.readUInt32LE(i * 4 + 4);
    const want = Math.min(blockSize, remaining);
    if (end < start || end > stored) throw bad(i, `pointers ${start}..${end} are outside the file's ${stored} bytes`);
    let out: Buffer;
    if (end === start) {
      zeros ??= Buffer.alloc(blockSize);
      out = zeros.subarray(0, want);
    } else {
      const compressed = await read(start, end - start);
      try {
        out = inflateSync(compressed, { maxOutputLength: blockSize });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw bad(i, err.code === 'ERR_BUFFER_TOO_LARGE' ? `inflates to more than the block size (${blockSize} bytes)` : `cannot be inflated: ${err.message}`);
      }
      if (out.length > want) out = out.subarray(0, want);
      if (out.length < want) out = Buffer.concat([out, Buffer.alloc(want - out.length)]);
    }
    remaining -= want;
    yield out;
  }
}
