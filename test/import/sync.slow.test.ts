/**
 * sync from cron, through the real CLI: what it refuses to prune, names that collide, a locked
 * root, and a folder that is not there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { newRelease, runLeftovers, servedFiles } from '../helpers/pxe-root.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
let work: string;
let counter = 0;

before(async () => {
  work = await tempDir('pxe-import-sync-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A root, an exports file and a folder of copies of the demo ISO, each with its own volume id. */
async function setup(files: string[]) {
  const dir = join(work, `s${++counter}`);
  const isos = join(dir, 'isos');
  await mkdir(isos, { recursive: true });
  for (const [i, f] of files.entries()) await newRelease(demo, join(isos, f), i);
  const root = join(dir, 'pxe');
  const args = ['--root', root, '--exports-file', join(dir, 'pxe.exports'), '--server', '192.0.2.10', '--clients', '192.0.2.0/24'];
  const sync = (...extra: string[]) => runCli(['sync', isos, ...args, ...extra], { timeoutMs: 120_000 });
  const imports = async () => Object.keys(JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8')).imports).sort();
  return { dir, isos, root, sync, imports };
}

describe('pxe-import sync', () => {
  test('--prune on an emptied (or unmounted) folder removes nothing without --force', async () => {
    const { isos, root, sync, imports } = await setup(['a.iso', 'b.iso']);
    assert.equal((await sync()).code, 0);
    await rm(join(isos, 'a.iso'));
    await rm(join(isos, 'b.iso'));
    const r = await sync('--prune');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /holds no ISO image: not pruning the 2 import\(s\) from it \(an unmounted or mistyped folder\?\); pass --force to prune anyway/);
    assert.deepEqual(await imports(), ['a', 'b']);
    assert.ok((await readlink(join(root, 'a'))).startsWith('.pxe-import/versions/a/'));
    const forced = await sync('--prune', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await imports(), []);
  });

  test('--prune that would remove most of the imports is refused without --force', async () => {
    const { isos, sync, imports } = await setup(['a.iso', 'b.iso', 'c.iso']);
    assert.equal((await sync()).code, 0);
    await rm(join(isos, 'a.iso'));
    await rm(join(isos, 'b.iso'));
    const r = await sync('--prune');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pruning would remove 2 of its 3 imports \(a, b\); not pruning more than 50% without --force/);
    assert.deepEqual(await imports(), ['a', 'b', 'c']);
  });

  test('two file names that come to the same import name: the second is refused, and nothing flip-flops', async () => {
    const { root, sync } = await setup(['a b.iso', 'a-b.iso']);
    for (let run = 0; run < 2; run++) {
      const r = await sync('--prune');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /a-b\.iso and a b\.iso both become "a-b"; name one of them in pxe-import\.map/);
    }
    assert.equal((await readdir(join(root, '.pxe-import/versions/a-b'))).length, 1, 'one version, not one per run');
  });

  test('after one image changed, the others are unchanged and the changed one imported, in folder order; a sync of unchanged images changes no file', async () => {
    const { dir, isos, root, sync } = await setup(['a.iso', 'b.iso', 'c.iso']);
    assert.equal((await sync()).code, 0);
    await newRelease(demo, join(isos, 'b.iso'), 9);
    const r = await sync();
    assert.equal(r.code, 0, r.stderr);
    const said = r.stdout.split('\n').filter((l) => / (unchanged|imported) /.test(l)).map((l) => l.replace(/^\S+ /, '').replace(/ \(.*/, ''));
    assert.deepEqual(said, ['a: unchanged', 'b: imported', 'c: unchanged']);
    assert.deepEqual(await runLeftovers(root), [], 'no lock or staging tree left');
    const state = await readFile(join(root, '.pxe-import/state.json'), 'utf8');
    assert.deepEqual(Object.keys(JSON.parse(state).syncFolders), [isos]);
    const served = await servedFiles(root, join(dir, 'pxe.exports'));
    const again = await sync();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.split('\n').filter((l) => / unchanged /.test(l)).length, 3, again.stdout);
    assert.equal(await readFile(join(root, '.pxe-import/state.json'), 'utf8'), state);
    assert.deepEqual(await servedFiles(root, join(dir, 'pxe.exports')), served);
  });

  test('a locked root stops the sync with exit 75 and one message', async () => {
    const { root, sync } = await setup(['a.iso', 'b.iso']);
    await mkdir(join(root, '.pxe-import'), { recursive: true });
    const holder = spawn('sleep', ['30']);
    try {
      await writeFile(join(root, '.pxe-import/lock'), `${holder.pid}\n`);
      const r = await sync();
      assert.equal(r.code, 75, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /another pxe-import run \(pid \d+\) is working on this PXE root/);
    } finally {
      holder.kill();
    }
  });

  test('a folder that is missing, or a file, is a usage error (exit 2), not a crash', async () => {
    const { dir } = await setup([]);
    const missing = await runCli(['sync', join(dir, 'nope'), '--root', join(dir, 'pxe')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^pxe-import: .*\/nope: no such folder$/m);
    await writeFile(join(dir, 'one.iso'), 'x');
    const file = await runCli(['sync', join(dir, 'one.iso'), '--root', join(dir, 'pxe')]);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /one\.iso: not a folder \(sync takes a folder of ISO images/);
  });
});
