/**
 * Per-host assignments booted for real: a machine whose MAC is assigned to an entry
 * (`pxe-import host add MAC --entry … --append …`) boots it at once, without a menu, with the
 * extra arguments on its kernel command line; any other MAC gets the menu. Under BIOS pxelinux
 * (pxelinux.cfg/01-MAC), iPXE (boot.ipxe chaining hosts/MAC.ipxe) and UEFI GRUB (grub.cfg
 * dispatching to grub/grub.cfg-01-MAC).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import {
  BIOS, BIOS_SKIP, UEFI_SKIP, boot, importForBoot, installGrubnet, installPxelinux, kernelCmdline, tail, uefi,
} from './harness.js';

const ASSIGNED = '52:54:00:12:34:56';
const OTHER = '52:54:00:ab:cd:ef';
const EXTRA = 'pxetest.extra=1 auto=true';

/**
 * The entry's recorded command line with EXTRA before its `---`: arguments after it are for the
 * installed system, a machine's extras for the installer.
 */
function withExtra(line: string): string {
  assert.match(line, / ---$/, 'the casper entry ends with ---, so the placement is tested');
  return line.replace(/ ---$/, ` ${EXTRA} ---`);
}

/** The casper e2e ISO imported with a 2-second menu whose default is the safe-graphics entry, and ASSIGNED given the main entry plus EXTRA. */
async function setup() {
  const imp = await importForBoot({ settings: { serialConsole: '0 115200', defaultEntry: 'ubuntu/ubuntu-safe-graphics' } });
  const r = await runCli(['host', 'add', ASSIGNED.toUpperCase().replace(/:/g, '-'), '--entry', 'ubuntu/try-or-install-ubuntu', '--append', EXTRA, ...imp.common]);
  assert.equal(r.code, 0, r.stderr);
  return { ...imp, main: imp.byLabel('Try or Install Ubuntu'), safe: imp.byLabel('Ubuntu (safe graphics)') };
}

describe('per-host assignment, BIOS pxelinux', { skip: BIOS_SKIP }, () => {
  test('the assigned MAC boots its entry without a menu, with the extra arguments; another MAC gets the menu', async () => {
    const { root, tree, main, safe } = await setup();
    await installPxelinux(root);

    const log = await boot(root, BIOS, { mac: ASSIGNED });
    assert.match(log, /INITRD-OK/, `the assigned entry did not boot:\n${tail(log)}`);
    assert.doesNotMatch(log, /pxe-import e2e|Automatic boot in/, 'the assigned machine was shown the menu');
    // pxelinux adds BOOT_IMAGE= before and initrd= after the APPEND line; between them the entry's
    // recorded command line and the host's extra arguments.
    assert.equal(kernelCmdline(log), `BOOT_IMAGE=${tree}/${main.kernel} ${withExtra(main.nfs)} initrd=${tree}/${main.initrds[0]}`);

    const other = await boot(root, BIOS, { mac: OTHER });
    assert.match(other, /pxe-import e2e/, `the other machine did not get the menu:\n${tail(other)}`);
    assert.match(other, /Automatic boot in/);
    assert.match(other, /INITRD-OK/, `the menu's default did not boot:\n${tail(other)}`);
    assert.equal(kernelCmdline(other), `BOOT_IMAGE=${tree}/${safe.kernel} ${safe.nfs} initrd=${tree}/${safe.initrds[0]}`);
  });
});

describe('per-host assignment, iPXE', { skip: BIOS_SKIP }, () => {
  test('boot.ipxe chains the assigned MAC to its own script; another MAC gets the menu', async () => {
    const { root, main, safe } = await setup();
    const ipxe = { bootfile: 'boot.ipxe', args: [] };

    // QEMU's BIOS iPXE draws on the screen only, so which script ran shows in what booted: the
    // menu's timeout boots the safe-graphics default, the host script the main entry plus EXTRA.
    const log = await boot(root, ipxe, { mac: ASSIGNED });
    assert.match(log, /INITRD-OK/, `the assigned entry did not boot:\n${tail(log)}`);
    assert.equal(kernelCmdline(log), `initrd=initrd ${withExtra(main.nfs)}`);

    const other = await boot(root, ipxe, { mac: OTHER });
    assert.match(other, /INITRD-OK/, `the menu's default did not boot:\n${tail(other)}`);
    assert.equal(kernelCmdline(other), `initrd=initrd ${safe.nfs}`);
  });
});

describe('per-host assignment, UEFI GRUB', { skip: UEFI_SKIP }, () => {
  test('grub.cfg sends the assigned MAC to its own file; another MAC gets the menu', async () => {
    const { work, root, tree, main, safe } = await setup();
    await installGrubnet(root);

    const log = await boot(root, await uefi(work, 'grubnetx64.efi'), { mac: ASSIGNED });
    assert.match(log, /INITRD-OK/, `the assigned entry did not boot:\n${tail(log)}`);
    assert.doesNotMatch(log, /Boot from local disk/, 'the assigned machine was shown the menu');
    assert.equal(kernelCmdline(log), `BOOT_IMAGE=/${tree}/${main.kernel} ${withExtra(main.nfs)}`);

    const other = await boot(root, await uefi(work, 'grubnetx64.efi'), { mac: OTHER });
    assert.match(other, /Boot from local disk/, `the other machine did not get the menu:\n${tail(other)}`);
    assert.match(other, /INITRD-OK/, `the menu's default did not boot:\n${tail(other)}`);
    assert.equal(kernelCmdline(other), `BOOT_IMAGE=/${tree}/${safe.kernel} ${safe.nfs}`);
  });
});
