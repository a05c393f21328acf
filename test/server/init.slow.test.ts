/**
 * `pxe-import init` on a temporary root, with the system's boot-loader files found under a
 * prepared --sysroot (Debian and Fedora paths): copies, idempotence, refusal of a different
 * file, --force, missing files named with their package, and starter menus later imports update.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { LOADER_FILES } from '../../src/loaders/catalogue.js';

let work: string;
before(async () => {
  work = await tempDir('pxe-import-init-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fake system: each file under SYSROOT/<path> holds "<path>\n", so copies can be traced to their source. */
async function sysroot(name: string, paths: readonly string[]): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const p of paths) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), `${p}\n`);
  }
  return dir;
}

const SYSTEM_SKIP = requirement(
  'boot-loader packages',
  LOADER_FILES.every((f) => f.optional || f.sources.some((s) => existsSync(s.path))),
  'boot-loader packages missing (pxelinux syslinux-common syslinux-efi grub-efi-amd64-signed ipxe); skipping the test on this system\'s own files',
);

const debianPaths = LOADER_FILES.map((f) => f.sources.find((s) => s.distro === 'debian')!.path);

interface JsonResult {
  loaders: { name: string; action: string; from?: string; install?: string }[];
  changed: string[];
}

async function init(root: string, sys: string, ...more: string[]) {
  return runCli(['init', '--root', root, '--exports-file', join(root, '..', `${root.split('/').pop()}.exports`), '--sysroot', sys, ...more]);
}
async function initJson(root: string, sys: string, ...more: string[]): Promise<JsonResult> {
  const r = await init(root, sys, '--json', ...more);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonResult;
}

describe('pxe-import init', () => {
  test('copies every file from the Debian locations and writes starter menus; a second run changes nothing', async () => {
    const sys = await sysroot('debian', debianPaths);
    const root = join(work, 'root1');
    const first = await initJson(root, sys);
    for (const f of LOADER_FILES) {
      const src = f.sources.find((s) => s.distro === 'debian')!.path;
      assert.equal(await readFile(join(root, f.name), 'utf8'), `${src}\n`, f.name);
      assert.equal(first.loaders.find((l) => l.name === f.name)?.action, 'copied');
    }
    // shim loads grubx64.efi: the netboot GRUB is there under that name too.
    assert.equal(await readFile(join(root, 'grubx64.efi'), 'utf8'), await readFile(join(root, 'grubnetx64.efi'), 'utf8'));
    for (const menu of ['pxelinux.cfg/default', 'grub/grub.cfg', 'boot.ipxe']) {
      const text = await readFile(join(root, menu), 'utf8');
      assert.match(text, /pxe-import/, menu);
      assert.match(text, /local/i, `${menu}: the starter menu offers the local disk`);
    }
    assert.ok(existsSync(join(root, '.pxe-import/state.json')));
    assert.ok(!existsSync(join(work, 'root1.exports')), 'no exports file for an empty root');

    const second = await initJson(root, sys);
    assert.deepEqual(second.changed, []);
    assert.ok(second.loaders.every((l) => l.action === 'unchanged'));
    const text = await init(root, sys);
    assert.match(text.stdout, /already prepared, nothing changed/);
  });

  test('a different existing file is refused (one line, exit 2, nothing written) and replaced with --force', async () => {
    const sys = await sysroot('debian2', debianPaths);
    const root = join(work, 'root2');
    await initJson(root, sys);
    await writeFile(join(root, 'pxelinux.0'), 'the admin\'s own pxelinux\n');
    await writeFile(join(sys, 'usr/lib/ipxe/undionly.kpxe'), 'a newer undionly\n');
    const refused = await init(root, sys);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /root2\/pxelinux\.0: exists and differs from this system's copy \(and 1 more: undionly\.kpxe\); pass --force to replace it/);
    assert.equal(await readFile(join(root, 'pxelinux.0'), 'utf8'), "the admin's own pxelinux\n");
    assert.equal(await readFile(join(root, 'undionly.kpxe'), 'utf8'), '/usr/lib/ipxe/undionly.kpxe\n', 'nothing written while any file is refused');

    const forced = await initJson(root, sys, '--force');
    assert.equal(forced.loaders.find((l) => l.name === 'pxelinux.0')?.action, 'replaced');
    assert.equal(forced.loaders.find((l) => l.name === 'undionly.kpxe')?.action, 'replaced');
    assert.equal(await readFile(join(root, 'pxelinux.0'), 'utf8'), '/usr/lib/PXELINUX/pxelinux.0\n');
    assert.equal(await readFile(join(root, 'undionly.kpxe'), 'utf8'), 'a newer undionly\n');
  });

  test('missing files are named with the package that provides them; optional shim files are skipped', async () => {
    const empty = await sysroot('empty', []);
    const root = join(work, 'root3');
    const r = await init(root, empty);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^missing +pxelinux\.0 .*install pxelinux \(Debian\/Ubuntu\) or syslinux-nonlinux \(Fedora\)$/m);
    assert.match(r.stdout, /^missing +grubnetx64\.efi .*install grub-efi-amd64-signed or grub-efi-amd64-bin \(Debian\/Ubuntu; not packaged for Fedora\)$/m);
    assert.match(r.stdout, /^missing +undionly\.kpxe .*install ipxe \(Debian\/Ubuntu\) or ipxe-bootimgs-x86 \(Fedora\)$/m);
    assert.match(r.stdout, /^skipped +bootx64\.efi +optional, .*install shim-signed \(Debian\/Ubuntu\) or shim-x64 \(Fedora\)$/m);
    // The menus are written anyway: the root is ready once the packages are installed and init re-run.
    assert.ok(existsSync(join(root, 'pxelinux.cfg/default')));
  });

  test('Fedora locations are found, and the unsigned GRUB when the signed one is absent', async () => {
    const fedora = LOADER_FILES.flatMap((f) => f.sources.filter((s) => s.distro === 'fedora').map((s) => s.path));
    const sys = await sysroot('fedora', [...fedora, '/usr/lib/grub/x86_64-efi/monolithic/grubnetx64.efi']);
    const root = join(work, 'root4');
    const result = await initJson(root, sys);
    assert.equal(await readFile(join(root, 'snponly.efi'), 'utf8'), '/usr/share/ipxe/ipxe-snponly-x86_64.efi\n');
    assert.equal(await readFile(join(root, 'pxelinux.0'), 'utf8'), '/usr/share/syslinux/pxelinux.0\n');
    assert.equal(await readFile(join(root, 'grubnetx64.efi'), 'utf8'), '/usr/lib/grub/x86_64-efi/monolithic/grubnetx64.efi\n');
    assert.deepEqual(result.loaders.filter((l) => l.action !== 'copied').map((l) => l.name), []);
  });

  test('a hand-written menu is left alone; pxe-import writes its part beside it', async () => {
    const sys = await sysroot('debian5', debianPaths);
    const root = join(work, 'root5');
    await mkdir(join(root, 'pxelinux.cfg'), { recursive: true });
    await writeFile(join(root, 'pxelinux.cfg/default'), 'DEFAULT mine\nLABEL mine\n  LOCALBOOT 0\n');
    const r = await init(root, sys);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), 'DEFAULT mine\nLABEL mine\n  LOCALBOOT 0\n');
    assert.ok(existsSync(join(root, 'pxelinux.cfg/pxe-import.menu')));
    assert.match(r.stdout, /note: .*pxelinux\.cfg\/default was not written by pxe-import and is left alone; add this line to it: INCLUDE pxelinux\.cfg\/pxe-import\.menu/);
  });

  test("this system's own files: every non-optional file is found (the packages .ci/run installs)", { skip: SYSTEM_SKIP }, async () => {
    const root = join(work, 'root6');
    const result = await initJson(root, '/');
    const missing = result.loaders.filter((l) => l.action === 'missing');
    assert.deepEqual(missing.map((l) => `${l.name}: ${l.install}`), []);
  });
});
