/**
 * Installer ISOs booted for real through the menus pxe-import writes.
 *
 * Proxmox VE: the fixture is Proxmox 8.2's layout and GRUB menu carrying the e2e kernel as
 * boot/linux26 and the test initrd as boot/initrd.img (fixtures/e2e/families.sh). The import writes
 * boot/initrd.img with the whole ISO appended as /proxmox.iso; booted under pxelinux (BIOS) and
 * GRUB (UEFI), the test initrd's /init must find /proxmox.iso with the imported ISO's size and MD5,
 * which is how Proxmox's installer finds its ISO on a network boot.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { requirement } from '../helpers/requirements.js';
import {
  BIOS, BIOS_SKIP, E2E, MAC, UEFI_SKIP, boot, importForBoot, installGrubnet, installPxelinux, kernelCmdline, predict,
  pxelinuxCmdline, tail, uefi,
} from './harness.js';

const PROXMOX = join(E2E, 'proxmox-e2e.iso');
const ISO_SKIP = requirement('Proxmox boot-test ISO', existsSync(PROXMOX), 'needs fixtures/out/e2e/proxmox-e2e.iso (bash fixtures/e2e/families.sh); skipping');

/** What the test initrd prints for /proxmox.iso, checked against the image that was imported. */
async function assertIsoFound(log: string): Promise<void> {
  assert.match(log, /INITRD-OK/, `the entry did not boot:\n${tail(log)}`);
  const m = /EMBEDDED-ISO: \/proxmox\.iso (\d+) ([0-9a-f]{32})/.exec(log);
  assert.ok(m, `/proxmox.iso is not in the initramfs:\n${tail(log)}`);
  assert.equal(Number(m[1]), (await stat(PROXMOX)).size);
  assert.equal(m[2], createHash('md5').update(await readFile(PROXMOX)).digest('hex'));
}

async function importProxmox() {
  const imported = await importForBoot({ iso: PROXMOX, name: 'proxmox', settings: { serialConsole: '0 115200' } });
  const profile = await predict(PROXMOX, imported.root, 'proxmox');
  assert.equal(profile.id, 'proxmox');
  const entry = profile.entries.find((e) => e.isDefault)!;
  assert.equal(entry.label, 'Install Proxmox VE (Graphical)');
  assert.deepEqual(entry.initrds, ['.pxe-import-initrd/boot/initrd.img']);
  // The combined initrd starts with the ISO's own initrd, byte for byte.
  const own = await readFile(join(imported.root, imported.tree, 'boot/initrd.img'));
  const combined = await readFile(join(imported.root, imported.tree, entry.initrds[0]!));
  assert.ok(combined.subarray(0, own.length).equals(own));
  return { ...imported, entry };
}

describe('Proxmox VE: the installer finds its ISO inside the initrd', { skip: ISO_SKIP }, () => {
  test('pxelinux (BIOS): the default entry boots the combined initrd with the ISO as /proxmox.iso', { skip: BIOS_SKIP }, async () => {
    const { root, tree, entry, work } = await importProxmox();
    // Nothing of a Proxmox entry is served over NFS, so the exports file has no line for it.
    assert.doesNotMatch(await readFile(join(work, 'exports'), 'utf8').catch(() => ''), /proxmox/);
    await installPxelinux(root);
    const log = await boot(root, BIOS, { mac: MAC });
    await assertIsoFound(log);
    assert.equal(kernelCmdline(log), pxelinuxCmdline(tree, entry));
  });

  test('GRUB (UEFI): the default entry boots the combined initrd with the ISO as /proxmox.iso', { skip: UEFI_SKIP }, async () => {
    const { work, root } = await importProxmox();
    await installGrubnet(root);
    await assertIsoFound(await boot(root, await uefi(work, 'grubnetx64.efi')));
  });
});
