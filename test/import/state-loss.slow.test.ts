/**
 * The state file is precious, through the real CLI into temporary roots: a root whose state.json
 * was deleted or damaged is refused by every command (exit 4) and left byte for byte as it was;
 * `pxe-import repair` gives it a state again from its trees (or from state.json.prev) and it serves
 * as before; a tree the state does not name is reported, never removed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { newRelease, snapshotOutsideTrees } from '../helpers/pxe-root.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const SERVE = ['--server', '192.0.2.10', '--clients', '192.0.2.0/24'];
/** Commands that take only the root options. */
const ROOT_ONLY = new Set(['list', 'remove', 'host', 'chain', 'init']);

let work: string;
let counter = 0;

before(async () => {
  work = await tempDir('pxe-import-state-loss-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function pxeRoot() {
  const dir = join(work, `root-${++counter}`);
  await mkdir(dir);
  const root = join(dir, 'pxe');
  const exportsFile = join(dir, 'pxe-import.exports');
  const rootArgs = ['--root', root, '--exports-file', exportsFile];
  const cli = (args: string[]): Promise<CliResult> => runCli([...args, ...rootArgs, ...(ROOT_ONLY.has(args[0]!) ? [] : SERVE)], { timeoutMs: 120_000 });
  const state = join(root, '.pxe-import/state.json');
  return { dir, root, exportsFile, cli, state };
}

/** A copy of the demo ISO with another volume id: a new release of the same image. */
function changedDemo(n: number): Promise<string> {
  return newRelease(demo, join(work, `demo-v${n}.iso`), n);
}

/** Every file outside the trees (content, inode, mtime), the exports file, and every path inside the trees. */
async function everything(root: string, exportsFile: string): Promise<Map<string, string>> {
  const out = await snapshotOutsideTrees(root, existsSync(exportsFile) ? [exportsFile] : []);
  // By hand: readdir's `recursive` follows the trees' "ubuntu -> ." links.
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      out.set(p, `${(await lstat(p)).mtimeMs}${e.isSymbolicLink() ? ` -> ${await readlink(p)}` : ''}`);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(join(root, '.pxe-import/versions'));
  return out;
}

const versionOf = async (root: string, name: string) => (await readlink(join(root, name))).split('/').pop()!;
const MENUS = ['pxelinux.cfg/default', 'grub/grub.cfg', 'boot.ipxe'];
const menus = async (root: string) => Promise.all(MENUS.map((m) => readFile(join(root, m), 'utf8')));

/** Two imports of "demo" (v1 retained, v2 served), as a cron job makes them. */
async function twoImports() {
  const r = await pxeRoot();
  assert.equal((await r.cli([demo, '--as', 'demo', '--quiet'])).code, 0);
  const v1 = await versionOf(r.root, 'demo');
  await new Promise((done) => setTimeout(done, 1100)); // version ids have one-second resolution
  const second = await r.cli([await changedDemo(1), '--as', 'demo', '--quiet']);
  assert.equal(second.code, 0, second.stderr);
  const v2 = await versionOf(r.root, 'demo');
  assert.notEqual(v1, v2);
  return { ...r, v1, v2, menus: await menus(r.root), exports: await readFile(r.exportsFile, 'utf8') };
}

describe('state.json deleted after two imports', () => {
  test('an import is refused (exit 4) and changes nothing; repair serves both versions again; the next import keeps what it should', async () => {
    const r = await twoImports();
    await rm(r.state);
    const before = await everything(r.root, r.exportsFile);
    const third = await changedDemo(2);
    const refused = await r.cli([third, '--as', 'demo', '--quiet']);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /state\.json: missing, but 2 tree\(s\) exist in .*\/\.pxe-import\/versions; run pxe-import repair to rebuild it \(or restore .*state\.json\.prev\); nothing was changed\n$/);
    assert.equal((await r.cli([third, '--as', 'demo', '--check'])).code, 4, '--check does not call it a first import');
    assert.equal((await r.cli(['list'])).code, 4);
    assert.deepEqual(await everything(r.root, r.exportsFile), before, 'trees, links, menus and exports untouched');

    const repaired = await r.cli(['repair']);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, new RegExp(`demo: version ${r.v2}, casper, 2 boot entries, keeps ${r.v1}`));
    assert.equal(await versionOf(r.root, 'demo'), r.v2);
    assert.deepEqual(await menus(r.root), r.menus, 'menus byte for byte as before: the same entries and nfsroot= lines');
    assert.equal(await readFile(r.exportsFile, 'utf8'), r.exports);
    assert.ok(r.exports.includes(`# pxe-import demo ${r.v1}`) && r.exports.includes(`# pxe-import demo ${r.v2}`));
    assert.match((await r.cli(['list'])).stdout, /\(unknown: rebuilt by repair\)/);

    // The image the served version came from is not known: its next import is a new version.
    await new Promise((done) => setTimeout(done, 1100));
    const next = await r.cli([third, '--as', 'demo', '--quiet']);
    assert.equal(next.code, 0, next.stderr);
    const v3 = await versionOf(r.root, 'demo');
    assert.deepEqual((await readdir(join(r.root, '.pxe-import/versions/demo'))).sort(), [r.v2, v3].sort(), 'retention 1 keeps the version served before, as with an intact state');
    const exports = await readFile(r.exportsFile, 'utf8');
    assert.ok(exports.includes(`# pxe-import demo ${r.v2}`) && exports.includes(`# pxe-import demo ${v3}`), exports);
    assert.equal((await r.cli([third, '--as', 'demo', '--check'])).code, 0, 'the image is recorded again');
  });

  test('with state.json.prev gone too, repair rebuilds from the trees alone, whole-ISO versions included', async () => {
    const r = await twoImports();
    assert.equal((await r.cli([demo, '--as', 'whole', '--profile', 'memdisk', '--quiet'])).code, 0);
    r.menus = await menus(r.root);
    await rm(r.state);
    await rm(`${r.state}.prev`);
    const dry = await r.cli(['repair', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout);
    assert.deepEqual(planned.imports.demo.retained.map((o: { version: string }) => o.version), [r.v1]);
    assert.equal(planned.imports.whole.profile.id, 'memdisk');
    assert.equal(existsSync(r.state), false, '--dry-run writes nothing');
    const repaired = await r.cli(['repair']);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.deepEqual(await menus(r.root), r.menus);
    assert.equal(await readFile(r.exportsFile, 'utf8'), r.exports);
  });
});

describe('a root whose only tree cannot be served', () => {
  test('repair records a state without it, so commands work again, and leaves the tree in place', async () => {
    const r = await pxeRoot();
    const junk = join(r.root, '.pxe-import/versions/junk/20200101T000000Z-deadbeef');
    await mkdir(junk, { recursive: true });
    await writeFile(join(junk, 'README'), 'not a tree of an image\n');
    assert.equal((await r.cli([demo, '--as', 'demo', '--quiet'])).code, 4);
    const repaired = await r.cli(['repair']);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, /versions\/junk\/20200101T000000Z-deadbeef: left in place, not served: .*no profile recognises/);
    const imported = await r.cli([demo, '--as', 'demo', '--quiet']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /junk\/20200101T000000Z-deadbeef: a tree .* does not name: left in place/);
    assert.equal(await readFile(join(junk, 'README'), 'utf8'), 'not a tree of an image\n');
  });
});

describe('state.json damaged', () => {
  test('every command that changes the root exits 4 and changes nothing; list and inspect exit 4; repair --from-prev restores the previous state', async () => {
    const r = await twoImports();
    const prev = JSON.parse(await readFile(`${r.state}.prev`, 'utf8'));
    await writeFile(r.state, '{"format": 1, "imports": {"demo": {"name": "de');
    const isos = join(r.dir, 'isos');
    await mkdir(isos);
    await cp(demo, join(isos, 'demo.iso'));
    await mkdir(join(r.root, 'd-i/pxelinux.cfg'), { recursive: true });
    await writeFile(join(r.root, 'd-i/pxelinux.cfg/default'), 'DEFAULT x\n');
    const before = await everything(r.root, r.exportsFile);
    const commands = [
      [demo, '--as', 'demo', '--quiet'],
      [demo, '--as', 'other', '--force'],
      ['sync', isos],
      ['sync', isos, '--prune'],
      ['remove', 'demo'],
      ['host', 'add', '52:54:00:12:34:56', '--entry', 'demo'],
      ['host', 'remove', '52:54:00:12:34:56'],
      ['chain', 'add', 'd-i', '--to', 'd-i'],
      ['chain', 'remove', 'd-i'],
      ['init', '--sysroot', r.dir],
      ['list'],
    ];
    for (const args of commands) {
      const res = await r.cli(args);
      assert.equal(res.code, 4, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, /state\.json: state file is not valid JSON .*; restore it from .*state\.json\.prev or run pxe-import repair/, args.join(' '));
    }
    const inspect = await runCli(['inspect', demo, '--root', r.root]);
    assert.equal(inspect.code, 4, inspect.stderr);
    assert.deepEqual(await everything(r.root, r.exportsFile), before);

    const restored = await r.cli(['repair', '--from-prev']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /state restored from state\.json\.prev/);
    const state = JSON.parse(await readFile(r.state, 'utf8'));
    const expected = { ...prev };
    delete expected.pruning;
    assert.ok(prev.pruning?.includes(`.pxe-import/versions/demo/${r.v2}`), 'the previous state is the one before the second import was committed');
    assert.deepEqual(state, expected);
    assert.equal(await versionOf(r.root, 'demo'), prev.imports.demo.version);
    assert.ok(existsSync(join(r.root, '.pxe-import/versions/demo', r.v2)), 'the tree the previous state was about to remove is still there');
    assert.equal(await readFile(`${r.state}.damaged`, 'utf8'), '{"format": 1, "imports": {"demo": {"name": "de');
    assert.deepEqual(JSON.parse(await readFile(`${r.state}.prev`, 'utf8')), prev, 'state.json.prev is still the good one');
    assert.equal((await r.cli(['list'])).code, 0);
  });

  test('a record every command would trip over is refused with exit 4, not an internal error', async () => {
    const r = await pxeRoot();
    assert.equal((await r.cli([demo, '--as', 'demo', '--quiet'])).code, 0);
    await writeFile(r.state, JSON.stringify({ format: 1, imports: { demo: { name: 'demo' } } }));
    for (const args of [['list'], [demo, '--as', 'demo', '--quiet'], ['remove', 'demo']]) {
      const res = await r.cli(args);
      assert.equal(res.code, 4, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, /state\.json: imports\.demo: invalid version undefined/);
    }
    assert.equal((await runCli(['inspect', demo, '--root', r.root])).code, 4);
  });
});

describe('a version directory the state does not name', () => {
  test('is never removed by an import, a remove or a sync, and is said once per run', async () => {
    const r = await pxeRoot();
    const isos = join(r.dir, 'isos');
    await mkdir(isos);
    await cp(demo, join(isos, 'a.iso'));
    await cp(await changedDemo(3), join(isos, 'b.iso'));
    assert.equal((await r.cli([demo, '--as', 'demo', '--quiet'])).code, 0);
    const stray = join(r.root, '.pxe-import/versions/demo/20200101T000000Z-deadbeef');
    const ghost = join(r.root, '.pxe-import/versions/ghost/20200101T000000Z-deadbeef');
    for (const t of [stray, ghost]) {
      await mkdir(join(t, 'casper'), { recursive: true });
      await writeFile(join(t, 'casper/vmlinuz'), 'kernel');
    }
    const said = (res: CliResult, tree: string) => res.stderr.split(`${tree}: a tree `).length - 1;

    const unchanged = await r.cli([demo, '--as', 'demo', '--quiet']);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal(said(unchanged, stray), 1, unchanged.stderr);
    assert.match(unchanged.stderr, /warning: .*versions\/ghost\/20200101T000000Z-deadbeef: a tree .*state\.json does not name: left in place \(pxe-import repair adopts it; or remove it by hand\)/);

    const synced = await r.cli(['sync', isos, '--prune']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(said(synced, stray), 1, `once per run, not once per image: ${synced.stderr}`);
    assert.equal((await r.cli(['remove', 'demo'])).code, 0);
    assert.equal((await r.cli(['remove', 'a'])).code, 0);
    await rm(join(isos, 'b.iso'));
    assert.equal((await r.cli(['sync', isos, '--prune', '--force'])).code, 0);
    for (const t of [stray, ghost]) assert.equal(await readFile(join(t, 'casper/vmlinuz'), 'utf8'), 'kernel', t);
  });
});
