import { closeSync, constants, fchmodSync, ftruncateSync, futimesSync, linkSync, lutimesSync, mkdirSync, openSync, symlinkSync, writeSync, chmodSync, utimesSync } from 'node:fs';
import { join, sep } from 'node:path';
import { PxeError, type WarningHandler } from '../errors.js';
import type { IsoDirectory, IsoEntry, IsoFile, IsoSymlink } from '../iso9660/entry.js';
import { walkEntries } from '../iso9660/entry.js';
import type { IsoImage } from '../iso9660/image.js';
import { readFileChunks } from '../iso9660/read-file.js';

export interface ExtractProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

export interface ExtractOptions {
  readonly onProgress?: (progress: ExtractProgress) => void;
  readonly onWarning?: WarningHandler;
  readonly signal?: AbortSignal;
  /** Size of the copy buffer (default 128 KiB; see DEFAULT_BUFFER_SIZE). */
  readonly bufferSize?: number;
  /** Set the image root's mode and mtime on `target` at the end (default true). */
  readonly applyRootAttributes?: boolean;
}

export interface SkippedEntry {
  readonly path: string;
  readonly reason: string;
}

export interface ExtractResult {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly hardLinks: number;
  readonly bytes: number;
  readonly skipped: readonly SkippedEntry[];
}

/**
 * Measured on this project's machines (ext4, 2.5 GB file, warm cache): a 128 KiB
 * buffer copies at 1.3-2.1 GB/s, 1 MiB at 0.45-0.6 GB/s and 8 MiB at 0.4-0.58 GB/s.
 * A buffer that stays in the CPU's L2 cache between the read and the write avoids a
 * round trip through RAM; sequential reads still overlap our writes through kernel readahead.
 */
export const DEFAULT_BUFFER_SIZE = 128 * 1024;
/** Unused bytes between two files that are still worth reading in the same span rather than seeking. */
const MAX_GAP = 32 * 1024;
/** Yield to the event loop this often, so progress is drawn and Ctrl-C is honoured. */
const YIELD_EVERY_MS = 25;
/** Never set these on extracted files: a PXE tree must not carry privileges. */
const PRIVILEGE_BITS = 0o6000;
const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_DIRECTORY_MODE = 0o755;
/** O_EXCL: the staging tree is new, so an existing name means a bug or an attack. O_NOFOLLOW: never through a symlink. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

interface FileJob {
  readonly file: IsoFile;
  readonly target: string;
  fd: number | undefined;
  remaining: number;
  /** Some zero run was left as a hole, so the size must be set explicitly. */
  holes: boolean;
}

interface Piece {
  readonly job: FileJob;
  readonly position: number;
  readonly length: number;
  readonly fileOffset: number;
}

interface Span {
  readonly position: number;
  length: number;
  readonly pieces: Piece[];
}

/**
 * Writes the image's tree into `target`, an existing empty directory. Safe by
 * construction: names were checked as strings when the tree was read; directories
 * and files are created before any symlink exists, with O_EXCL|O_NOFOLLOW; symlinks
 * come last and nothing is written after them; times are set with lutimes.
 * File data is read in image order through one reused, cache-sized buffer; neighbouring
 * small files share one read.
 */
export async function extractTree(image: IsoImage, target: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const warn = options.onWarning ?? (() => {});
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const inside = (entry: IsoEntry): string => {
    const p = join(target, entry.path);
    // Second line of defence: names were validated, so this can only fail on a bug.
    if (!p.startsWith(target + sep)) throw new PxeError('ENTRY_UNSAFE', `/${entry.path}: resolves outside ${target}`);
    return p;
  };

  const directories: IsoDirectory[] = [];
  const dataFiles: FileJob[] = [];
  const otherFiles: FileJob[] = [];
  const links: { file: IsoFile; target: string; first: string }[] = [];
  const symlinks: IsoSymlink[] = [];
  const skipped: SkippedEntry[] = [];
  const groupLeader = new Map<number, string>();
  let bytesTotal = 0;

  for (const entry of walkEntries(image.root)) {
    if (entry === image.root) continue;
    switch (entry.kind) {
      case 'directory':
        directories.push(entry);
        mkdirOrFail(inside(entry));
        break;
      case 'file': {
        const path = inside(entry);
        if (entry.hardLinkGroup !== undefined) {
          const leader = image.hardLinks.get(entry.hardLinkGroup)![0]!;
          if (leader !== entry) {
            links.push({ file: entry, target: path, first: join(target, leader.path) });
            break;
          }
          groupLeader.set(entry.hardLinkGroup, path);
        }
        const job: FileJob = { file: entry, target: path, fd: undefined, remaining: entry.size, holes: false };
        bytesTotal += entry.size;
        if (entry.zisofs || entry.size === 0) otherFiles.push(job);
        else dataFiles.push(job);
        break;
      }
      case 'symlink':
        symlinks.push(entry);
        break;
      default: {
        const reason = `${entry.kind.replace('-', ' ')} not created (device nodes, FIFOs and sockets are never extracted)`;
        skipped.push({ path: `/${entry.path}`, reason });
        warn({ code: 'ENTRY_SKIPPED', message: `/${entry.path}: ${reason}`, path: `/${entry.path}` });
      }
    }
  }

  const filesTotal = dataFiles.length + otherFiles.length;
  let bytesDone = 0;
  let filesDone = 0;
  const report = () => options.onProgress?.({ bytesDone, bytesTotal, filesDone, filesTotal });
  const finish = (job: FileJob) => {
    finishFile(job);
    filesDone++;
  };

  const spans = planSpans(dataFiles, bufferSize);
  const buffer = Buffer.allocUnsafe(Math.min(bufferSize, maxSpan(spans)));
  try {
    let lastYield = performance.now();
    for (const span of spans) {
      const n = image.source.readSync(buffer, 0, span.length, span.position);
      if (n !== span.length) {
        throw new PxeError('ISO_TRUNCATED', `${image.source.name}: short read at byte ${span.position}: the image changed or is truncated`, {
          file: image.source.name,
        });
      }
      for (const piece of span.pieces) {
        const job = piece.job;
        if (job.fd === undefined) job.fd = openOrFail(job.target, fileMode(job.file));
        writeSparse(job, buffer, piece.position - span.position, piece.length, piece.fileOffset);
        job.remaining -= piece.length;
        bytesDone += piece.length;
        if (job.remaining === 0) finish(job);
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        report();
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw abortError();
        lastYield = performance.now();
      }
    }
    for (const job of otherFiles) {
      if (options.signal?.aborted) throw abortError();
      job.fd = openOrFail(job.target, fileMode(job.file));
      let offset = 0;
      for await (const chunk of readFileChunks(image.source, job.file)) {
        writeAll(job, chunk, 0, chunk.length, offset);
        offset += chunk.length;
      }
      bytesDone += job.file.size;
      finish(job);
    }
  } finally {
    for (const job of dataFiles) if (job.fd !== undefined) closeSync(job.fd);
    for (const job of otherFiles) if (job.fd !== undefined) closeSync(job.fd);
  }
  report();

  for (const link of links) {
    try {
      linkSync(link.first, link.target);
    } catch (e) {
      throw ioError(link.target, 'cannot create hard link', e);
    }
  }
  // Symlinks last: from here on nothing is created inside the tree, so nothing can be written through them.
  for (const s of symlinks) {
    const path = inside(s);
    try {
      symlinkSync(s.target, path);
      if (s.mtime) lutimesSync(path, s.atime ?? s.mtime, s.mtime);
    } catch (e) {
      throw ioError(path, 'cannot create symbolic link', e);
    }
  }
  // Directories deepest first, so setting a parent's mtime is not undone by work in a child.
  for (let i = directories.length - 1; i >= 0; i--) setDirectoryAttributes(directories[i]!, inside(directories[i]!));
  if (options.applyRootAttributes !== false) setDirectoryAttributes(image.root, target);

  return {
    files: filesTotal,
    directories: directories.length,
    symlinks: symlinks.length,
    hardLinks: links.length,
    bytes: bytesDone,
    skipped,
  };
}

export function setDirectoryAttributes(dir: IsoDirectory, path: string): void {
  try {
    chmodSync(path, (dir.mode ?? DEFAULT_DIRECTORY_MODE) & ~PRIVILEGE_BITS);
    if (dir.mtime) utimesSync(path, dir.atime ?? dir.mtime, dir.mtime);
  } catch (e) {
    throw ioError(path, 'cannot set directory attributes', e);
  }
}

/** Sorts file pieces by image position and packs neighbours into spans of at most `bufferSize`. */
function planSpans(jobs: FileJob[], bufferSize: number): Span[] {
  const pieces: Piece[] = [];
  for (const job of jobs) {
    let fileOffset = 0;
    for (const extent of job.file.extents) {
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

function maxSpan(spans: Span[]): number {
  let m = 1;
  for (const s of spans) if (s.length > m) m = s.length;
  return m;
}

function mkdirOrFail(path: string): void {
  try {
    // 0700 while extracting: the final mode (perhaps read-only) is set once the directory is complete.
    mkdirSync(path, 0o700);
  } catch (e) {
    throw ioError(path, 'cannot create directory', e);
  }
}

function openOrFail(path: string, mode = 0o600): number {
  try {
    return openSync(path, CREATE_FLAGS, mode);
  } catch (e) {
    throw ioError(path, 'cannot create file', e);
  }
}

/**
 * The process umask, read once (process.umask() without an argument is deprecated).
 * Files are created with their final mode, and fchmod is needed only for bits the
 * umask removes: one system call less per file.
 */
const UMASK = (() => {
  const old = process.umask(0o022);
  process.umask(old);
  return old;
})();

function fileMode(file: IsoFile): number {
  return (file.mode ?? DEFAULT_FILE_MODE) & ~PRIVILEGE_BITS;
}

const HOLE_BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

/**
 * Writes a piece, leaving whole 64 KiB runs of zeros as holes (libarchive and
 * `cp --sparse=auto` do the same): images pad large files with zeros, and a
 * sparse copy saves both the disk space and the write.
 */
function writeSparse(job: FileJob, buffer: Buffer, offset: number, length: number, position: number): void {
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

function writeAll(job: FileJob, buffer: Buffer, offset: number, length: number, position: number): void {
  try {
    let done = 0;
    while (done < length) done += writeSync(job.fd!, buffer, offset + done, length - done, position + done);
  } catch (e) {
    throw ioError(job.target, 'cannot write', e);
  }
}

function finishFile(job: FileJob): void {
  const mode = fileMode(job.file);
  const fd = job.fd ?? openOrFail(job.target, mode);
  job.fd = undefined;
  try {
    if (job.holes) ftruncateSync(fd, job.file.size);
    if ((mode & UMASK) !== 0) fchmodSync(fd, mode);
    if (job.file.mtime) futimesSync(fd, job.file.atime ?? job.file.mtime, job.file.mtime);
  } catch (e) {
    throw ioError(job.target, 'cannot set file attributes', e);
  } finally {
    closeSync(fd);
  }
}

function ioError(path: string, what: string, e: unknown): PxeError {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof PxeError) return err;
  return new PxeError('IO', `${path}: ${what}: ${err.code ?? err.message}`, { file: path, cause: e });
}

function abortError(): PxeError {
  return new PxeError('INTERRUPTED', 'extraction interrupted; the partial tree was removed');
}
