import { PxeError } from '../errors.js';
import type { IsoFile } from './entry.js';
import { checkLimit } from './limits.js';
import { showPath } from './names.js';
import type { ImageSource } from './source.js';
import { inflateZisofs } from './zisofs.js';

/** Reads `length` bytes at `offset` within a file's stored data, across its extents. */
export async function readStored(source: ImageSource, file: IsoFile, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let filled = 0;
  let base = 0;
  for (const extent of file.extents) {
    if (filled >= length) break;
    const from = offset + filled;
    if (from < base + extent.length) {
      const inExtent = from - base;
      const n = Math.min(extent.length - inExtent, length - filled);
      const got = await source.read(out, filled, n, extent.position + inExtent);
      if (got !== n) throw new PxeError('ISO_TRUNCATED', `${source.name}: ${showPath(file.path)}: short read of file data`, { file: source.name });
      filled += n;
    }
    base += extent.length;
  }
  if (filled !== length) throw new PxeError('ISO_INVALID', `${source.name}: ${showPath(file.path)}: read past the end of the file's data`, { file: source.name });
  return out;
}

/** Streams a file's logical content (inflating zisofs) in pieces. A piece may be shared: do not modify it. */
export async function* readFileChunks(source: ImageSource, file: IsoFile, chunkSize = 1 << 20): AsyncGenerator<Buffer> {
  const stored = file.extents.reduce((n, e) => n + e.length, 0);
  if (file.zisofs) {
    yield* inflateZisofs(file.zisofs, stored, (o, l) => readStored(source, file, o, l), source.name, showPath(file.path));
    return;
  }
  for (let o = 0; o < stored; o += chunkSize) yield await readStored(source, file, o, Math.min(chunkSize, stored - o));
}

/**
 * Reads a whole (small) file such as `.disk/info` or `grub.cfg`. `maxBytes` keeps a
 * hostile image from making us allocate its declared size.
 */
export async function readFileContent(source: ImageSource, file: IsoFile, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
  checkLimit(file.size, maxBytes, source.name, () => `${showPath(file.path)} is ${file.size} bytes, more than the ${maxBytes} bytes expected of it`);
  const parts: Buffer[] = [];
  for await (const chunk of readFileChunks(source, file)) parts.push(chunk);
  return Buffer.concat(parts);
}
