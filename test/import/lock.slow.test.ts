/** The PXE root lock under real contention between processes. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acquireLock } from '../../src/import/lock.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

let work: string;
before(async () => {
  work = await tempDir('pxe-import-lock-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A process that takes the lock `rounds` times and proves it is alone inside each time. */
const WORKER = `
const { acquireLock } = await import(${JSON.stringify(join(REPO_ROOT, 'dist/src/import/lock.js'))});
const { open, rm, appendFile } = await import('node:fs/promises');
const [dir, rounds] = [process.argv[1], Number(process.argv[2])];
for (let i = 0; i < rounds; i++) {
  const lock = await acquireLock(dir + '/lock', 60);
  const inside = await open(dir + '/inside', 'wx'); // fails if another holder is inside
  await appendFile(dir + '/log', process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 20));
  await inside.close();
  await rm(dir + '/inside');
  await lock.release();
}
`;

test('eight processes taking the lock five times each are never inside together', async () => {
  const runs = Array.from({ length: 8 }, () =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', WORKER, work, '5'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    }),
  );
  for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.stderr);
  assert.equal((await readFile(join(work, 'log'), 'utf8')).trim().split('\n').length, 40);
});

test("a lock left by a process that died is taken over; a live owner's is not", async () => {
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
  await writeFile(join(work, 'stale'), `${dead}\n`);
  const lock = await acquireLock(join(work, 'stale'), 0);
  assert.equal(await readFile(join(work, 'stale'), 'utf8'), `${process.pid}\n`);
  await assert.rejects(acquireLock(join(work, 'stale'), 0), { code: 'LOCKED', message: new RegExp(`pid ${process.pid}\\) is working on this PXE root`) });
  await lock.release();
});
