/**
 * Interrupted means cleaned up (src/cli/signals.ts): SIGINT, SIGTERM and SIGHUP, sent to the real
 * CLI with its output on a pseudo-terminal (listr2's animated renderer, Ctrl-C through the line
 * discipline, a real hang-up) or piped (the plain renderer), during an extraction, at every step
 * of an import (PXE_IMPORT_FAILPOINT=<point>:WAIT holds the run there until the signal), during
 * a sync and a wait for the lock. Each ends with exit 128 + the signal, one line saying what was
 * undone, no staging tree or lock left, and the previously served version still served.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FAILPOINTS } from '../../src/import/failpoint.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths.js';
import { assertServedWhole, newRelease, runLeftovers, servedFiles } from '../helpers/pxe-root.js';
import { requirement } from '../helpers/requirements.js';
import { catchesStopSignals, hasPython, startCli, type Finished, type RunningCli, type Stop } from '../helpers/terminal.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
/** 4.5 GiB of one multi-extent file, mostly holes: an extraction of a few seconds, long enough to interrupt. */
const big = join(FIXTURES, 'big-multi-extent.iso');
const VERSION = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
const NO_PTY = requirement('python3', hasPython, 'python3 (its pty module runs the CLI on a terminal) not found; skipping');
const NO_BIG = requirement('big fixture', existsSync(big), 'big-multi-extent.iso not built (bash fixtures/build.sh --big); skipping');

/** A profile that recognises the big fixture, so that importing it is a real, slow extraction. */
const BIG_PROFILE = {
  id: 'big-test',
  family: 'big-test',
  name: 'the big multi-extent test image',
  detect: { all: [{ exists: '/small-after.txt' }] },
  boot: { fromBootConfig: false, kernel: ['/small-after.txt'], initrds: [], defaultArguments: [] },
  cmdline: { nfs: 'nfsroot={server}:{exportPath}', http: null },
};

/** Each way of stopping a run, and what it must exit with. */
interface Way {
  readonly stop: Stop;
  readonly terminal: boolean;
  readonly signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  readonly code: number;
}
const CTRL_C: Way = { stop: 'ctrl-c', terminal: true, signal: 'SIGINT', code: 130 };
const TERM_ON_TERMINAL: Way = { stop: 'SIGTERM', terminal: true, signal: 'SIGTERM', code: 143 };
const HANG_UP: Way = { stop: 'hang-up', terminal: true, signal: 'SIGHUP', code: 129 };
const INT_PIPED: Way = { stop: 'SIGINT', terminal: false, signal: 'SIGINT', code: 130 };
const TERM_PIPED: Way = { stop: 'SIGTERM', terminal: false, signal: 'SIGTERM', code: 143 };
const HUP_PIPED: Way = { stop: 'SIGHUP', terminal: false, signal: 'SIGHUP', code: 129 };
const describeWay = (w: Way) => `${w.stop} ${w.terminal ? 'on a terminal' : 'with piped output'}`;

let work: string;
let counter = 0;
let profiles: string;

before(async () => {
  work = await tempDir('pxe-import-signals-');
  profiles = join(work, 'profiles');
  await mkdir(profiles);
  await writeFile(join(profiles, 'big-test.json'), JSON.stringify(BIG_PROFILE));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh PXE root; `args` adds the options every command on it takes. */
async function pxeRoot() {
  const dir = join(work, `root-${++counter}`);
  await mkdir(join(dir, 'exports.d'), { recursive: true });
  const root = join(dir, 'pxe');
  const exportsFile = join(dir, 'exports.d', 'pxe-import.exports');
  const args = (command: string[]) => [...command, '--root', root, '--exports-file', exportsFile, ...(command[0] === 'remove' ? [] : ['--server', '192.0.2.10', '--clients', '192.0.2.0/24'])];
  const versions = (name: string) => readdir(join(root, '.pxe-import/versions', name)).catch(() => [] as string[]);
  return { dir, root, exportsFile, args, versions };
}

/** A root serving the demo as `demo` (version v1), and a new release of it to import over it. */
async function servingDemo() {
  const r = await pxeRoot();
  const first = await runCli(r.args([demo, '--as', 'demo']));
  assert.equal(first.code, 0, first.stderr);
  const v1 = (await readlink(join(r.root, 'demo'))).split('/').pop()!;
  // Version ids have one-second resolution: the release is imported at least a second later.
  await new Promise((res) => setTimeout(res, 1100));
  const release = await newRelease(demo, join(r.dir, 'demo-v2.iso'), counter);
  return { ...r, v1, release, before: await servedFiles(r.root, r.exportsFile) };
}

/** PXE_IMPORT_FAILPOINT=<point>:WAIT, and the file the run creates once it waits there. */
function waitAt(point: string, dir: string): { env: NodeJS.ProcessEnv; reached: () => Promise<boolean> } {
  const ready = join(dir, `waiting-at-${point}`);
  return { env: { PXE_IMPORT_FAILPOINT: `${point}:WAIT`, PXE_IMPORT_FAILPOINT_READY: ready }, reached: async () => existsSync(ready) };
}

/** Polls every 20 ms until `ready` holds; fails after `seconds`. */
async function until(what: string, ready: () => Promise<boolean>, seconds = 60): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** The lines a user reads: stderr when piped; on a terminal, the pxe-import lines of the screen. */
function messages(r: Finished, way: Way): string[] {
  const text = way.terminal ? r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '') : r.stderr;
  return text.split('\n').filter((l) => (way.terminal ? l.startsWith('pxe-import:') : l !== ''));
}

/** Stops `run` the given way and checks the exit code and, unless the terminal was hung up, the one line. */
async function stopAndCheck(run: RunningCli, way: Way, line: RegExp): Promise<Finished> {
  run.stop(way.stop);
  const r = await run.finished;
  assert.equal(r.signal, null, `ended by ${r.signal}, not by its own exit: ${r.stdout}${r.stderr}`);
  assert.equal(r.code, way.code, r.stdout + r.stderr);
  // A hung-up terminal shows nothing more: the exit code and the disk are all there is to see.
  if (way.stop !== 'hang-up') {
    const said = messages(r, way);
    assert.equal(said.length, 1, `one line, not: ${JSON.stringify(said)}`);
    assert.match(said[0]!, new RegExp(`^pxe-import: interrupted by ${way.signal}; ${line.source}`));
  }
  return r;
}

describe('an import stopped by a signal removes what it started and serves what it served', () => {
  for (const way of [CTRL_C, TERM_PIPED]) {
    test(`${describeWay(way)} during the extraction: exit ${way.code}, one line, the staging tree and the lock gone`, { skip: NO_BIG || (way.terminal && NO_PTY) }, async () => {
      const r = await servingDemo();
      const run = startCli(r.args([big, '--as', 'demo', '--profiles', profiles]), { terminal: way.terminal });
      await until('the staging tree', async () => (await r.versions('demo')).some((v) => v.includes('.partial-')));
      await stopAndCheck(run, way, /demo: the unfinished version was removed; it still serves version \S+$/);
      assert.deepEqual(await runLeftovers(r.root), []);
      assert.deepEqual(await r.versions('demo'), [r.v1]);
      assert.deepEqual(await servedFiles(r.root, r.exportsFile), r.before, 'link, menus and exports are as before');
    });
  }

  test('SIGTERM on a terminal during the first import into a new root: the root is removed', { skip: NO_BIG || NO_PTY }, async () => {
    const r = await pxeRoot();
    const run = startCli(r.args([big, '--as', 'big', '--profiles', profiles]), { terminal: true });
    await until('the staging tree', async () => (await r.versions('big')).some((v) => v.includes('.partial-')));
    await stopAndCheck(run, TERM_ON_TERMINAL, /big: the unfinished version was removed; nothing was imported$/);
    assert.ok(!existsSync(r.root), 'the root this run created is gone');
  });

  for (const way of [TERM_ON_TERMINAL, INT_PIPED, HUP_PIPED, HANG_UP]) {
    test(`${describeWay(way)} once the new tree is complete, before the commit: exit ${way.code}, the tree removed`, { skip: way.terminal && NO_PTY }, async () => {
      const r = await servingDemo();
      const wait = waitAt('after-extract', r.dir);
      const run = startCli(r.args([r.release, '--as', 'demo']), { terminal: way.terminal, env: wait.env });
      await until('the run to wait after the extraction', wait.reached);
      assert.equal((await r.versions('demo')).filter((v) => VERSION.test(v)).length, 2, 'the new tree is complete beside the old one');
      await stopAndCheck(run, way, /demo: the unfinished version was removed; it still serves version \S+$/);
      assert.deepEqual(await runLeftovers(r.root), []);
      assert.deepEqual(await r.versions('demo'), [r.v1]);
      assert.deepEqual(await servedFiles(r.root, r.exportsFile), r.before);
    });
  }

  // The whole import, stopped at each step: before the commit nothing changes; after it, the
  // switch completes and only the removal of old versions is left to the next run.
  for (const point of FAILPOINTS) {
    test(`SIGTERM at ${point}: exit 143, one line, no lock or staging tree, every version served before still served`, async () => {
      const r = await servingDemo();
      const wait = waitAt(point, r.dir);
      const run = startCli(r.args([r.release, '--as', 'demo']), { terminal: false, env: wait.env });
      await until(`the run to wait at ${point}`, wait.reached);
      await stopAndCheck(run, TERM_PIPED, /./);
      assert.deepEqual(await runLeftovers(r.root), []);
      await assertServedWhole(r.root, r.exportsFile, 'demo', r.v1);
      const state = JSON.parse(await readFile(join(r.root, '.pxe-import/state.json'), 'utf8'));
      if (['after-lock', 'after-extract', 'commit'].includes(point)) {
        assert.equal(state.imports.demo.version, r.v1, 'nothing was committed');
        assert.deepEqual(await r.versions('demo'), [r.v1], 'the uncommitted version is gone');
        assert.deepEqual(await servedFiles(r.root, r.exportsFile), r.before);
      }
      const again = await runCli(r.args([r.release, '--as', 'demo']));
      assert.equal(again.code, 0, again.stderr);
    });
  }
});

describe('sync, extract and the lock wait stop the same way', () => {
  test('SIGTERM while sync extracts its second image: exit 143, the first imported whole, the second absent', { skip: NO_BIG }, async () => {
    const r = await pxeRoot();
    const isos = join(r.dir, 'isos');
    await mkdir(isos);
    await copyFile(demo, join(isos, 'a-demo.iso'));
    await symlink(big, join(isos, 'b-big.iso'));
    const run = startCli(r.args(['sync', isos, '--profiles', profiles]), { terminal: false });
    await until('the second staging tree', async () => (await r.versions('b-big')).some((v) => v.includes('.partial-')));
    const done = await stopAndCheck(run, TERM_PIPED, /b-big: the unfinished version was removed; nothing was imported; sync stopped with 1 of 2 image\(s\) done$/);
    assert.match(done.stdout, /a-demo: imported/);
    assert.deepEqual(await runLeftovers(r.root), []);
    const state = JSON.parse(await readFile(join(r.root, '.pxe-import/state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.imports), ['a-demo']);
    assert.ok(existsSync(join(r.root, 'a-demo/casper/vmlinuz')), 'the first import is served whole');
    assert.deepEqual(await r.versions('b-big'), []);
  });

  test('SIGTERM while sync waits in its first import: nothing imported, the rest not looked at', async () => {
    const r = await pxeRoot();
    const isos = join(r.dir, 'isos');
    await mkdir(isos);
    await copyFile(demo, join(isos, 'a-demo.iso'));
    await copyFile(demo, join(isos, 'b-demo.iso'));
    const wait = waitAt('after-extract', r.dir);
    const run = startCli(r.args(['sync', isos]), { terminal: false, env: wait.env });
    await until('the first import to wait after its extraction', wait.reached);
    await stopAndCheck(run, TERM_PIPED, /a-demo: the unfinished version was removed; nothing was imported; sync stopped with 0 of 2 image\(s\) done$/);
    assert.ok(!existsSync(r.root), 'the root this sync created is gone');
  });

  test('SIGINT on a terminal during extract: exit 130, one line, the staging tree gone', { skip: NO_BIG || NO_PTY }, async () => {
    const parent = join(work, `extract-${++counter}`);
    await mkdir(parent);
    const run = startCli(['extract', big, join(parent, 'out')], { terminal: true });
    await until('the staging tree', async () => (await readdir(parent)).length > 0);
    await stopAndCheck(run, CTRL_C, /extraction stopped and its partial tree was removed$/);
    assert.deepEqual(await readdir(parent), []);
  });

  test('SIGTERM while remove waits for the lock: exit 143 at once, nothing changed', async () => {
    const r = await servingDemo();
    // Hold the lock as a live run would.
    const holder = spawn('sleep', ['60']);
    try {
      await writeFile(join(r.root, '.pxe-import/lock'), `${holder.pid}\n`);
      const run = startCli(r.args(['remove', 'demo', '--wait', '60']), { terminal: false });
      const pid = await run.pid;
      await until('the CLI to catch stop signals', () => catchesStopSignals(pid));
      const started = performance.now();
      await stopAndCheck(run, TERM_PIPED, /stopped waiting for \S+lock \(pid \d+\); nothing was changed$/);
      assert.ok(performance.now() - started < 5000, 'it stopped waiting at once');
    } finally {
      holder.kill();
    }
    assert.equal(await readFile(join(r.root, '.pxe-import/lock'), 'utf8').catch(() => undefined), `${holder.pid}\n`, "the other run's lock is left alone");
    assert.deepEqual(await servedFiles(r.root, r.exportsFile), r.before);
  });
});
