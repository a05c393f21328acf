/**
 * The boot log file of `pxe-import serve` (Layout.bootLog): one JSON line per boot, appended in
 * order, rotated to boots.jsonl.1 when it would pass MAX_BOOT_LOG_BYTES, so at most twice that is
 * on disk. Read back by serve when it starts (so /api/boots survives a restart) and by
 * `pxe-import boots`.
 */
import { appendFile, readFile, rename, stat } from 'node:fs/promises';
import { parseBootLog, type BootEvent } from './boots.js';
import type { Layout } from './layout.js';

/** The boot log file is rotated (to boots.jsonl.1) once it reaches this size. */
export const MAX_BOOT_LOG_BYTES = 4 * 1024 * 1024;

/** The boot log's events, the rotated file's first (oldest). */
export async function readBootLogs(layout: Layout): Promise<BootEvent[]> {
  const out: BootEvent[] = [];
  for (const file of [`${layout.bootLog}.1`, layout.bootLog]) {
    // Absent (nothing booted yet, or never rotated) or unreadable: no boots from it.
    const body = await readFile(file, 'utf8').catch(() => undefined);
    if (body !== undefined) out.push(...parseBootLog(body));
  }
  return out;
}

export interface BootLogWriter {
  /** Queues one event; the writes happen in order. */
  write(event: BootEvent): void;
  /** Resolves once every queued event is written (or given up). */
  flushed(): Promise<void>;
}

/**
 * Appends each boot to the log file, one JSON line, in order; rotates it when it would pass
 * `maxBytes`. A log that cannot be written (a read-only root) is said once and the server goes on.
 */
export function bootLogWriter(layout: Layout, log: (line: string) => void, maxBytes = MAX_BOOT_LOG_BYTES): BootLogWriter {
  let queue = Promise.resolve();
  let size: number | undefined;
  let failed = false;
  return {
    write(event) {
      const line = `${JSON.stringify(event)}\n`;
      queue = queue.then(async () => {
        try {
          size ??= (await stat(layout.bootLog).catch(() => undefined))?.size ?? 0;
          if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
            await rename(layout.bootLog, `${layout.bootLog}.1`);
            size = 0;
          }
          await appendFile(layout.bootLog, line, { mode: 0o644 });
          size += Buffer.byteLength(line);
        } catch (e) {
          if (!failed) log(`${layout.bootLog}: boots are not logged to disk (${(e as Error).message}); /api/boots still has them`);
          failed = true;
        }
      });
    },
    flushed: () => queue,
  };
}
