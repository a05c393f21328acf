import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PxeError } from '../errors.js';

/**
 * Random access to image bytes. The reader never loads the whole image: it asks
 * for exactly the ranges it needs, and every short read is an error naming the image.
 */
export interface ImageSource {
  /** Used in every error message. */
  readonly name: string;
  readonly size: number;
  /** The open file descriptor, for readers on other threads; undefined for in-memory sources. */
  readonly fd: number | undefined;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; returns the count read. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /**
   * The same, blocking. Bulk extraction uses it: a synchronous read-then-write of a
   * cache-sized buffer beats a thread-pool round trip per read (see src/extract/extract.ts).
   */
  readSync(buffer: Uint8Array, offset: number, length: number, position: number): number;
  close(): Promise<void>;
}

export async function openFileSource(path: string): Promise<ImageSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    throw new PxeError('IO', `${path}: cannot open image: ${why}`, { file: path, cause: e });
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new PxeError('USAGE', `${path}: is a directory, not an ISO image`, { file: path });
  }
  return {
    name: path,
    size: stat.size,
    fd: handle.fd,
    async read(buffer, offset, length, position) {
      let done = 0;
      // A regular file returns short reads only at EOF, but a block device or FUSE file may not.
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, offset + done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    },
    readSync(buffer, offset, length, position) {
      let done = 0;
      while (done < length) {
        const n = readSync(handle.fd, buffer, offset + done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    },
    close: () => handle.close(),
  };
}

/** For tests and in-memory hostile images. */
export function bufferSource(bytes: Uint8Array, name = '<memory>'): ImageSource {
  const readSync = (buffer: Uint8Array, offset: number, length: number, position: number): number => {
    const end = Math.min(bytes.length, position + length);
    if (position >= end) return 0;
    buffer.set(bytes.subarray(position, end), offset);
    return end - position;
  };
  return {
    name,
    size: bytes.length,
    fd: undefined,
    read: async (buffer, offset, length, position) => readSync(buffer, offset, length, position),
    readSync,
    async close() {},
  };
}

/** Reads exactly `length` bytes or fails with ISO_TRUNCATED: the image ends before a structure it declares. */
export async function readExactly(source: ImageSource, position: number, length: number, what: string): Promise<Buffer> {
  if (position + length > source.size) {
    throw new PxeError(
      'ISO_TRUNCATED',
      `${source.name}: ${what} at byte ${position} (+${length}) lies beyond the end of the image (${source.size} bytes); the image is truncated or corrupt`,
      { file: source.name },
    );
  }
  const buffer = Buffer.allocUnsafe(length);
  const n = await source.read(buffer, 0, length, position);
  if (n !== length) {
    throw new PxeError('ISO_TRUNCATED', `${source.name}: short read of ${what} at byte ${position}: got ${n} of ${length} bytes`, {
      file: source.name,
    });
  }
  return buffer;
}
