/**
 * The import pipeline end to end through the real CLI, into temporary PXE roots:
 * trees, menus and exports; unchanged re-runs; new versions beside old ones;
 * crashes at every step; concurrent runs; hand-written menus; bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';
import { FAILPOINTS } from '../../src/import/failpoint.js';
import { assertServedWhole, newRelease, runLeftovers, servedFiles, snapshotOutsideTrees, stableVersions } from '../helpers/pxe-root.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const VERSION = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
/** The failpoints before state.json names the new version: nothing may have switched there. */
const BEFORE_COMMIT: readonly string[] = ['after-lock', 'after-extract', 'commit'];

let work: string;
let counter = 0;

/** A fresh PXE root and exports file, and a function running the CLI against them. */
async function pxeRoot() {
  const dir = join(work, `root-${++counter}`);
  await mkdir(dir);
  const root = join(dir, 'pxe');
  const exportsFile = join(dir, 'exports.d', 'pxe-import.exports');
  await mkdir(join(dir, 'exports.d'));
  const rootArgs = ['--root', root, '--exports-file', exportsFile];
  // list and remove take only the root options; imports also need to know the network.
  const serveArgs = ['--server', '192.0.2.10', '--clients', '192.0.2.0/24'];
  const cli = (args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> =>
    runCli([...args, ...rootArgs, ...(args[0] === 'list' || args[0] === 'remove' ? [] : serveArgs)], { env, timeoutMs: 120_000 });
  return { dir, root, exportsFile, cli };
}

/** A copy of the demo ISO with a different volume id: a "new release" of the same image. */
function changedDemo(n: number): Promise<string> {
  return newRelease(demo, join(work, `demo-v${n}.iso`), n);
}

before(async () => {
  work = await tempDir('pxe-import-import-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('pxe-import IMAGE --as NAME', () => {
  test('imports the demo ISO: versioned tree, stable link, state, menus and exports', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    const r = await cli([demo, '--as', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    const version = (await readlink(join(root, 'demo'))).split('/').pop()!;
    assert.match(version, VERSION);
    assert.equal(await readlink(join(root, 'demo')), `.pxe-import/versions/demo/${version}`);
    assert.ok(existsSync(join(root, 'demo/.disk/info')), 'dot-directories are copied');
    assert.equal(await readlink(join(root, 'demo/ubuntu')), '.');
    const state = JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8'));
    assert.equal(state.imports.demo.version, version);
    assert.equal(state.imports.demo.profile.id, 'casper');
    assert.equal(
      state.imports.demo.entries[0].nfs,
      `boot=casper netboot=nfs nfsroot=192.0.2.10:${root}/.pxe-import/versions/demo/${version} ip=dhcp file=/cdrom/preseed/demo.seed maybe-ubiquity quiet splash ---`,
    );
    const exportsText = await readFile(exportsFile, 'utf8');
    assert.equal(exportsText, `${root}/.pxe-import/versions/demo/${version} 192.0.2.0/24(ro,no_subtree_check,no_root_squash,insecure,async) # pxe-import demo ${version}\n`);
    const pxelinux = await readFile(join(root, 'pxelinux.cfg/default'), 'utf8');
    assert.match(pxelinux, new RegExp(`\\.pxe-import/versions/demo/${version}/casper/vmlinuz`));
    assert.ok(existsSync(join(root, 'grub/grub.cfg')));
    assert.match(await readFile(join(root, 'boot.ipxe'), 'utf8'), /^#!ipxe/);
  });

  test('an unchanged re-run is skipped and touches no file', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
    const before = await snapshotOutsideTrees(root, [exportsFile]);
    const r = await cli([demo, '--as', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /demo: unchanged, version \S+, 2 boot entries; 0 file\(s\) changed/);
    assert.deepEqual(await snapshotOutsideTrees(root, [exportsFile]), before);
  });

  test('an unchanged image re-run with new --clients or --server updates exports and menus, not the tree', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    const rootArgs = ['--root', root, '--exports-file', exportsFile];
    assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
    const list = async () => JSON.parse((await runCli(['list', '--json', ...rootArgs])).stdout)[0] as { version: string; entries: { nfs: string }[] };
    const first = await list();

    const clients = await runCli([demo, '--as', 'demo', ...rootArgs, '--server', '192.0.2.10', '--clients', '198.51.100.0/24']);
    assert.equal(clients.code, 0, clients.stderr);
    assert.match(await readFile(exportsFile, 'utf8'), /198\.51\.100\.0\/24\(/);
    assert.doesNotMatch(await readFile(exportsFile, 'utf8'), /192\.0\.2\.0\/24\(/);

    const server = await runCli([demo, '--as', 'demo', ...rootArgs, '--server', '192.0.2.99', '--clients', '198.51.100.0/24']);
    assert.equal(server.code, 0, server.stderr);
    const second = await list();
    assert.equal(second.version, first.version, 'the same tree is kept');
    assert.match(second.entries[0]!.nfs, /nfsroot=192\.0\.2\.99:/);
    assert.match(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /nfsroot=192\.0\.2\.99:/);
    assert.doesNotMatch(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /192\.0\.2\.10/);
  });

  test('planning again for a new --server keeps the profile the tree was laid out for', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    const rootArgs = ['--root', root, '--exports-file', exportsFile];
    assert.equal((await cli([demo, '--as', 'demo', '--profile', 'memdisk'])).code, 0);
    const r = await runCli([demo, '--as', 'demo', ...rootArgs, '--server', '192.0.2.99', '--clients', '192.0.2.0/24']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse((await runCli(['list', '--json', ...rootArgs])).stdout)[0] as { profile: { id: string } };
    assert.equal(record.profile.id, 'memdisk');
    assert.match(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /LINUX memdisk\n/);
  });

  test('a changed ISO becomes a new version; the old one stays complete and exported; retention removes the oldest', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
    const v1 = (await readlink(join(root, 'demo'))).split('/').pop()!;
    const v1Files = await readdir(join(root, '.pxe-import/versions/demo', v1), { recursive: true });
    assert.equal((await cli([await changedDemo(1), '--as', 'demo'])).code, 0);
    const v2 = (await readlink(join(root, 'demo'))).split('/').pop()!;
    assert.notEqual(v2, v1);
    assert.deepEqual(await readdir(join(root, '.pxe-import/versions/demo', v1), { recursive: true }), v1Files, 'the previous version is intact');
    const exportsText = await readFile(exportsFile, 'utf8');
    assert.ok(exportsText.includes(`# pxe-import demo ${v1}`) && exportsText.includes(`# pxe-import demo ${v2}`), exportsText);
    const pxelinux = await readFile(join(root, 'pxelinux.cfg/default'), 'utf8');
    assert.ok(pxelinux.includes(v2) && !pxelinux.includes(v1), 'menus name only the new version');
    // exportfs resolves symlinks when it loads its table, so every exported path is a real
    // directory with no symlink in it: switching the ROOT/demo link never moves an export.
    for (const line of exportsText.trim().split('\n')) {
      const path = line.split(' ')[0]!;
      assert.equal(await realpath(path), path, `${path} has no symlink in it`);
    }

    assert.equal((await cli([await changedDemo(2), '--as', 'demo'])).code, 0);
    const v3 = (await readlink(join(root, 'demo'))).split('/').pop()!;
    assert.deepEqual((await readdir(join(root, '.pxe-import/versions/demo'))).sort(), [v2, v3].sort(), 'retention 1 keeps one previous version');
    assert.ok(!(await readFile(exportsFile, 'utf8')).includes(v1));
  });

  test('lines the user added to the exports file are kept byte for byte', async () => {
    const { exportsFile, cli } = await pxeRoot();
    const mine = '# my own export\n/srv/other\t10.0.0.0/8(rw,sync)   # keep me\n';
    await writeFile(exportsFile, mine);
    assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
    assert.ok((await readFile(exportsFile, 'utf8')).startsWith(mine));
    assert.equal((await cli(['remove', 'demo'])).code, 0);
    assert.equal(await readFile(exportsFile, 'utf8'), mine);
  });

  test('a hand-written pxelinux.cfg/default is left alone; the menu goes beside it with a note', async () => {
    const { root, cli } = await pxeRoot();
    await mkdir(join(root, 'pxelinux.cfg'), { recursive: true });
    const mine = 'DEFAULT local\nLABEL local\n  LOCALBOOT 0\n';
    await writeFile(join(root, 'pxelinux.cfg/default'), mine);
    const r = await cli([demo, '--as', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), mine);
    assert.match(await readFile(join(root, 'pxelinux.cfg/pxe-import.menu'), 'utf8'), /casper\/vmlinuz/);
    assert.match(r.stdout, /add this line to it: INCLUDE pxelinux\.cfg\/pxe-import\.menu/);
  });

  test('--profile memdisk copies the ISO whole, boots it with memdisk, and exports nothing', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    const r = await cli([demo, '--as', 'whole', '--profile', 'memdisk']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /memdisk keeps the whole ISO in RAM/);
    assert.deepEqual(await readFile(join(root, 'whole/whole.iso')), await readFile(demo));
    const pxelinux = await readFile(join(root, 'pxelinux.cfg/default'), 'utf8');
    assert.match(pxelinux, /LINUX memdisk\n\s+INITRD \.pxe-import\/versions\/whole\/[^/]+\/whole\.iso\n\s+APPEND iso raw/);
    assert.equal(existsSync(exportsFile) ? await readFile(exportsFile, 'utf8') : '', '');
  });

  test('list and remove', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
    const list = await cli(['list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).map((r: { name: string }) => r.name), ['demo']);
    assert.equal((await cli(['remove', 'demo'])).code, 0);
    assert.ok(!existsSync(join(root, 'demo')));
    assert.deepEqual(await readdir(join(root, '.pxe-import/versions')).catch(() => []), []);
    assert.equal(await readFile(exportsFile, 'utf8'), '');
    assert.doesNotMatch(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), /casper/);
    const again = await cli(['remove', 'demo']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no import named "demo"/);
  });

  test('bad input: one line, non-zero exit, nothing changed', async () => {
    const { dir, root, cli } = await pxeRoot();
    const badName = await cli([demo, '--as', '../evil']);
    assert.equal(badName.code, 2);
    assert.equal(badName.stderr, 'pxe-import: --as: invalid name "../evil": use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit\n');
    for (const loader of ['efi64', 'undionly.kpxe', 'grubnetx64.efi', 'hosts']) {
      // Names `pxe-import init` or the menus write at the top of the root.
      const reserved = await cli([demo, '--as', loader]);
      assert.equal(reserved.code, 2, loader);
      assert.equal(reserved.stderr, `pxe-import: --as: "${loader}" is reserved for boot-loader files\n`);
    }
    const missing = await cli([join(dir, 'nope.iso'), '--as', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.iso: cannot open image: no such file\n$/);
    assert.ok(!existsSync(root), 'nothing was created');
    const notIso = await cli([join(REPO_ROOT, 'package.json'), '--as', 'x']);
    assert.equal(notIso.code, 1);
    assert.match(notIso.stderr, /package\.json: not a valid ISO9660 image: file is only \d+ bytes/);
    assert.ok(!existsSync(root), 'nothing was created');
    await writeFile(join(dir, 'a-file'), '');
    const unwritable = await runCli([demo, '--as', 'x', '--root', join(dir, 'a-file', 'pxe'), '--exports-file', join(dir, 'e'), '--server', '192.0.2.10', '--clients', '*']);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /a-file\/pxe: a part of the path is not a directory \(ENOTDIR\)\n$/);
    const unrecognised = await cli([join(REPO_ROOT, 'fixtures/out/eltorito.iso'), '--as', 'x']);
    if (existsSync(join(REPO_ROOT, 'fixtures/out/eltorito.iso'))) {
      assert.equal(unrecognised.code, 1);
      // The plain (non-terminal) renderer prefixes each line of the message with "[FAILED] time".
      assert.match(unrecognised.stderr, /eltorito\.iso: no profile recognises this ISO; use --profile memdisk [^\n]* Looked for:\n(?:.*\n)*.*alpine: no \/apks/);
      assert.match(unrecognised.stderr, /or --profile sanboot \(iPXE reads the whole ISO over HTTP; needs --http-base\)/);
      assert.ok(!existsSync(root), 'a failed first import leaves no root behind');
    }
    const unknownProfile = await cli([demo, '--as', 'x', '--profile', 'nope']);
    assert.equal(unknownProfile.code, 2);
    assert.match(unknownProfile.stderr, /--profile: no profile "nope" \(known: /);
  });

  test('--dry-run shows the plan and writes nothing', async () => {
    const { root, cli } = await pxeRoot();
    const r = await cli([demo, '--as', 'demo', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /demo: would import as version \S+ into /);
    assert.match(r.stdout, /nfsroot=192\.0\.2\.10:/);
    assert.ok(!existsSync(join(root, '.pxe-import')));
  });

  test('two concurrent runs never interleave: the second waits with --wait, or exits 75 without it', async () => {
    const { root, cli } = await pxeRoot();
    await mkdir(join(root, '.pxe-import'), { recursive: true });
    // Hold the lock as a live process would.
    const holder = spawn('sleep', ['30']);
    await writeFile(join(root, '.pxe-import/lock'), `${holder.pid}\n`);
    try {
      const busy = await cli([demo, '--as', 'demo']);
      assert.equal(busy.code, 75);
      assert.match(busy.stderr, /another pxe-import run \(pid \d+\) is working on this PXE root; retry later or pass --wait SECONDS/);
      const waiting = cli([demo, '--as', 'demo', '--wait', '20']);
      await new Promise((r) => setTimeout(r, 500));
      holder.kill();
      const r = await waiting;
      assert.equal(r.code, 0, r.stderr);
    } finally {
      holder.kill();
    }
    // Two real runs at once on different names: both complete, state has both.
    const [a, b] = await Promise.all([cli([demo, '--as', 'one', '--wait', '60']), cli([await changedDemo(7), '--as', 'two', '--wait', '60'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const state = JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.imports).sort(), ['demo', 'one', 'two']);
  });

  for (const point of FAILPOINTS) {
    test(`killed with SIGKILL ${point}: the previous version is still served, and a re-run completes`, async () => {
      const { root, exportsFile, cli } = await pxeRoot();
      assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
      const v1 = (await readlink(join(root, 'demo'))).split('/').pop()!;
      const v2iso = await changedDemo(3);
      const killed = await cli([v2iso, '--as', 'demo'], { PXE_IMPORT_FAILPOINT: point });
      assert.equal(killed.code, null, 'the run was killed');
      const served = await assertServedWhole(root, exportsFile, 'demo', v1);
      if (BEFORE_COMMIT.includes(point)) assert.equal(served, v1, 'nothing switched before the state was committed');
      if (point === 'after-exports' || point === 'after-menus') {
        // Killed in this import's own switch, not in the repair that opens every run.
        const committed = JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8')).imports.demo.version as string;
        assert.notEqual(committed, v1, 'the state names the new version');
        assert.ok((await readFile(exportsFile, 'utf8')).includes(`demo ${committed}`), 'the new version is exported');
      }
      const r = await cli([v2iso, '--as', 'demo']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await runLeftovers(root), [], 'the next run removed what the kill left (lock, staging trees)');
      const now = (await readlink(join(root, 'demo'))).split('/').pop()!;
      assert.notEqual(now, v1);
      assert.ok((await readFile(join(root, 'pxelinux.cfg/default'), 'utf8')).includes(now));
      const versions = await readdir(join(root, '.pxe-import/versions/demo'));
      assert.ok(versions.every((v) => VERSION.test(v)), `no leftovers: ${versions.join(', ')}`);
      assert.ok(versions.length <= 2);
    });
  }

  for (const point of FAILPOINTS) {
    test(`ENOSPC ${point}: exit 1, one line naming the file, the lock released, every version served before still served`, async () => {
      const { root, exportsFile, cli } = await pxeRoot();
      assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
      const v1 = (await readlink(join(root, 'demo'))).split('/').pop()!;
      const before = await servedFiles(root, exportsFile);
      await new Promise((r) => setTimeout(r, 1100));
      const v2iso = await changedDemo(4);
      const failed = await cli([v2iso, '--as', 'demo'], { PXE_IMPORT_FAILPOINT: `${point}:ENOSPC` });
      assert.equal(failed.code, 1, failed.stderr);
      const lines = failed.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, failed.stderr);
      // The plain renderer's "[FAILED] time" prefix, then the file and the reason.
      assert.match(lines[0]!, /\s\/\S+: cannot write: no space left on device \(ENOSPC\)$/);
      assert.deepEqual(await runLeftovers(root), [], 'no lock, no staging tree');
      await assertServedWhole(root, exportsFile, 'demo', v1);
      const state = JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8'));
      if (BEFORE_COMMIT.includes(point)) {
        assert.equal(state.imports.demo.version, v1, 'nothing was committed');
        assert.deepEqual(await readdir(join(root, '.pxe-import/versions/demo')), [v1], 'the version it could not commit is gone');
        assert.deepEqual(await servedFiles(root, exportsFile), before, 'link, menus and exports are as before');
      }
      const r = await cli([v2iso, '--as', 'demo']);
      assert.equal(r.code, 0, r.stderr);
      const now = (await readlink(join(root, 'demo'))).split('/').pop()!;
      assert.notEqual(now, v1);
      const versions = await readdir(join(root, '.pxe-import/versions/demo'));
      assert.ok(versions.every((v) => VERSION.test(v)) && versions.length <= 2, versions.join(', '));
    });
  }

  test('sync imports a folder, re-imports only what changed, and --prune removes what is gone', async () => {
    const { dir, root, cli } = await pxeRoot();
    const isos = join(dir, 'isos');
    await mkdir(isos);
    await writeFile(join(isos, 'Demo Live.iso'), await readFile(demo));
    await writeFile(join(isos, 'other.iso'), await readFile(await changedDemo(5)));
    const first = await cli(['sync', isos]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /demo-live: imported/);
    assert.match(first.stdout, /other: imported/);
    const second = await cli(['sync', isos]);
    assert.match(second.stdout, /demo-live: unchanged/);
    assert.match(second.stdout, /other: unchanged/);
    await rm(join(isos, 'other.iso'));
    const pruned = await cli(['sync', isos, '--prune']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /other: removed \(its ISO is gone\)/);
    const state = JSON.parse(await readFile(join(root, '.pxe-import/state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.imports), ['demo-live']);
    // A mapping file names the images instead.
    await writeFile(join(isos, 'pxe-import.map'), '# file name\nDemo\\ Live.iso x\n');
    const bad = await cli(['sync', isos]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /pxe-import\.map:2: expected "FILE\.iso NAME"/);
  });

  test('menus and exports are byte-identical for the same state (golden files)', async () => {
    const { root, exportsFile, cli } = await pxeRoot();
    assert.equal((await cli([demo, '--as', 'demo', '--label', 'Demo live'])).code, 0);
    const files = {
      'pxelinux.cfg': await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'),
      'grub.cfg': await readFile(join(root, 'grub/grub.cfg'), 'utf8'),
      'boot.ipxe': await readFile(join(root, 'boot.ipxe'), 'utf8'),
      exports: await readFile(exportsFile, 'utf8'),
    };
    for (const [name, text] of Object.entries(files)) {
      const golden = join(REPO_ROOT, 'test/import/golden', `demo.${name}`);
      const stable = stableVersions(text).split(root).join('/ROOT');
      if (process.env.UPDATE_GOLDEN === '1') await writeFile(golden, stable);
      assert.equal(stable, await readFile(golden, 'utf8'), `${name} differs from ${golden}`);
    }
  });

  test(
    'the real exportfs accepts the generated exports file',
    { skip: requirement('exportfs', hasCommand('exportfs') && hasCommand('unshare') && process.getuid?.() === 0, 'exportfs/unshare not available or not root; skipping') },
    async () => {
      const { exportsFile, cli } = await pxeRoot();
      assert.equal((await cli([demo, '--as', 'demo'])).code, 0);
      const empty = join(work, `nfs-state-${counter}`);
      await mkdir(empty);
      const r = spawnSync('unshare', ['-m', '-n', 'sh', '-c', `mount --bind '${exportsFile}' /etc/exports && mount --bind '${empty}' /var/lib/nfs && exportfs -ra && exportfs -v`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\.pxe-import\/versions\/demo\/\S+\s+192\.0\.2\.0\/24\(/);
    },
  );
});
