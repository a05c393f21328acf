/**
 * Real boots against Linux's own NFS server: a server VM (Debian 12's kernel, nfs-kernel-server,
 * dnsmasq; fixtures/e2e/debian-live.sh) loads the exports file pxe-import wrote with `exportfs -ra`
 * and serves the PXE root over DHCP + TFTP; a client VM PXE-boots from it through a QEMU socket
 * network that stays on 127.0.0.1, with no NAT in between. The work folder holding the PXE root
 * and the exports file is the server's second disk, mounted at the same absolute path, so every
 * exported path and nfsroot= argument means there what it means on the host.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { EXPORT_OPTIONS } from '../../src/exports/index.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';
import { BIOS_SKIP, E2E, importForBoot, installPxelinux, kernelCmdline, runVm, startVm, tail, workDir, type Vm } from './harness.js';

const DEBIAN = join(E2E, 'debian');
const SERVER_IMG = join(DEBIAN, 'server.img');
const NFSD_ISO = join(E2E, 'nfsd-e2e.iso');
const LIVE_ISO = join(DEBIAN, 'debian-live-e2e.iso');
const CLIENT_MAC = '52:54:00:12:34:56';

const NFSD_SKIP = requirement(
  'kernel-nfsd boot-test fixtures',
  BIOS_SKIP === false && hasCommand('mkfs.ext4') && [SERVER_IMG, join(DEBIAN, 'vmlinuz'), join(DEBIAN, 'initrd.img'), NFSD_ISO, LIVE_ISO].every(existsSync),
  'kernel-nfsd boot tests need e2fsprogs and fixtures/out/e2e/debian (bash fixtures/e2e/debian-live.sh: root, debootstrap, squashfs-tools); skipping',
);

const run = promisify(execFile);

interface NfsdServer {
  readonly vm: Vm;
  /** `exportfs -s` inside the server after `exportfs -ra`: one "PATH CLIENT(OPTIONS)" line per export. */
  readonly exports: readonly string[];
}

/**
 * Boots the server VM on the socket network listening at 127.0.0.1:PORT, with WORK (the test's
 * folder: PXE root and exports file) as its second disk, and waits until it serves.
 */
async function startServer(work: string, root: string, port: number, options: { readonly shell?: boolean } = {}): Promise<NfsdServer> {
  // ext4 made from the folder itself: ownership, modes and the NAME symlinks as pxe-import left them.
  const disk = join(await workDir('pxe-import-nfsd-disk-'), 'data.img');
  const { stdout } = await run('du', ['-sm', work]);
  const mb = Number(stdout.split('\t')[0]) * 2 + 64;
  await run('mkfs.ext4', ['-q', '-F', '-d', work, disk, `${mb}M`]);
  const vm = startVm([
    '-kernel', join(DEBIAN, 'vmlinuz'), '-initrd', join(DEBIAN, 'initrd.img'),
    '-append', `root=/dev/vda rw console=ttyS0 quiet panic=-1 init=/pxetest-server-init pxetest.data=${work} pxetest.exports=${join(work, 'exports')} pxetest.tftp=${root}${options.shell ? ' pxetest.shell=1' : ''}`,
    '-drive', `file=${SERVER_IMG},format=raw,if=virtio,snapshot=on`,
    '-drive', `file=${disk},format=raw,if=virtio,snapshot=on`,
    '-netdev', `socket,id=n0,listen=127.0.0.1:${port}`, '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:aa:00:02',
  ], { timeoutMs: 900_000 });
  try {
    await vm.waitFor(/SERVER-READY/, 300_000);
  } catch (e) {
    vm.kill();
    throw e;
  }
  const log = vm.log();
  assert.match(log, /SERVER: exportfs -ra rc=0/, `exportfs -ra failed in the server:\n${tail(log)}`);
  assert.match(log, /SERVER: rpc\.nfsd rc=0/, `rpc.nfsd failed in the server:\n${tail(log)}`);
  const exports = [...log.matchAll(/^SERVER-EXPORTS: (.*?)\r?$/gm)].map((m) => m[1]!.trim());
  return { vm, exports };
}

/** PXE-boots a client VM from the server (BIOS, the NIC's PXE ROM) and returns its serial log. */
function bootClient(port: number, timeoutMs = 300_000): Promise<string> {
  return runVm(['-netdev', `socket,id=n0,connect=127.0.0.1:${port}`, '-device', `e1000,netdev=n0,mac=${CLIENT_MAC}`, '-boot', 'n'], { timeoutMs });
}

/** The export path of an entry's nfsroot=SERVER:PATH. */
const nfsPath = (nfs: string) => /nfsroot=10\.0\.2\.2:(\S+)/.exec(nfs)?.[1];

/** `exportfs -s` prints "PATH  CLIENT(OPTIONS)": the options the kernel got for PATH and CLIENT. */
function exportedOptions(exports: readonly string[], path: string, client: string): string[] | undefined {
  const line = exports.find((l) => l.startsWith(`${path} `) && l.includes(` ${client}(`));
  return line === undefined ? undefined : /\(([^)]*)\)/.exec(line.slice(path.length))?.[1]?.split(',');
}

describe('kernel nfsd: a server VM loads the exports file pxe-import wrote', { skip: NFSD_SKIP }, () => {
  test('exportfs -ra accepts it, the client in --clients mounts the recorded nfsroot and reads a file from inside the ISO', async () => {
    const { work, root, tree, defaultEntry: entry } = await importForBoot({ iso: NFSD_ISO, settings: { serialConsole: '0 115200' } });
    await installPxelinux(root);
    const path = nfsPath(entry.nfs);
    assert.equal(path, join(root, tree));
    const server = await startServer(work, root, 10140);
    try {
      // The kernel holds exactly the generated line: the path, --clients, and our options.
      const options = exportedOptions(server.exports, path!, '10.0.2.0/24');
      assert.ok(options, `the server does not export ${path} to 10.0.2.0/24:\n${server.exports.join('\n')}`);
      for (const o of EXPORT_OPTIONS) assert.ok(options.includes(o), `exportfs -s lacks ${o}: ${options.join(',')}`);

      const log = await bootClient(10140);
      assert.match(log, /INITRD-OK/, `the client did not boot from the server:\n${tail(log)}\n--- server:\n${tail(server.vm.log())}`);
      assert.equal(kernelCmdline(log), `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
      assert.match(log, /DHCP-OK 10\.0\.2\.1\d\d\//, 'the address came from the server\'s dnsmasq');
      assert.ok(log.includes(`NFS-MOUNT-OK 10.0.2.2:${path}`), `the recorded nfsroot did not mount:\n${tail(log)}\n--- server:\n${tail(server.vm.log())}`);
      assert.match(log, /MARKER: nfsd-e2e marker from inside the ISO/);
    } finally {
      server.vm.kill();
    }
  });

  test('a client outside --clients is refused by the kernel nfsd', async () => {
    // dnsmasq hands out 10.0.2.100-150: the client is not 10.0.2.200.
    const { work, root, tree, defaultEntry: entry } = await importForBoot({ iso: NFSD_ISO, args: ['--clients', '10.0.2.200/32'] });
    await installPxelinux(root);
    const path = nfsPath(entry.nfs)!;
    assert.equal(path, join(root, tree));
    // Apart from the client, the file is what pxe-import always writes.
    const text = await readFile(join(work, 'exports'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.equal(lines.length, 1, text);
    assert.match(lines[0]!, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+10\\.0\\.2\\.200/32\\(${EXPORT_OPTIONS.join(',')}\\)\\s+# pxe-import ubuntu `));

    const server = await startServer(work, root, 10141);
    try {
      const options = exportedOptions(server.exports, path, '10.0.2.200/32');
      assert.ok(options, `the server does not export ${path} to 10.0.2.200/32:\n${server.exports.join('\n')}`);
      assert.equal(exportedOptions(server.exports, path, '10.0.2.0/24'), undefined);

      const log = await bootClient(10141);
      assert.match(log, /INITRD-OK/, `the client did not boot from the server:\n${tail(log)}`);
      assert.ok(log.includes(`NFS-MOUNT-FAILED 10.0.2.2:${path}`), `the mount was not refused:\n${tail(log)}`);
      assert.doesNotMatch(log, /NFS-MOUNT-OK|MARKER:/);
      // rpc.mountd says why: the host is not in the export's client list.
      await server.vm.waitFor(/MOUNTD: .*refused mount request from 10\.0\.2\.1\d\d for \S+/, 30_000);
      assert.ok(server.vm.log().includes(`for ${path} `), `mountd refused another path:\n${tail(server.vm.log())}`);
    } finally {
      server.vm.kill();
    }
  });

  test('--reload run on the server: the running nfsd serves the new exports file to a client it refused before', async () => {
    const { work, root, common } = await importForBoot({ iso: NFSD_ISO, args: ['--clients', '10.0.2.200/32'] });
    await installPxelinux(root);
    // pxe-import itself, runnable in the server VM (Debian 12, like the host): node, the built CLI, its modules.
    const app = join(work, 'app');
    await cp(process.execPath, join(app, 'node'));
    for (const dir of ['dist/src', 'node_modules', 'profiles', 'package.json', ...(existsSync(join(REPO_ROOT, 'native/build')) ? ['native/build'] : [])]) {
      await cp(join(REPO_ROOT, dir), join(app, dir), { recursive: true });
    }
    await cp(NFSD_ISO, join(work, 'nfsd-e2e.iso'));

    const server = await startServer(work, root, 10143, { shell: true });
    try {
      assert.ok(server.exports.some((l) => l.includes(' 10.0.2.200/32(')), server.exports.join('\n'));
      // --force: a re-import of an unchanged image keeps its recorded clients otherwise.
      const imported = await server.vm.shell(
        `${app}/node ${app}/dist/src/cli/main.js ${join(work, 'nfsd-e2e.iso')} --as ubuntu ${common.join(' ')} --server 10.0.2.2 --clients 10.0.2.0/24 --force --reload --quiet 2>&1`,
        300_000,
      );
      assert.equal(imported.status, 0, imported.output);
      const listed = await server.vm.shell(`${app}/node ${app}/dist/src/cli/main.js list --json ${common.join(' ')}`, 120_000);
      const json = listed.output.slice(listed.output.indexOf('['), listed.output.lastIndexOf(']') + 1);
      const entry = (JSON.parse(json) as { name: string; entries: { nfs: string; isDefault: boolean }[] }[])
        .find((r) => r.name === 'ubuntu')!.entries.find((e) => e.isDefault)!;
      const path = nfsPath(entry.nfs)!;
      // The kernel's export table, without restarting anything: --reload ran exportfs -ra.
      const table = await server.vm.shell('exportfs -s');
      assert.ok(table.output.split('\n').some((l) => l.startsWith(`${path} `) && l.includes(' 10.0.2.0/24(')), `not exported to 10.0.2.0/24 after --reload:\n${table.output}`);

      const log = await bootClient(10143);
      assert.ok(log.includes(`NFS-MOUNT-OK 10.0.2.2:${path}`), `the new export did not mount:\n${tail(log)}\n--- server:\n${tail(server.vm.log())}`);
      assert.match(log, /MARKER: nfsd-e2e marker from inside the ISO/);
    } finally {
      server.vm.kill();
    }
  });
});

describe('a real Debian live system over NFS from the kernel nfsd', { skip: NFSD_SKIP }, () => {
  test('live-boot gets the recorded command line, mounts the squashfs from the nfsroot and runs its init', async () => {
    const inspected = await runCli(['inspect', '--json', LIVE_ISO]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal((JSON.parse(inspected.stdout) as { profile: { id: string } }).profile.id, 'live-boot');

    const { work, root, tree, defaultEntry: entry } = await importForBoot({ iso: LIVE_ISO, name: 'debian', settings: { serialConsole: '0 115200' } });
    await installPxelinux(root);
    assert.equal(entry.label, 'Live system (amd64)');
    const path = nfsPath(entry.nfs);
    assert.equal(path, join(root, tree));
    assert.match(entry.nfs, /^boot=live netboot=nfs nfsroot=10\.0\.2\.2:\S+ ip=dhcp components /);

    const server = await startServer(work, root, 10142);
    try {
      const log = await bootClient(10142, 420_000);
      const context = `${tail(log)}\n--- server:\n${tail(server.vm.log())}`;
      assert.match(log, /LIVE-ROOT-OK/, `the live system's own init did not run:\n${context}`);
      assert.equal(kernelCmdline(log), `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
      assert.match(log, /LIVE-MARKER: squashfs root of debian-live-e2e\.iso/);
      // live-boot mounted the export over NFS and the squashfs from it.
      const mounts = /ROOT-MOUNTS: (.*)/.exec(log)?.[1] ?? '';
      assert.ok(mounts.includes(`10.0.2.2:${path} /run/live/medium nfs`), `no NFS medium in: ${mounts}`);
      assert.match(mounts, /\/run\/live\/rootfs\/filesystem\.squashfs squashfs/);
    } finally {
      server.vm.kill();
    }
  });
});
