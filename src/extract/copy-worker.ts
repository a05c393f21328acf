/**
 * Writes part of the tree in a worker thread while the main thread keeps drawing
 * progress: either the image's large files (copied whole, in the kernel where it
 * can), or a share of the small ones (whole directories, read in image order).
 * File creation is kernel work that takes the parent directory's lock, so small
 * files in different directories are created on several cores at once. Threads
 * share the process's descriptors, so a worker reads the image through the main
 * thread's fd with positional reads, and every descriptor it opens it closes,
 * even on failure (terminating a worker would not).
 */
import { closeSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { copyFile, maxSpan, newJob, planSpans, writeSpan, type DataExtent, type FileJob, type FileSpec } from './file-writer.js';

export interface CopyWorkerData {
  readonly imageFd: number;
  readonly bufferSize: number;
  /** Copied one after the other, whole. */
  readonly large: readonly WorkerFile[];
  /** Written span by span, in image order. */
  readonly small: readonly WorkerFile[];
  /** An Int32Array's buffer: the main thread sets element 0 to ask the worker to stop. */
  readonly stop: SharedArrayBuffer;
}

export interface WorkerFile {
  readonly spec: FileSpec;
  readonly extents: readonly DataExtent[];
}

export type CopyWorkerMessage =
  | { readonly type: 'progress'; readonly bytes: number; readonly files: number }
  | { readonly type: 'done' }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

const REPORT_EVERY_MS = 50;

if (parentPort) {
  const port = parentPort;
  const { imageFd, bufferSize, large, small, stop } = workerData as CopyWorkerData;
  const stopFlag = new Int32Array(stop);
  const STOPPED = new Error('stopped');
  let bytes = 0;
  let files = 0;
  let last = performance.now();
  const flush = () => {
    if (bytes > 0 || files > 0) port.postMessage({ type: 'progress', bytes, files } satisfies CopyWorkerMessage);
    bytes = files = 0;
    last = performance.now();
  };
  // Called after every chunk and span, so a stop is seen within one of them.
  const progress = (b: number, f: number) => {
    if (Atomics.load(stopFlag, 0) !== 0) throw STOPPED;
    bytes += b;
    files += f;
    if (performance.now() - last >= REPORT_EVERY_MS) flush();
  };
  const jobs: FileJob[] = small.map((f) => newJob(f.spec));
  try {
    if (large.length > 0) {
      const buffer = Buffer.allocUnsafe(bufferSize);
      for (const f of large) {
        copyFile(imageFd, buffer, f.spec, f.extents, (b) => progress(b, 0));
        progress(0, 1);
      }
    }
    if (small.length > 0) {
      const spans = planSpans(
        small.map((f, i) => ({ job: jobs[i]!, extents: f.extents })),
        bufferSize,
      );
      const buffer = Buffer.allocUnsafe(Math.min(bufferSize, maxSpan(spans)));
      const read = (b: Buffer, length: number, position: number) => readSync(imageFd, b, 0, length, position);
      for (const span of spans) {
        const done = writeSpan(span, buffer, read);
        progress(done.bytes, done.files);
      }
    }
    flush();
    port.postMessage({ type: 'done' } satisfies CopyWorkerMessage);
  } catch (e) {
    for (const job of jobs) if (job.fd !== undefined) closeSync(job.fd);
    if (e === STOPPED) port.postMessage({ type: 'stopped' } satisfies CopyWorkerMessage);
    else {
      const err = e as Error & { code?: string };
      port.postMessage({ type: 'error', code: err.code ?? 'IO', message: err.message } satisfies CopyWorkerMessage);
    }
  }
}
