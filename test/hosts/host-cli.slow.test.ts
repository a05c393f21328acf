/**
 * `pxe-import host` and `chain` through the real CLI on a real import: refusals are one line,
 * exit 2 and change nothing; assignments survive re-imports and follow the new version; removing
 * an import a machine boots is refused unless --drop-hosts; the state round-trips.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rm } from 'node:fs/promises';
import { renderState, parseState, EMPTY_STATE, type State } from '../../src/import/state.js';
import { readRootState } from '../../src/import/read.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { assertRefused, snapshotOutsideTrees } from '../helpers/pxe-root.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const MAC = '52:54:00:12:34:56';
const HOST_FILES = ['pxelinux.cfg/01-52-54-00-12-34-56', 'grub/grub.cfg-01-52-54-00-12-34-56', 'hosts/52-54-00-12-34-56.ipxe'];

let work: string;
let root: string;
let common: string[];
before(async () => {
  work = await tempDir('pxe-import-hosts-');
  root = join(work, 'root');
  common = ['--root', root, '--exports-file', join(work, 'exports')];
  const r = await runCli([demo, '--as', 'demo', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
});
after(() => rm(work, { recursive: true, force: true }));

const importVersion = async () => (await readRootState(root)).imports.demo!.version;

const refused = (args: string[], pattern: RegExp): Promise<void> => assertRefused(root, join(work, 'exports'), [...args, ...common], pattern);

describe('host add: refusals', () => {
  test('bad MAC addresses', async () => {
    for (const mac of ['52:54:00:12:34', 'zz:54:00:12:34:56', 'ff:ff:ff:ff:ff:ff']) {
      await refused(['host', 'add', mac, '--entry', 'demo'], new RegExp(`^pxe-import: "${mac}" is`));
    }
  });
  test('an unknown import or entry', async () => {
    await refused(['host', 'add', MAC, '--entry', 'nope'], /^pxe-import: --entry: no import named "nope" in .*state\.json \(imported: demo\)$/m);
    await refused(['host', 'add', MAC, '--entry', 'demo/nope'], /^pxe-import: --entry: demo has no entry "nope" \(its entries: try-or-install-pxe-import-demo, pxe-import-demo-safe-graphics\)$/m);
  });
  test('removing a MAC that has no assignment', async () => {
    await refused(['host', 'remove', MAC], /no assignment for 52:54:00:12:34:56/);
  });
});

describe('host add, re-import, remove', () => {
  test('an assignment writes three per-MAC files, survives a re-import and follows it to the new version', async () => {
    const r = await runCli(['host', 'add', '5254.0012.3456', '--entry', 'demo', '--append', 'auto=true priority=critical', ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^52:54:00:12:34:56: added: boots demo \(its default entry\) with "auto=true priority=critical"/);
    const v1 = await importVersion();
    for (const f of HOST_FILES) {
      const text = await readFile(join(root, f), 'utf8');
      assert.match(text, new RegExp(`versions/demo/${v1}/`), f);
      assert.match(text, /auto=true priority=critical/, f);
    }
    const list = await runCli(['host', 'list', '--json', ...common]);
    assert.deepEqual(JSON.parse(list.stdout), [{ mac: MAC, import: 'demo', entry: undefined, append: 'auto=true priority=critical' }].map((h) => JSON.parse(JSON.stringify(h))));

    // The same assignment again changes nothing.
    const snapshot = await snapshotOutsideTrees(root);
    const again = await runCli(['host', 'add', MAC, '--entry', 'demo', '--append', 'auto=true priority=critical', ...common]);
    assert.match(again.stdout, /unchanged/);
    assert.deepEqual(await snapshotOutsideTrees(root), snapshot);

    // Re-import: a new version, the host kept, its files naming the new version.
    const re = await runCli([demo, '--as', 'demo', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--quiet', '--force']);
    assert.equal(re.code, 0, re.stderr);
    const v2 = await importVersion();
    assert.notEqual(v2, v1);
    assert.equal((await readRootState(root)).hosts?.[MAC]?.import, 'demo');
    for (const f of HOST_FILES) assert.match(await readFile(join(root, f), 'utf8'), new RegExp(`versions/demo/${v2}/`), f);
  });

  test('removing the import a machine boots is refused, naming the machine; --drop-hosts removes both', async () => {
    await refused(['remove', 'demo'], /demo is assigned to 52:54:00:12:34:56; remove them first \(pxe-import host remove MAC\) or pass --drop-hosts$/m);
    const r = await runCli(['remove', 'demo', '--drop-hosts', ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^52:54:00:12:34:56: assignment removed \(it booted demo\)$/m);
    for (const f of HOST_FILES) assert.equal(existsSync(join(root, f)), false, f);
    assert.equal((await readRootState(root)).hosts?.[MAC], undefined);
    assert.doesNotMatch(await readFile(join(root, 'grub/grub.cfg'), 'utf8'), /net_default_mac/);
  });

  test('host remove takes the files away, and leaves a hand-written per-MAC file alone', async () => {
    const r = await runCli([demo, '--as', 'demo', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const handWritten = join(root, 'pxelinux.cfg/01-52-54-00-00-00-01');
    await writeFile(handWritten, 'DEFAULT mine\n');
    assert.equal((await runCli(['host', 'add', '52:54:00:00:00:01', '--entry', 'demo/pxe-import-demo-safe-graphics', ...common])).code, 0);
    assert.equal(await readFile(handWritten, 'utf8'), 'DEFAULT mine\n');
    assert.equal((await runCli(['host', 'add', MAC, '--entry', 'demo', ...common])).code, 0);
    assert.ok(existsSync(join(root, HOST_FILES[0]!)));
    const rm1 = await runCli(['host', 'remove', MAC, '52-54-00-00-00-01', ...common]);
    assert.equal(rm1.code, 0, rm1.stderr);
    assert.deepEqual((await readdir(join(root, 'pxelinux.cfg'))).sort(), ['01-52-54-00-00-00-01', 'default']);
    assert.deepEqual(await readdir(join(root, 'hosts')), []);
    assert.equal(await readFile(handWritten, 'utf8'), 'DEFAULT mine\n');
  });
});

describe('an assigned entry that a new version no longer has', () => {
  test('the machine gets the menu, list marks it, and each run says so once', async () => {
    // What a re-import of an ISO whose new version dropped the entry leaves in the state.
    const file = join(root, '.pxe-import/state.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as State;
    await writeFile(file, renderState({ ...state, hosts: { [MAC]: { mac: MAC, import: 'demo', entry: 'dropped-entry', append: '' } } }));
    const re = await runCli([demo, '--as', 'demo', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--quiet', '--force']);
    assert.equal(re.code, 0, re.stderr);
    assert.equal(re.stdout.match(/52:54:00:12:34:56: demo\/dropped-entry is not imported \(any more\): this machine gets the menu/g)?.length, 1, re.stdout);
    for (const f of HOST_FILES) assert.equal(existsSync(join(root, f)), false, f);
    assert.match((await runCli(['host', 'list', ...common])).stdout, /^52:54:00:12:34:56  demo\/dropped-entry  \(entry gone: gets the menu\)$/m);
    assert.equal((await runCli(['host', 'remove', MAC, ...common])).code, 0);
  });
});

describe('chain add', () => {
  test('refuses a directory outside the root or without pxelinux.cfg/default, then adds a tree to the menus', async () => {
    const outside = join(work, 'netboot');
    await mkdir(join(outside, 'pxelinux.cfg'), { recursive: true });
    await writeFile(join(outside, 'pxelinux.cfg/default'), 'DEFAULT x\n');
    await refused(['chain', 'add', 'd-i', '--to', outside], /is not inside the PXE root/);
    await mkdir(join(root, 'd-i'), { recursive: true });
    await refused(['chain', 'add', 'd-i', '--to', join(root, 'd-i')], /pxelinux\.cfg\/default not found: not a pxelinux netboot tree$/m);
    await refused(['chain', 'add', 'demo', '--to', 'http://192.0.2.10/d-i/'], /already an import's name/);
    await mkdir(join(root, 'd-i/pxelinux.cfg'));
    await writeFile(join(root, 'd-i/pxelinux.cfg/default'), 'DEFAULT x\n');
    const r = await runCli(['chain', 'add', 'd-i', '--to', 'd-i', '--label', 'Debian installer', ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^note: .*d-i has no pxelinux\.0/m);
    assert.match(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /^  CONFIG d-i\/pxelinux\.cfg\/default d-i\/$/m);
    assert.match(await readFile(join(root, 'boot.ipxe'), 'utf8'), /^set 210:string d-i\/$/m);
    // An import may not take the chain entry's name.
    await refused([demo, '--as', 'd-i', '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--quiet'], /"d-i" is the name of a chain entry/);
    assert.equal((await runCli(['chain', 'remove', 'd-i', ...common])).code, 0);
    // The option line itself, not the digits: a version id's timestamp may contain "210".
    assert.doesNotMatch(await readFile(join(root, 'boot.ipxe'), 'utf8'), /^set 210:/m);
  });
});

describe('whole-ISO imports', () => {
  test('sanboot without --http-base is refused before anything is written; memdisk prints the RAM estimate and the caveat', async () => {
    const w = await tempDir('pxe-import-sanboot-');
    try {
      const c = ['--root', join(w, 'root'), '--exports-file', join(w, 'exports'), '--server', '192.0.2.10', '--clients', '192.0.2.0/24'];
      const s = await runCli([demo, '--as', 'iso', '--profile', 'sanboot', ...c, '--quiet']);
      assert.equal(s.code, 2, s.stderr);
      assert.match(s.stderr, /profile sanboot needs --http-base URL/);
      assert.equal(existsSync(join(w, 'root')), false);
      const m = await runCli([demo, '--as', 'iso', '--profile', 'memdisk', ...c]);
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /^note: iso: memdisk keeps the whole ISO \(\d+ MiB\) in RAM: clients need at least \d+ MiB/m);
      assert.match(m.stderr, /warning: .*a modern kernel loses sight of the memdisk ISO once it boots/);
      const ok = await runCli([demo, '--as', 'iso2', '--profile', 'sanboot', ...c, '--http-base', 'http://192.0.2.10/pxe/', '--quiet']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(await readFile(join(w, 'root/boot.ipxe'), 'utf8'), /^sanboot --no-describe http:\/\/192\.0\.2\.10\/pxe\/\.pxe-import\/versions\/iso2\/[^/]+\/iso2\.iso \|\| goto failed$/m);
    } finally {
      await rm(w, { recursive: true, force: true });
    }
  });
});

describe('state with hosts and chains', () => {
  test('round-trips through renderState and parseState; a state without them keeps its old bytes', () => {
    const state: State = {
      format: 1,
      imports: {},
      hosts: { [MAC]: { mac: MAC, import: 'demo', entry: 'x', append: 'a=1' } },
      chains: { 'd-i': { name: 'd-i', label: 'D', prefix: 'd-i/' } },
    };
    const file = join(work, 'state.json');
    assert.deepEqual(parseState(renderState(state), file), state);
    assert.equal(renderState(EMPTY_STATE), '{\n  "format": 1,\n  "imports": {}\n}\n');
    assert.equal(renderState({ ...EMPTY_STATE, hosts: {}, chains: {} }), renderState(EMPTY_STATE));
    assert.throws(() => parseState('{"format":1,"imports":{},"hosts":[]}', file), (e: Error & { code?: string }) => e.code === 'STATE_INVALID' && e.message.startsWith(`${file}: not a pxe-import state`));
  });
});
