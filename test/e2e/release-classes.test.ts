/**
 * Real boots of the four "release class" fixtures (fixtures/distros/SOURCES.md, built with the e2e
 * kernel and test initrd by fixtures/e2e/families.sh): each is a real release's skeleton changed
 * in the one way that used to break its entries. The booted kernel's /proc/cmdline is compared
 * with what `pxe-import inspect --json` predicts for the same root and name.
 *
 *   1. a double-quoted value with blanks (Clonezilla's ocs_live_run preset): pxelinux and GRUB
 *   2. `if cpuid -l` 686/amd64 branches in GRUB (Debian live): GRUB under UEFI takes amd64
 *   3. a respin that moved the kernel to /boot/kernel (Ubuntu, casper): pxelinux
 *   4. a genkernel ISO whose kernel is not named gentoo* (Pentoo): pxelinux
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { splitKernelCommandLine } from '../../src/kernel-cmdline.js';
import { requirement } from '../helpers/requirements.js';
import {
  BIOS, BIOS_SKIP, E2E, MAC, UEFI_SKIP, boot, grubCmdline, importForBoot, installGrubnet, installPxelinux, kernelCmdline, predict,
  pxelinuxCmdline, tail, uefi,
} from './harness.js';

const iso = (name: string) => join(E2E, `${name}-e2e.iso`);
const CLASSES = ['class-quoted', 'class-cpuid', 'class-respin', 'class-renamed'] as const;
const ISOS_SKIP = requirement(
  'release-class boot-test ISOs',
  CLASSES.every((c) => existsSync(iso(c))),
  'the release-class boot tests need fixtures/out/e2e/class-*-e2e.iso (bash fixtures/e2e/families.sh); skipping',
);

/** The preset the class-1 fixture's default entry carries, quotes and blanks included. */
const QUOTED = 'ocs_live_run="ocs-sr -g auto -e1 auto -e2 -r -j2 -p poweroff restoredisk ask_user ask_user"';

/** Imports NAME's fixture with a serial console and returns the root, its tree and the predicted default entry. */
async function importClass(name: string) {
  const imported = await importForBoot({ iso: iso(name), name, settings: { serialConsole: '0 115200' } });
  const profile = await predict(iso(name), imported.root, name);
  const entry = profile.entries.find((e) => e.isDefault);
  assert.ok(entry, `${name}: no default entry`);
  return { ...imported, profile, entry };
}

/** Boots the default entry under pxelinux (the menu's timeout) and returns the kernel's command line. */
async function bootPxelinux(root: string): Promise<string> {
  await installPxelinux(root);
  const log = await boot(root, BIOS, { mac: MAC });
  assert.match(log, /INITRD-OK/, `the default entry did not boot:\n${tail(log)}`);
  return kernelCmdline(log)!;
}

async function bootGrub(work: string, root: string): Promise<string> {
  await installGrubnet(root);
  const log = await boot(root, await uefi(work, 'grubnetx64.efi'));
  assert.match(log, /INITRD-OK/, `the default entry did not boot:\n${tail(log)}`);
  return kernelCmdline(log)!;
}

describe('release classes under pxelinux (BIOS): the booted command line is the predicted one', { skip: BIOS_SKIP || ISOS_SKIP }, () => {
  test('class 1: a double-quoted value with blanks reaches the kernel as written', async () => {
    const { root, tree, profile, entry } = await importClass('class-quoted');
    assert.equal(profile.id, 'clonezilla');
    assert.ok(entry.nfs.includes(QUOTED), `the prediction lost the quoted preset: ${entry.nfs}`);
    const cmdline = await bootPxelinux(root);
    assert.equal(cmdline, pxelinuxCmdline(tree, entry));
    assert.ok(cmdline.includes(QUOTED));
  });

  test('class 3: a respin whose kernel is /boot/kernel boots that kernel with the casper NFS line', async () => {
    const { root, tree, profile, entry } = await importClass('class-respin');
    assert.equal(profile.id, 'casper');
    assert.equal(entry.kernel, 'boot/kernel');
    assert.deepEqual(entry.initrds, ['boot/initramfs']);
    assert.equal(await bootPxelinux(root), pxelinuxCmdline(tree, entry));
  });

  test('class 4: a genkernel ISO with a renamed kernel gets the genkernel NFS line', async () => {
    const { root, tree, profile, entry } = await importClass('class-renamed');
    assert.equal(profile.id, 'gentoo');
    assert.equal(entry.kernel, 'isolinux/pentoo');
    assert.match(entry.nfs, /\breal_root=\/dev\/nfs nfsroot=10\.0\.2\.2:\S+ /);
    assert.equal(await bootPxelinux(root), pxelinuxCmdline(tree, entry));
  });
});

describe('release classes under GRUB (UEFI, OVMF + grubnetx64)', { skip: UEFI_SKIP || ISOS_SKIP }, () => {
  test('class 2: `if cpuid -l` takes the amd64 branch; the generated grub.cfg has no 686 kernel', async () => {
    const { work, root, tree, profile, entry } = await importClass('class-cpuid');
    assert.equal(profile.id, 'live-boot');
    assert.equal(entry.kernel, 'live/vmlinuz-6.1.0-18-amd64');
    assert.doesNotMatch(await readFile(join(root, 'grub', 'grub.cfg'), 'utf8'), /686-pae/);
    assert.equal(await bootGrub(work, root), grubCmdline(tree, entry));
  });

  test('class 1: the quoted value with blanks reaches the kernel as one argument through GRUB', async () => {
    const { work, root, tree, entry } = await importClass('class-quoted');
    const cmdline = await bootGrub(work, root);
    assert.equal(cmdline, grubCmdline(tree, entry));
    assert.ok(splitKernelCommandLine(cmdline).includes(`"${QUOTED.replace(/"/g, '')}"`), 'the preset is one argument');
  });
});
