/**
 * Copies the image's large files in a worker thread while the main thread creates
 * the small ones: file creation is kernel work that otherwise leaves the second
 * core idle. Threads share the process's descriptors, so the worker reads the
 * image through the main thread's fd with positional reads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { copyFile, type DataExtent, type FileSpec } from './file-writer.js';

export interface CopyWorkerData {
  readonly imageFd: number;
  readonly bufferSize: number;
  readonly files: readonly { readonly spec: FileSpec; readonly extents: readonly DataExtent[] }[];
}

export type CopyWorkerMessage =
  | { readonly type: 'progress'; readonly bytes: number }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

const REPORT_EVERY_MS = 50;

if (parentPort) {
  const port = parentPort;
  const { imageFd, bufferSize, files } = workerData as CopyWorkerData;
  const buffer = Buffer.allocUnsafe(bufferSize);
  let pending = 0;
  let last = performance.now();
  const flush = () => {
    if (pending > 0) port.postMessage({ type: 'progress', bytes: pending } satisfies CopyWorkerMessage);
    pending = 0;
    last = performance.now();
  };
  try {
    for (const f of files) {
      copyFile(imageFd, buffer, f.spec, f.extents, (bytes) => {
        pending += bytes;
        if (performance.now() - last >= REPORT_EVERY_MS) flush();
      });
    }
    flush();
    port.postMessage({ type: 'done' } satisfies CopyWorkerMessage);
  } catch (e) {
    const err = e as Error & { code?: string };
    port.postMessage({ type: 'error', code: err.code ?? 'IO', message: err.message } satisfies CopyWorkerMessage);
  }
}
