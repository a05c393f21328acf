/**
 * NFS root for real: pxe-import imports a casper ISO, nfs-ganesha (in private namespaces, see
 * ganesha.ts) serves exactly the exports file pxe-import wrote, and QEMU's iPXE ROM runs the
 * generated boot.ipxe (pxelinux's menu too, in the first test). The test initrd mounts the nfsroot= the entry names and prints the marker
 * file the ISO carried (fixtures/e2e/nfs.sh builds three versions of the ISO).
 *
 * Then the case the import's design is about: a client keeps running from version 1 while
 * version 2 is imported beside it and the server re-reads its exports; the running client still
 * reads version 1's files, and a new boot gets version 2.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { requirement } from '../helpers/requirements.js';
import { GANESHA_SKIP, ganeshaExports, startGanesha, type GaneshaServer } from './ganesha.js';
import { BIOS, BIOS_SKIP, E2E, importForBoot, installPxelinux, kernelCmdline, pxeArgs, startVm, tail, type Firmware, type Vm } from './harness.js';

const iso = (version: number) => join(E2E, `ubuntu-nfs-v${version}.iso`);
const SKIP =
  BIOS_SKIP ||
  GANESHA_SKIP ||
  requirement('NFS boot-test ISOs', [1, 2, 3].every((v) => existsSync(iso(v))), 'fixtures/out/e2e/ubuntu-nfs-v*.iso missing (bash fixtures/e2e/nfs.sh); skipping');

/** QEMU's NIC boot ROM is iPXE: handing it boot.ipxe runs the script pxe-import wrote. */
const IPXE: Firmware = { bootfile: 'boot.ipxe', args: [] };
const HOLD = 'Ubuntu (hold shell)';

/** The path after nfsroot=SERVER: in a recorded command line. */
function nfsRoot(cmdline: string): string {
  const m = /(?:^| )nfsroot=10\.0\.2\.2:(\S+)/.exec(cmdline);
  assert.ok(m, `no nfsroot=10.0.2.2:… in ${cmdline}`);
  return m[1]!;
}

/** Paths the exports file names, through the same parser the ganesha config is made with. */
async function exportedPaths(file: string): Promise<string[]> {
  return ganeshaExports(await readFile(file, 'utf8'), file).map((e) => e.path).sort();
}

const md5 = async (file: string) => createHash('md5').update(await readFile(file)).digest('hex');

/** Boots a client over PXE inside the server's network namespace; slirp maps 10.0.2.2 to its lo. */
function bootClient(server: GaneshaServer, root: string, timeoutMs: number): Vm {
  return startVm(pxeArgs(root, IPXE, { restrict: false }), { prefix: server.enter, timeoutMs });
}

/** The NFS part of a boot log: what was mounted and the marker read from it. */
function assertNfsBoot(log: string, nfsroot: string, marker: string): void {
  assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
  assert.match(log, /DHCP-OK/, `no DHCP lease:\n${tail(log)}`);
  const mounted = /NFS-MOUNT-(OK|FAILED) (\S+)/.exec(log);
  assert.equal(mounted?.[0], `NFS-MOUNT-OK 10.0.2.2:${nfsroot}`, `the nfsroot was not mounted:\n${tail(log)}`);
  assert.equal(/MARKER(?:-MISSING)?:? (.*?)\r?\n/.exec(log)?.[1], marker, `wrong or no marker:\n${tail(log)}`);
}

describe('NFS root served by nfs-ganesha from the exports file pxe-import wrote', { skip: SKIP }, () => {
  test('iPXE and pxelinux boot the default entry; the initrd mounts exactly the recorded nfsroot and reads the marker inside the ISO', async () => {
    const { work, root, tree, defaultEntry: entry } = await importForBoot({ iso: iso(1) });
    const exportsFile = join(work, 'exports');
    const nfsroot = nfsRoot(entry.nfs);
    // Menus name the version directory itself, and that is what is exported.
    assert.equal(nfsroot, join(root, tree));
    assert.deepEqual(await exportedPaths(exportsFile), [nfsroot]);

    const server = await startGanesha(work, exportsFile);
    try {
      assert.deepEqual(server.exported(), [nfsroot]);
      const client = bootClient(server, root, 240_000);
      const log = await client.exited;
      assert.ok(!client.killedAtLimit(), `the client did not power off within 240 s:\n${tail(log)}`);
      assert.equal(kernelCmdline(log), `initrd=initrd ${entry.nfs}`, `the kernel got another command line:\n${tail(log)}`);
      assertNfsBoot(log, nfsroot, 'pxe-import marker v1');

      // The same entry through pxelinux's APPEND line (BIOS).
      await installPxelinux(root);
      const bios = startVm(pxeArgs(root, BIOS, { restrict: false }), { prefix: server.enter, timeoutMs: 240_000 });
      const biosLog = await bios.exited;
      assert.ok(!bios.killedAtLimit(), `the pxelinux client did not power off within 240 s:\n${tail(biosLog)}`);
      assert.equal(kernelCmdline(biosLog), `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
      assertNfsBoot(biosLog, nfsroot, 'pxe-import marker v1');
    } finally {
      await server.stop();
    }
  });

  test('re-import under a running client: it keeps reading version 1 after the server reloads; a new boot gets version 2; a third import prunes version 1', { timeout: 1_200_000 }, async () => {
    // Version 1, booted into the entry that leaves a shell on the serial console.
    const first = await importForBoot({ iso: iso(1), settings: { defaultEntry: 'ubuntu/ubuntu-hold-shell' } });
    const { work, root } = first;
    const exportsFile = join(work, 'exports');
    const hold = first.byLabel(HOLD);
    const v1 = nfsRoot(hold.nfs);

    const server = await startGanesha(work, exportsFile);
    const running = bootClient(server, root, 900_000);
    try {
      await running.waitFor(/HOLD: shell on the serial console/, 240_000);
      assert.equal(kernelCmdline(running.log()), `initrd=initrd ${hold.nfs}`, 'the menu default set in the config did not boot');
      assertNfsBoot(running.log(), v1, 'pxe-import marker v1');
      const before = await running.shell('cat /mnt/pxe-e2e-marker.txt');
      assert.deepEqual(before, { status: 0, output: 'pxe-import marker v1' });

      // Version 2 into the same root while the client runs; the menu's default is the plain entry again.
      const second = await importForBoot({ iso: iso(2), work });
      assert.notEqual(second.record.version, first.record.version);
      const v2 = nfsRoot(second.defaultEntry.nfs);
      assert.equal(v2, join(root, second.tree));
      // Retention (default 1) keeps version 1's tree and its exports line.
      assert.ok(existsSync(join(v1, 'pxe-e2e-big.bin')), 'version 1 tree removed by the second import');
      assert.deepEqual(await exportedPaths(exportsFile), [v1, v2].sort());
      // The admin's step after an import: make the server re-read the exports (SIGHUP, as exportfs -ra).
      await server.reload();
      assert.deepEqual(server.exported(), [v1, v2].sort());

      // The running client still reads version 1, from the server rather than its page cache.
      const [v1Big, v2Big] = [await md5(join(v1, 'pxe-e2e-big.bin')), await md5(join(v2, 'pxe-e2e-big.bin'))];
      assert.notEqual(v1Big, v2Big);
      assert.equal((await running.shell('echo 3 > /proc/sys/vm/drop_caches')).status, 0);
      const after = await running.shell('cat /mnt/pxe-e2e-marker.txt && md5sum /mnt/pxe-e2e-big.bin', 120_000);
      assert.deepEqual(after, { status: 0, output: `pxe-import marker v1\n${v1Big}  /mnt/pxe-e2e-big.bin` });

      // A new boot gets version 2.
      const client = bootClient(server, root, 300_000);
      const fresh = await client.exited;
      assert.ok(!client.killedAtLimit(), `the new client did not power off within 300 s:\n${tail(fresh)}`);
      assert.equal(kernelCmdline(fresh), `initrd=initrd ${second.defaultEntry.nfs}`, `the kernel got another command line:\n${tail(fresh)}`);
      assertNfsBoot(fresh, v2, 'pxe-import marker v2');

      // A third import with retention 1 keeps version 2 and prunes version 1. pxe-import cannot know
      // that a client still runs from it: the tree and its export go, and that client's reads fail.
      const third = await importForBoot({ iso: iso(3), work });
      const v3 = nfsRoot(third.defaultEntry.nfs);
      assert.ok(!existsSync(v1), 'version 1 tree kept past retention');
      assert.ok(existsSync(join(v2, 'pxe-e2e-marker.txt')), 'version 2 tree removed');
      assert.deepEqual(await exportedPaths(exportsFile), [v2, v3].sort());
      await server.reload();
      assert.deepEqual(server.exported(), [v2, v3].sort());
      assert.equal((await running.shell('echo 3 > /proc/sys/vm/drop_caches')).status, 0);
      const pruned = await running.shell('cat /mnt/pxe-e2e-marker.txt', 120_000);
      assert.notEqual(pruned.status, 0, `the pruned version still reads: ${pruned.output}`);
      assert.match(pruned.output, /stale/i);

      running.type('poweroff -f\n');
      const off = await Promise.race([running.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000).unref())]);
      assert.ok(off !== undefined, `the held client did not power off within 60 s:\n${tail(running.log())}`);
    } finally {
      running.kill();
      await server.stop();
    }
  });
});
