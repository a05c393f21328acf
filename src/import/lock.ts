import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeSystemError, PxeError } from '../errors.js';
import { processAlive } from '../pid.js';

/**
 * One run at a time per PXE root. The lock file holds the owner's pid; a lock whose
 * owner is gone (killed, crashed) is taken over, so a kill -9 never blocks cron forever.
 *
 * The file appears whole or not at all: it is written under a temporary name and
 * link()ed into place (link fails if the name exists). A lock created empty and
 * filled afterwards would look ownerless, hence stale, to a waiter that reads it in
 * between, and two runs would both go ahead.
 */
export interface Lock {
  release(): Promise<void>;
}

/** `signal` (SIGINT, SIGTERM, SIGHUP: src/cli/signals.ts) stops a --wait at once. */
export async function acquireLock(path: string, waitSeconds: number, signal?: AbortSignal): Promise<Lock> {
  const deadline = Date.now() + waitSeconds * 1000;
  const mine = `${process.pid}\n`;
  for (;;) {
    if (await publish(path, mine)) return { release: () => rm(path, { force: true }) };
    const held = await readFile(path, 'utf8').catch(() => undefined);
    if (held === undefined) continue; // released meanwhile: try again
    const owner = Number.parseInt(held, 10);
    if (!processAlive(owner)) {
      await breakStale(path, held);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new PxeError('LOCKED', `${path}: another pxe-import run (pid ${owner}) is working on this PXE root; retry later or pass --wait SECONDS`, { file: path });
    }
    if (signal?.aborted) throw new PxeError('INTERRUPTED', `stopped waiting for ${path} (pid ${owner}); nothing was changed`, { file: path });
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates the lock file with its full content in one step; false if it exists. */
async function publish(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PxeError('IO', `${path}: cannot create lock: ${describeSystemError(e)}`, { file: path });
    // A failed first run on a new root removed the directory while we waited: recreate it.
    await mkdir(dirname(path), { recursive: true });
    return publish(path, content);
  }
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PxeError('IO', `${path}: cannot create lock: ${describeSystemError(e)}`, { file: path });
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Removes a lock whose owner is dead. It is moved aside first, and if what was moved
 * is not the dead owner's lock (another waiter replaced it meanwhile), it is put back.
 */
async function breakStale(path: string, stale: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => stale);
  if (moved !== stale) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}
