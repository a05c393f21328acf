import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PxeError } from '../errors.js';

/**
 * One run at a time per PXE root. The lock file holds the owner's pid; a lock whose
 * owner is gone (killed, crashed) is taken over, so a kill -9 never blocks cron forever.
 */
export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(path: string, waitSeconds: number): Promise<Lock> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && Date.now() < deadline) {
        // A failed first run on a new root removed the directory while we waited: recreate it.
        await mkdir(dirname(path), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw new PxeError('IO', `${path}: cannot create lock: ${code}`, { file: path });
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || !alive(owner)) {
      // Stale: its owner died. Remove it and try again (another waiter may win the race; that is fine).
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new PxeError('LOCKED', `${path}: another pxe-import run (pid ${owner}) is working on this PXE root; retry later or pass --wait SECONDS`, { file: path });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
