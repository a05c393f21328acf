import { closeSync, constants, fchmodSync, ftruncateSync, futimesSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { describeSystemError, PxeError } from '../errors.js';
import { printable } from '../iso9660/names.js';
import { kernelCopy } from './kernel-copy.js';

/**
 * Synchronous file-writing primitives, shared by the main thread and the large-file
 * worker. Synchronous on purpose: a cache-sized read-then-write costs less than a
 * thread-pool round trip per call (see DEFAULT_BUFFER_SIZE in extract.ts).
 */

/** What a file is written with; plain data, so it can be sent to the worker. */
export interface FileSpec {
  readonly target: string;
  readonly size: number;
  /** Final permission bits (privileges already stripped). */
  readonly mode: number;
  /** The umask removes some of `mode`'s bits at creation, so they must be set again. */
  readonly chmod: boolean;
  readonly atimeMs: number | undefined;
  readonly mtimeMs: number | undefined;
}

export interface FileJob {
  readonly spec: FileSpec;
  fd: number | undefined;
  remaining: number;
  /** Some zero run was left as a hole, so the size must be set explicitly. */
  holes: boolean;
}

/** O_EXCL: the staging tree is new, so an existing name means a bug or an attack. O_NOFOLLOW: never through a symlink. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function newJob(spec: FileSpec): FileJob {
  return { spec, fd: undefined, remaining: spec.size, holes: false };
}

export function mkdirOrFail(path: string): void {
  try {
    // 0700 while extracting: the final mode (perhaps read-only) is set once the directory is complete.
    mkdirSync(path, 0o700);
  } catch (e) {
    throw ioError(path, 'cannot create directory', e);
  }
}

export function openOrFail(path: string, mode = 0o600): number {
  try {
    return openSync(path, CREATE_FLAGS, mode);
  } catch (e) {
    throw ioError(path, 'cannot create file', e);
  }
}

/**
 * The process umask, read on the main thread (workers may not call process.umask, and
 * process.umask() without an argument is deprecated). Files are created with their
 * final mode; fchmod is needed only for bits the umask removes.
 */
export function processUmask(): number {
  const old = process.umask(0o022);
  process.umask(old);
  return old;
}


const HOLE_BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

/**
 * Writes a piece, leaving whole 64 KiB runs of zeros as holes (libarchive and
 * `cp --sparse=auto` do the same): images pad large files with zeros, and a
 * sparse copy saves both the disk space and the write. A shorter piece that is all
 * zeros is a hole too: zisofs stores blocks of zeros (32-128 KiB) as nothing at all,
 * and a small image may declare gigabytes of them.
 */
export function writeSparse(job: FileJob, buffer: Buffer, offset: number, length: number, position: number): void {
  if (length < HOLE_BLOCK && buffer.compare(ZEROS, 0, length, offset, offset + length) === 0) {
    job.holes = true;
    return;
  }
  const isZero = (o: number) => length - o >= HOLE_BLOCK && buffer.compare(ZEROS, 0, HOLE_BLOCK, offset + o, offset + o + HOLE_BLOCK) === 0;
  let o = 0;
  while (o < length) {
    if (isZero(o)) {
      job.holes = true;
      o += HOLE_BLOCK;
      continue;
    }
    let end = Math.min(length, o + HOLE_BLOCK);
    while (end < length && !isZero(end)) end = Math.min(length, end + HOLE_BLOCK);
    writeAll(job, buffer, offset + o, end - o, position + o);
    o = end;
  }
}

export function writeAll(job: FileJob, buffer: Buffer, offset: number, length: number, position: number): void {
  try {
    let done = 0;
    while (done < length) done += writeSync(job.fd!, buffer, offset + done, length - done, position + done);
  } catch (e) {
    throw ioError(job.spec.target, 'cannot write', e);
  }
}

export function finishFile(job: FileJob): void {
  const { mode, size, atimeMs, mtimeMs, target } = job.spec;
  const fd = job.fd ?? openOrFail(target, mode);
  job.fd = undefined;
  try {
    if (job.holes) ftruncateSync(fd, size);
    if (job.spec.chmod) fchmodSync(fd, mode);
    // Dates, not numbers: Node turns a negative number (a time before 1970) into "now".
    if (mtimeMs !== undefined) futimesSync(fd, new Date(atimeMs ?? mtimeMs), new Date(mtimeMs));
  } catch (e) {
    throw ioError(target, 'cannot set file attributes', e);
  } finally {
    closeSync(fd);
  }
}

export function ioError(path: string, what: string, e: unknown): PxeError {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof PxeError) return err;
  return new PxeError('IO', `${printable(path)}: ${what}: ${describeSystemError(err)}`, { file: path, cause: e });
}


export interface DataExtent {
  readonly position: number;
  readonly length: number;
}

/** Unused bytes between two files that are still worth reading in the same span rather than seeking. */
const MAX_GAP = 32 * 1024;

/** A file whose data is read in spans shared with its neighbours in the image. */
export interface SmallFile {
  readonly job: FileJob;
  readonly extents: readonly DataExtent[];
}

interface Piece {
  readonly job: FileJob;
  readonly position: number;
  readonly length: number;
  readonly fileOffset: number;
}

/** One read of the image: neighbouring pieces of one or more files. */
export interface Span {
  readonly position: number;
  length: number;
  readonly pieces: Piece[];
}

/** Sorts file pieces by image position and packs neighbours into spans of at most `bufferSize`. */
export function planSpans(files: readonly SmallFile[], bufferSize: number): Span[] {
  const pieces: Piece[] = [];
  for (const { job, extents } of files) {
    let fileOffset = 0;
    for (const extent of extents) {
      for (let o = 0; o < extent.length; o += bufferSize) {
        pieces.push({ job, position: extent.position + o, length: Math.min(bufferSize, extent.length - o), fileOffset: fileOffset + o });
      }
      fileOffset += extent.length;
    }
  }
  pieces.sort((a, b) => a.position - b.position);
  const spans: Span[] = [];
  let span: Span | undefined;
  for (const piece of pieces) {
    const end = piece.position + piece.length;
    const fits =
      span !== undefined &&
      piece.position >= span.position &&
      piece.position <= span.position + span.length + MAX_GAP &&
      Math.max(end, span.position + span.length) - span.position <= bufferSize;
    if (span && fits) {
      span.length = Math.max(span.length, end - span.position);
      span.pieces.push(piece);
    } else {
      span = { position: piece.position, length: piece.length, pieces: [piece] };
      spans.push(span);
    }
  }
  return spans;
}

export function maxSpan(spans: readonly Span[]): number {
  let m = 1;
  for (const s of spans) if (s.length > m) m = s.length;
  return m;
}

/**
 * Reads one span into `buffer` with `read` (positional; returns the bytes read) and
 * writes its pieces, creating each file at its first piece and finishing it at its last.
 * Returns the bytes written and the files finished.
 */
export function writeSpan(span: Span, buffer: Buffer, read: (buffer: Buffer, length: number, position: number) => number): { bytes: number; files: number } {
  const n = read(buffer, span.length, span.position);
  if (n !== span.length) throw new PxeError('ISO_TRUNCATED', `short read at byte ${span.position}: the image changed or is truncated`);
  let files = 0;
  for (const piece of span.pieces) {
    const job = piece.job;
    if (job.fd === undefined) job.fd = openOrFail(job.spec.target, job.spec.mode);
    writeSparse(job, buffer, piece.position - span.position, piece.length, piece.fileOffset);
    job.remaining -= piece.length;
    if (job.remaining === 0) {
      finishFile(job);
      files++;
    }
  }
  let bytes = 0;
  for (const piece of span.pieces) bytes += piece.length;
  return { bytes, files };
}

/** What the kernel copies per sendfile call: large enough to amortise the call, small enough for steady progress. */
const KERNEL_CHUNK = 8 * 1024 * 1024;

/**
 * Copies a whole file, extent by extent, with positional reads from the image's
 * descriptor. With the sendfile addon, a chunk is copied inside the kernel unless its
 * first 64 KiB are zeros: then it is read and written sparse, so padding and zero-filled
 * files still become holes. `progress` gets the bytes of each piece as it is written.
 */
export function copyFile(imageFd: number, buffer: Buffer, spec: FileSpec, extents: readonly DataExtent[], progress: (bytes: number) => void): void {
  const job = newJob(spec);
  job.fd = openOrFail(spec.target, spec.mode);
  let inKernel = kernelCopy !== undefined;
  const readFully = (want: number, position: number) => {
    const n = readSync(imageFd, buffer, 0, want, position);
    if (n !== want) throw new PxeError('ISO_TRUNCATED', `short read at byte ${position}: the image changed or is truncated`);
  };
  try {
    let fileOffset = 0;
    for (const extent of extents) {
      for (let o = 0; o < extent.length; ) {
        if (inKernel) {
          const want = Math.min(KERNEL_CHUNK, extent.length - o);
          const probe = Math.min(HOLE_BLOCK, want, buffer.length);
          readFully(probe, extent.position + o);
          if (probe < HOLE_BLOCK || buffer.compare(ZEROS, 0, HOLE_BLOCK, 0, HOLE_BLOCK) !== 0) {
            const n = sendChunk(job, want, fileOffset + o, imageFd, extent.position + o);
            if (n === undefined) {
              inKernel = false; // this file system refuses sendfile: read and write from here on
              continue;
            }
            o += n;
            progress(n);
            continue;
          }
        }
        const want = Math.min(buffer.length, extent.length - o);
        readFully(want, extent.position + o);
        writeSparse(job, buffer, 0, want, fileOffset + o);
        o += want;
        progress(want);
      }
      fileOffset += extent.length;
    }
  } catch (e) {
    if (job.fd !== undefined) closeSync(job.fd);
    throw e;
  }
  finishFile(job);
}

/** One sendfile chunk; undefined when the kernel cannot do it for these descriptors. */
function sendChunk(job: FileJob, length: number, position: number, imageFd: number, imagePosition: number): number | undefined {
  let n: number;
  try {
    n = kernelCopy!.copyRange(job.fd!, position, imageFd, imagePosition, length);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOSYS') return undefined;
    throw ioError(job.spec.target, 'cannot write', e);
  }
  if (n !== length) throw new PxeError('ISO_TRUNCATED', `short read at byte ${imagePosition + n}: the image changed or is truncated`);
  return n;
}
