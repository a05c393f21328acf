/**
 * What a root remembers and what it refuses, through the real CLI: the plan that --dry-run and
 * --check print is the one the run applies; bad --server, --clients and --root values are refused
 * before anything is written; a cron run without flags keeps the recorded settings; commands that
 * do not name the exports file use the root's own; two roots share one exports file safely.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
let work: string;
let counter = 0;

before(async () => {
  work = await tempDir('pxe-import-settings-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function fresh() {
  const dir = join(work, `r${++counter}`);
  await mkdir(dir);
  return { dir, root: join(dir, 'pxe'), exportsFile: join(dir, 'pxe.exports'), state: join(dir, 'pxe/.pxe-import/state.json') };
}

const net = ['--server', '192.0.2.10', '--clients', '192.0.2.0/24'];

describe('the plan --dry-run and --check print is the one the run applies', () => {
  test('after an import, a new --server is "would update" (and --check exits 3); the run then changes the files', async () => {
    const { root, exportsFile } = await fresh();
    const base = [demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile];
    assert.equal((await runCli([...base, ...net])).code, 0);
    const same = await runCli([...base, ...net, '--check']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /demo: unchanged/);
    const dry = await runCli([...base, '--server', '192.0.2.20', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^demo: would update version \S+ on the same tree:$/m);
    assert.match(dry.stdout, /server: 192\.0\.2\.10 -> 192\.0\.2\.20 \(--server\)/);
    assert.doesNotMatch(dry.stdout, /nothing to do/);
    const check = await runCli([...base, '--server', '192.0.2.20', '--check', '--json']);
    assert.equal(check.code, 3, check.stderr);
    assert.equal(JSON.parse(check.stdout).action, 'update');
    assert.doesNotMatch(await readFile(join(root, 'boot.ipxe'), 'utf8'), /192\.0\.2\.20/, '--check wrote nothing');
    const real = await runCli([...base, '--server', '192.0.2.20']);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /demo: updated, version/);
    assert.match(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /nfsroot=192\.0\.2\.20:/);
    assert.equal((await runCli([...base, '--check'])).code, 0, 'the new server is recorded: nothing left to do');
  });

  test('--strict: a warning (here memdisk\'s own caveat) fails the import before anything is written', async () => {
    const { root, exportsFile } = await fresh();
    const base = [demo, '--as', 'whole', '--profile', 'memdisk', '--root', root, '--exports-file', exportsFile, ...net];
    const strict = await runCli([...base, '--strict']);
    assert.equal(strict.code, 1, strict.stderr);
    assert.match(strict.stderr, /warning\(s\) and --strict: nothing was imported/);
    assert.match(strict.stderr, /pxe-import: warning: .*demo-live\.iso: .*BIOS/);
    assert.ok(!existsSync(root), 'nothing was written');
    const dry = await runCli([...base, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(JSON.parse(dry.stdout).warnings.some((w: { code: string }) => w.code === 'PROFILE_CAVEAT'));
    assert.equal((await runCli(base)).code, 0, 'without --strict the same import succeeds');
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], { env: { npm_package_version: '' } });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), version);
  });
});

describe('bad settings are refused before anything is written', () => {
  const refusals: Array<[string, string[], RegExp]> = [
    ['clients with export options', ['--clients', '192.0.2.0/24(rw)'], /^pxe-import: --clients: "192\.0\.2\.0\/24\(rw\)": give clients without export options/],
    ['a client with "#"', ['--clients', 'a#b'], /^pxe-import: --clients: invalid NFS client "a#b"/],
    ['a server with an injected argument', ['--server', '192.0.2.10 init=/bin/sh'], /^pxe-import: --server: "192\.0\.2\.10 init=\/bin\/sh" is not one address/],
    ['an impossible address', ['--server', '999.1.1.1'], /^pxe-import: --server: 999\.1\.1\.1 is not a valid IPv4 address/],
    ['an IPv6 address', ['--server', '2001:db8::1'], /^pxe-import: --server: 2001:db8::1: IPv6 addresses are not supported/],
    ['a host name', ['--server', 'pxe.example.org'], /^pxe-import: --server: "pxe\.example\.org": give the server's IPv4 address/],
  ];
  for (const [what, flags, message] of refusals) {
    test(`${what}: exit 2, one line, the root as it was (also with --dry-run)`, async () => {
      const { root, exportsFile, state } = await fresh();
      const base = [demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile];
      assert.equal((await runCli([...base, ...net])).code, 0);
      const before = await readFile(state, 'utf8');
      const exportsBefore = await readFile(exportsFile, 'utf8');
      for (const extra of [[], ['--dry-run']]) {
        const r = await runCli([...base, ...net, ...flags, '--force', ...extra]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      assert.equal(await readFile(state, 'utf8'), before);
      assert.equal(await readFile(exportsFile, 'utf8'), exportsBefore);
      // And a root that never existed is not created.
      const other = join(root, '..', 'never');
      assert.equal((await runCli([demo, '--as', 'demo', '--root', other, '--exports-file', exportsFile, ...net, ...flags])).code, 2);
      assert.ok(!existsSync(other));
    });
  }

  test('a root with a blank, or an empty --root, is refused', async () => {
    const { dir, exportsFile } = await fresh();
    const spaced = await runCli([demo, '--as', 'demo', '--root', join(dir, 'my pxe'), '--exports-file', exportsFile, ...net]);
    assert.equal(spaced.code, 2);
    assert.match(spaced.stderr, /^pxe-import: --root: ".*\/my pxe" contains a blank, which kernel command lines \(nfsroot=\) and exports lines cannot carry/);
    assert.ok(!existsSync(join(dir, 'my pxe')));
    const empty = await runCli([demo, '--as', 'demo', '--root', '', '--exports-file', exportsFile, ...net]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^pxe-import: --root: empty/);
  });

  test('a state whose clients are invalid (a hand edit, an older version) does not lock the root: remove and a good re-import still run', async () => {
    const { root, exportsFile, state } = await fresh();
    const base = [demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile];
    assert.equal((await runCli([...base, ...net])).code, 0);
    const s = JSON.parse(await readFile(state, 'utf8'));
    s.imports.demo.clients = ['192.0.2.0/24(rw)'];
    s.settings.clients = ['192.0.2.0/24(rw)'];
    await writeFile(state, JSON.stringify(s));
    const list = await runCli(['list', '--root', root]);
    assert.equal(list.code, 0, list.stderr);
    const fixed = await runCli([...base, '--clients', '192.0.2.128/25']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(await readFile(exportsFile, 'utf8'), /192\.0\.2\.128\/25\(ro,/);
    const removed = await runCli(['remove', 'demo', '--root', root]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await readFile(exportsFile, 'utf8'), '');
  });
});

describe('a root remembers its settings', () => {
  test('a run without --server, --clients, --http-base or --exports-file keeps the recorded ones; host add keeps boot.ipxe on HTTP', async () => {
    const { root, exportsFile, state } = await fresh();
    const http = ['--http-base', 'http://192.0.2.10:8080/'];
    const first = await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile, ...net, ...http]);
    assert.equal(first.code, 0, first.stderr);
    const ipxe = await readFile(join(root, 'boot.ipxe'), 'utf8');
    assert.match(ipxe, /http:\/\/192\.0\.2\.10:8080\//);
    const exportsText = await readFile(exportsFile, 'utf8');
    // The cron run: only the root.
    const again = await runCli([demo, '--as', 'demo', '--root', root, '-q']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '');
    const recorded = JSON.parse(await readFile(state, 'utf8'));
    assert.deepEqual(recorded.settings, { server: '192.0.2.10', clients: ['192.0.2.0/24'], httpBase: 'http://192.0.2.10:8080/', exportsFile });
    const host = await runCli(['host', 'add', '52:54:00:12:34:56', '--entry', 'demo', '--root', root]);
    assert.equal(host.code, 0, host.stderr);
    assert.match(await readFile(join(root, 'boot.ipxe'), 'utf8'), /http:\/\/192\.0\.2\.10:8080\//, 'host add without --http-base keeps HTTP');
    assert.equal(await readFile(exportsFile, 'utf8'), exportsText, "host add uses the root's exports file");
    const removed = await runCli(['remove', 'demo', '--drop-hosts', '--root', root]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await readFile(exportsFile, 'utf8'), '', "remove takes the lines out of the root's own exports file");
    assert.ok(!existsSync(join(root, 'demo')));
  });

  test('changing a recorded setting takes a flag and is reported', async () => {
    const { root, exportsFile } = await fresh();
    assert.equal((await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile, ...net])).code, 0);
    const moved = join(root, '..', 'moved.exports');
    const r = await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', moved, '--clients', '192.0.2.0/25']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /note: .*: clients: 192\.0\.2\.0\/24 -> 192\.0\.2\.0\/25 \(--clients\)/);
    assert.match(r.stdout, /note: .*: exports-file: .*pxe\.exports -> .*moved\.exports \(--exports-file\)/);
    assert.equal(await readFile(exportsFile, 'utf8'), '', 'the old exports file no longer has our lines');
    assert.match(await readFile(moved, 'utf8'), /192\.0\.2\.0\/25\(ro,/);
  });
});

describe('one exports file shared by two roots', () => {
  test("each root edits only its own lines; the user's lines, in any encoding, stay byte for byte", async () => {
    const { dir, exportsFile } = await fresh();
    const user = Buffer.concat([Buffer.from('/srv/caf'), Buffer.from([0xe9]), Buffer.from(' *(ro) # the user\n')]);
    await writeFile(exportsFile, user);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const root of [a, b]) assert.equal((await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', exportsFile, ...net])).code, 0);
    const text = await readFile(exportsFile);
    assert.ok(text.subarray(0, user.length).equals(user), 'the user line keeps its bytes');
    const va = (await readlink(join(a, 'demo'))).split('/').pop();
    const vb = (await readlink(join(b, 'demo'))).split('/').pop();
    assert.ok(text.includes(`${a}/.pxe-import/versions/demo/${va} `), "root A's line survived root B's import");
    assert.ok(text.includes(`${b}/.pxe-import/versions/demo/${vb} `));
    assert.equal((await runCli(['remove', 'demo', '--root', a])).code, 0);
    const after = await readFile(exportsFile);
    assert.ok(!after.includes(`${a}/`), "root A's lines are gone");
    assert.ok(after.includes(`${b}/.pxe-import/versions/demo/${vb} `), "root B's line stays");
    assert.ok(after.subarray(0, user.length).equals(user));
  });
});

describe('small things users hit', () => {
  test('list --root with a typo says there is no PXE root there (exit 2), not "no imports"', async () => {
    const { dir } = await fresh();
    const r = await runCli(['list', '--root', join(dir, 'typo')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pxe-import: .*\/typo: no PXE root here \(no such directory\)$/m);
  });

  test('init with a --sysroot that does not exist is refused (exit 2)', async () => {
    const { root, exportsFile } = await fresh();
    const r = await runCli(['init', '--root', root, '--exports-file', exportsFile, '--sysroot', join(root, '..', 'nope')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--sysroot: .*\/nope is not a directory/);
    assert.ok(!existsSync(root));
  });

  test('init does not need a writable exports file: it exports nothing', async () => {
    const { dir, root } = await fresh();
    const sysroot = join(dir, 'sysroot');
    await mkdir(sysroot);
    const r = await runCli(['init', '--root', root, '--exports-file', join(dir, 'no/such/dir/x.exports'), '--sysroot', sysroot]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(root, 'pxelinux.cfg/default')));
  });
});

describe('an exports file that is a symlink', () => {
  test('is updated through the link (the link stays); a dangling one is refused before anything is committed', async () => {
    const { dir, root, state } = await fresh();
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc/real.exports'), '/srv/user *(ro)\n');
    await symlink('etc/real.exports', join(dir, 'link.exports'));
    const r = await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', join(dir, 'link.exports'), ...net]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readlink(join(dir, 'link.exports')), 'etc/real.exports');
    assert.match(await readFile(join(dir, 'etc/real.exports'), 'utf8'), /^\/srv\/user \*\(ro\)\n.*# pxe-import demo /s);
    const before = await readFile(state, 'utf8');
    await symlink('etc/missing.exports', join(dir, 'dangling.exports'));
    const d = await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', join(dir, 'dangling.exports')]);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /dangling\.exports: is a symbolic link to etc\/missing\.exports, which does not lead to a file; fix or remove the link/);
    assert.equal(await readFile(state, 'utf8'), before, 'nothing was committed');
    assert.equal(await readlink(join(dir, 'dangling.exports')), 'etc/missing.exports');
  });
});
