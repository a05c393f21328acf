/**
 * A chain entry booted for real: a small pxelinux netboot tree under the PXE root (its own
 * pxelinux.0, ldlinux.c32 and pxelinux.cfg/default naming vmlinuz and initrd.img relative to the
 * tree, as a distribution's netboot tarball does) is added with `pxe-import chain add`, made the
 * menu's default, and booted through pxelinux (`CONFIG file prefix`) and through iPXE (DHCP option
 * 210 + chaining the tree's pxelinux.0). The tree's own menu runs unchanged: its kernel and initrd,
 * named relative to the tree, load under the prefix, and the kernel gets the tree's APPEND line,
 * which nothing else carries.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { BIOS, BIOS_MODULES, BIOS_SKIP, E2E, PXELINUX, boot, importForBoot, installPxelinux, kernelCmdline, tail } from './harness.js';

/** The tree's own menu, written as an installer ships it: file names relative to the tree. */
const TREE_MENU = ['SERIAL 0 115200', 'DEFAULT install', 'PROMPT 0', 'LABEL install', '  KERNEL vmlinuz', '  INITRD initrd.img', '  APPEND pxetest.chain=1 panic=-1', ''].join('\n');

async function setup() {
  const imp = await importForBoot({ settings: { serialConsole: '0 115200', defaultEntry: 'd-i' } });
  const tree = join(imp.root, 'd-i');
  await mkdir(join(tree, 'pxelinux.cfg'), { recursive: true });
  await writeFile(join(tree, 'pxelinux.cfg/default'), TREE_MENU);
  await copyFile(PXELINUX, join(tree, 'pxelinux.0'));
  await copyFile(join(BIOS_MODULES, 'ldlinux.c32'), join(tree, 'ldlinux.c32'));
  await copyFile(join(E2E, 'vmlinuz'), join(tree, 'vmlinuz'));
  await copyFile(join(E2E, 'initrd.img'), join(tree, 'initrd.img'));
  const r = await runCli(['chain', 'add', 'd-i', '--to', 'd-i', '--label', 'Debian installer (netboot)', ...imp.common]);
  assert.equal(r.code, 0, r.stderr);
  return imp;
}

describe('chain entry under pxelinux', { skip: BIOS_SKIP }, () => {
  test("the menu's default chain entry restarts pxelinux in the tree, whose own menu boots its kernel", async () => {
    const { root } = await setup();
    await installPxelinux(root);
    const log = await boot(root, BIOS);
    assert.match(log, /pxe-import e2e/, `our menu did not show:\n${tail(log)}`);
    assert.match(log, /INITRD-OK/, `the tree's kernel did not boot:\n${tail(log)}`);
    // Relative names in the tree's menu were read under the prefix; the APPEND line is the tree's.
    assert.equal(kernelCmdline(log), 'BOOT_IMAGE=vmlinuz pxetest.chain=1 panic=-1 initrd=initrd.img');
  });
});

describe('chain entry under iPXE', { skip: BIOS_SKIP }, () => {
  test("boot.ipxe sets option 210 and chains the tree's pxelinux.0, which reads the tree's menu", async () => {
    const { root } = await setup();
    const log = await boot(root, { bootfile: 'boot.ipxe', args: [] });
    assert.match(log, /INITRD-OK/, `the tree's kernel did not boot:\n${tail(log)}`);
    assert.equal(kernelCmdline(log), 'BOOT_IMAGE=vmlinuz pxetest.chain=1 panic=-1 initrd=initrd.img');
  });
});
