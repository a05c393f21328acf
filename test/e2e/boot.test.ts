/**
 * Real boots of the casper e2e ISO: QEMU (BIOS and UEFI, TCG) PXE-boots over its built-in TFTP
 * server from the PXE root pxe-import wrote. pxelinux, GRUB or iPXE shows the generated menu,
 * the timeout boots the default entry, a real Debian kernel starts the test initrd
 * (fixtures/e2e), and the command line the kernel received is compared with what pxe-import
 * recorded for that entry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BIOS, BIOS_SKIP, UEFI_SKIP, boot, importForBoot, installGrubnet, installPxelinux, kernelCmdline, tail, uefi,
} from './harness.js';

describe('BIOS: pxelinux + vesamenu over TFTP, real kernel', { skip: BIOS_SKIP }, () => {
  test('the menu pxe-import wrote is shown, its timeout boots the default entry, and the kernel gets the recorded command line', async () => {
    const { root, tree, byLabel, defaultEntry: entry } = await importForBoot({ settings: { serialConsole: '0 115200' } });
    await installPxelinux(root);

    const log = await boot(root, BIOS);
    assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}`);
    assert.match(log, /Automatic boot in/, 'the timeout counted down');
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    const cmdline = kernelCmdline(log);
    // pxelinux adds BOOT_IMAGE= before and initrd= after the APPEND line; the rest is ours, verbatim.
    assert.equal(cmdline, `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
    assert.equal(entry.label, 'Try or Install Ubuntu');
    assert.match(entry.nfs, /^boot=casper netboot=nfs nfsroot=10\.0\.2\.2:\S+ ip=dhcp /);

    // Keystrokes: Enter opens the submenu, Down and Enter choose its second entry.
    const safe = byLabel('Ubuntu (safe graphics)');
    const chosen = await boot(root, BIOS, { keys: [
      { when: /Automatic boot in/, send: '\r' },
      { when: /safe graphics/, send: '\x1b[B' },
      { when: /.+/, send: '\r' },
    ] });
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(kernelCmdline(chosen), `BOOT_IMAGE=${tree}/${safe.kernel} ${safe.nfs} initrd=${tree}/${safe.initrds[0]}`);
    assert.match(safe.nfs, / nomodeset /);
  });
});

describe('BIOS: iPXE (the NIC ROM) runs boot.ipxe over TFTP, real kernel', { skip: BIOS_SKIP }, () => {
  test("the script's timeout boots the default entry with its initrd named on the command line", async () => {
    const { root, defaultEntry: entry } = await importForBoot();
    // QEMU's NIC boot ROM is iPXE: handing it boot.ipxe runs the script pxe-import wrote.
    const log = await boot(root, { bootfile: 'boot.ipxe', args: [] });
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    // initrd=NAME comes first, as iPXE needs it under UEFI; the rest is ours, verbatim.
    assert.equal(kernelCmdline(log), `initrd=initrd ${entry.nfs}`);
  });
});

describe('UEFI: OVMF + grubnetx64 over TFTP, real kernel', { skip: UEFI_SKIP }, () => {
  test('GRUB reads the grub.cfg pxe-import wrote; the timeout and a keystroke-chosen entry boot with the recorded command lines', async () => {
    const { work, root, tree, byLabel } = await importForBoot({ settings: { serialConsole: '0 115200' } });
    // grubnetx64's built-in prefix reads grub/grub.cfg from the TFTP root: exactly where pxe-import writes it.
    await installGrubnet(root);
    const firmware = await uefi(work, 'grubnetx64.efi');

    const log = await boot(root, firmware);
    assert.match(log, /Boot from local disk/, `GRUB menu not on the serial console:\n${tail(log)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    const main = byLabel('Try or Install Ubuntu');
    // GRUB adds BOOT_IMAGE= (and, unlike pxelinux, no initrd=); the rest is ours, verbatim.
    assert.equal(kernelCmdline(log), `BOOT_IMAGE=/${tree}/${main.kernel} ${main.nfs}`);

    const safe = byLabel('Ubuntu (safe graphics)');
    const chosen = await boot(root, firmware, { keys: [
      { when: /automatically in/, send: '\r' },
      { when: /safe graphics/, send: '\x1b[B' },
      { when: /.+/, send: '\r' },
    ] });
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(kernelCmdline(chosen), `BOOT_IMAGE=/${tree}/${safe.kernel} ${safe.nfs}`);
  });
});
