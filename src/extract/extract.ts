import { chmodSync, closeSync, linkSync, lutimesSync, symlinkSync, utimesSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PxeError, type WarningHandler } from '../errors.js';
import type { IsoDirectory, IsoEntry, IsoFile, IsoSymlink } from '../iso9660/entry.js';
import { walkEntries } from '../iso9660/entry.js';
import type { ImageTree } from '../iso9660/image.js';
import { printable, showPath } from '../iso9660/names.js';
import { readFileChunks } from '../iso9660/read-file.js';
import type { CopyWorkerData, CopyWorkerMessage, WorkerFile } from './copy-worker.js';
import { finishFile, ioError, maxSpan, mkdirOrFail, newJob, openOrFail, planSpans, processUmask, writeSpan, writeSparse, type FileJob, type FileSpec } from './file-writer.js';

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
  /**
   * Worker threads that write small files beside the main thread, each thread a share
   * of whole directories (default SMALL_FILE_WORKERS). 0: the main thread writes them
   * all in image order, as it does for images without a file descriptor and images
   * with few small files.
   */
  readonly smallFileWorkers?: number;
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
/** Files at least this large are copied by the worker thread, in parallel with the small ones. */
export const LARGE_FILE = 16 * 1024 * 1024;
/**
 * Creating a file costs 0.1-0.9 ms of kernel time here (ext4 inode allocation, under
 * the parent directory's lock), against microseconds for its data: small-file
 * extraction is bound by creates. Threads creating files in different directories
 * take different locks and run on different cores.
 */
export const SMALL_FILE_WORKERS = 1;
/** Below this many small files per thread, starting a worker (~30 ms, ~30 MB) costs more than it saves. */
const MIN_FILES_PER_WORKER = 256;
/** A worker's share is balanced on files + bytes / this: one create weighs about as much as copying this many bytes. */
const BYTES_PER_CREATE = 256 * 1024;
/** A worker's young generation: on bench/'s shape c, peak RSS 143 MB with 4 MB against 150 MB with 16 MB. */
const WORKER_YOUNG_MB = 4;
/** Yield to the event loop this often, so progress is drawn, the worker heard, and Ctrl-C honoured. */
const YIELD_EVERY_MS = 25;
/** Never set these on extracted files: a PXE tree must not carry privileges. */
const PRIVILEGE_BITS = 0o6000;
const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_DIRECTORY_MODE = 0o755;

function specOf(file: IsoFile, target: string, umask: number): FileSpec {
  const mode = (file.mode ?? DEFAULT_FILE_MODE) & ~PRIVILEGE_BITS;
  return {
    target,
    size: file.size,
    mode,
    chmod: (mode & umask) !== 0,
    atimeMs: file.atime?.getTime(),
    mtimeMs: file.mtime?.getTime(),
  };
}

/**
 * Writes the image's tree into `target`, an existing empty directory. Safe by
 * construction: names were checked as strings when the tree was read; directories
 * and files are created before any symlink exists, with O_EXCL|O_NOFOLLOW; symlinks
 * come last and nothing is written after them; times are set with lutimes.
 * File data is read in image order through a reused, cache-sized buffer, neighbouring
 * small files sharing one read; large files are copied by a worker thread meanwhile,
 * and the small files are shared, whole directories each, between the main thread and
 * SMALL_FILE_WORKERS other workers.
 */
export async function extractTree(image: ImageTree, target: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  try {
    return await writeTree(image, target, options);
  } catch (e) {
    throw namingImage(e, image.source.name);
  }
}

/**
 * A failure while writing the tree says which image was being extracted, like every
 * refusal of the reader does (file-system errors name the file written).
 */
function namingImage(e: unknown, imageName: string): unknown {
  if (!(e instanceof PxeError) || e.code === 'INTERRUPTED' || e.code === 'INTERNAL' || e.message.startsWith(`${imageName}: `)) return e;
  return new PxeError(e.code, `${imageName}: ${e.message}`, { file: e.file ?? imageName, cause: e });
}

async function writeTree(image: ImageTree, target: string, options: ExtractOptions): Promise<ExtractResult> {
  const warn = options.onWarning ?? (() => {});
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const inside = (entry: IsoEntry): string => {
    const p = join(target, entry.path);
    // Second line of defence: names were validated, so this can only fail on a bug.
    if (!p.startsWith(target + sep)) throw new PxeError('ENTRY_UNSAFE', `${showPath(entry.path)}: resolves outside ${printable(target)}`);
    return p;
  };

  const directories: IsoDirectory[] = [];
  const small: { file: IsoFile; job: FileJob }[] = [];
  const large: WorkerFile[] = [];
  const other: { file: IsoFile; job: FileJob }[] = [];
  const links: { target: string; first: string }[] = [];
  const symlinks: IsoSymlink[] = [];
  const skipped: SkippedEntry[] = [];
  const imageFd = image.source.fd;
  const umask = processUmask();
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
            links.push({ target: path, first: join(target, leader.path) });
            break;
          }
        }
        const spec = specOf(entry, path, umask);
        bytesTotal += entry.size;
        if (entry.zisofs || entry.size === 0) other.push({ file: entry, job: newJob(spec) });
        else if (entry.size >= LARGE_FILE && imageFd !== undefined) large.push({ spec, extents: [...entry.extents] });
        else small.push({ file: entry, job: newJob(spec) });
        break;
      }
      case 'symlink':
        symlinks.push(entry);
        break;
      default: {
        const reason = `${entry.kind.replace('-', ' ')} not created (device nodes, FIFOs and sockets are never extracted)`;
        skipped.push({ path: `/${entry.path}`, reason });
        warn({ code: 'ENTRY_SKIPPED', message: `${showPath(entry.path)}: ${reason}`, path: `/${entry.path}` });
      }
    }
  }

  const filesTotal = small.length + large.length + other.length;
  let bytesDone = 0;
  let filesDone = 0;
  const report = () => options.onProgress?.({ bytesDone, bytesTotal, filesDone, filesTotal });
  const progress = (bytes: number, files: number) => {
    bytesDone += bytes;
    filesDone += files;
  };
  const workerCount = imageFd === undefined ? 0 : Math.min(options.smallFileWorkers ?? workersFromEnvironment() ?? SMALL_FILE_WORKERS, Math.floor(small.length / MIN_FILES_PER_WORKER) - 1);
  // The main thread writes the first share itself: one isolate fewer (~30 MB of RSS).
  const [mine, ...shares] = workerCount > 0 ? shareByDirectory(small, workerCount + 1) : [small];
  const workers: CopyWorker[] = [];
  if (large.length > 0) workers.push(startCopyWorker({ imageFd: imageFd!, bufferSize, large, small: [] }, progress));
  for (const share of shares) {
    const files = share.map(({ file, job }) => ({ spec: job.spec, extents: file.extents }));
    workers.push(startCopyWorker({ imageFd: imageFd!, bufferSize, large: [], small: files }, progress));
  }
  const finish = (job: FileJob) => {
    finishFile(job);
    filesDone++;
  };

  const spans = planSpans((mine ?? []).map(({ file, job }) => ({ job, extents: file.extents })), bufferSize);
  const buffer = Buffer.allocUnsafe(Math.min(bufferSize, maxSpan(spans)));
  const read = (b: Buffer, length: number, position: number) => image.source.readSync(b, 0, length, position);
  try {
    let lastYield = performance.now();
    const breathe = async () => {
      if (performance.now() - lastYield < YIELD_EVERY_MS) return;
      report();
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw abortError();
      lastYield = performance.now();
    };
    for (const span of spans) {
      const done = writeSpan(span, buffer, read);
      progress(done.bytes, done.files);
      await breathe();
    }
    for (const { file, job } of other) {
      if (options.signal?.aborted) throw abortError();
      job.fd = openOrFail(job.spec.target, job.spec.mode);
      let offset = 0;
      for await (const chunk of readFileChunks(image.source, file)) {
        writeSparse(job, chunk, 0, chunk.length, offset);
        offset += chunk.length;
      }
      bytesDone += file.size;
      finish(job);
    }
    if (workers.length > 0) {
      // Wait for the workers, still drawing progress and listening for Ctrl-C; a stop
      // requested before this point fires no 'abort' event any more, hence the first check.
      if (options.signal?.aborted) throw abortError();
      const abort = new Promise<never>((_, reject) => options.signal?.addEventListener('abort', () => reject(abortError()), { once: true }));
      const ticker = setInterval(report, 200);
      try {
        await Promise.race([Promise.all(workers.map((w) => w.done)), abort]);
      } finally {
        clearInterval(ticker);
      }
    }
  } finally {
    for (const { job } of [...small, ...other]) if (job.fd !== undefined) closeSync(job.fd);
    await Promise.all(workers.map((w) => w.stop()));
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

interface CopyWorker {
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

function startCopyWorker(data: Omit<CopyWorkerData, 'stop'>, progress: (bytes: number, files: number) => void): CopyWorker {
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(new URL('./copy-worker.js', import.meta.url), {
    workerData: { ...data, stop } satisfies CopyWorkerData,
    // A worker allocates little besides its share's list: a small young generation keeps its RSS down.
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
  let finished = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: CopyWorkerMessage) => {
      if (m.type === 'progress') progress(m.bytes, m.files);
      else if (m.type === 'done') {
        finished = true;
        resolve();
      } else if (m.type === 'stopped') {
        finished = true;
        reject(abortError());
      } else {
        finished = true;
        reject(new PxeError(m.code === 'ISO_TRUNCATED' ? 'ISO_TRUNCATED' : 'IO', m.message));
      }
    });
    worker.on('error', (e) => reject(new PxeError('INTERNAL', `copy worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      if (!finished) reject(new PxeError('INTERNAL', `copy worker exited with code ${code}`));
    });
  });
  done.catch(() => {}); // observed by the caller; never an unhandled rejection
  return {
    done,
    // Asked, not terminated: a worker stops between two chunks and closes what it opened.
    async stop() {
      if (finished) return;
      Atomics.store(new Int32Array(stop), 0, 1);
      const timeout = setTimeout(() => void worker.terminate(), 10_000);
      await exited;
      clearTimeout(timeout);
    },
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

/** PXE_IMPORT_SMALL_FILE_WORKERS=N overrides the default, for benchmarks (like PXE_IMPORT_NO_SENDFILE). */
function workersFromEnvironment(): number | undefined {
  const n = Number(process.env.PXE_IMPORT_SMALL_FILE_WORKERS ?? NaN);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Splits the small files into `count` shares of whole directories, balanced on
 * creates and bytes. Directories go in the order of their first file in the image and
 * each share is a run of consecutive ones, so every worker still reads its part of the
 * image front to back.
 */
function shareByDirectory<T extends { file: IsoFile }>(files: readonly T[], count: number): T[][] {
  const byDir = new Map<string, { first: number; cost: number; files: T[] }>();
  let total = 0;
  for (const item of files) {
    const file = item.file;
    const key = dirname(file.path);
    const first = file.extents[0]?.position ?? 0;
    const cost = 1 + file.size / BYTES_PER_CREATE;
    total += cost;
    const group = byDir.get(key);
    if (group) {
      group.first = Math.min(group.first, first);
      group.cost += cost;
      group.files.push(item);
    } else byDir.set(key, { first, cost, files: [item] });
  }
  const groups = [...byDir.values()].sort((a, b) => a.first - b.first);
  const shares: T[][] = Array.from({ length: count }, () => []);
  let done = 0;
  for (const group of groups) {
    // The share whose slice of the total cost this group's middle falls in.
    const index = Math.min(count - 1, Math.floor(((done + group.cost / 2) / total) * count));
    shares[index]!.push(...group.files);
    done += group.cost;
  }
  return shares.filter((share) => share.length > 0);
}

/** extractImageTo removes the staging tree as this error passes; the message says so. */
function abortError(): PxeError {
  return new PxeError('INTERRUPTED', 'extraction stopped and its partial tree was removed');
}
