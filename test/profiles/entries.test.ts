import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatWarning } from '../../src/errors.js';
import type { IsoDirectory } from '../../src/iso9660/entry.js';
import { buildCommandLine, dropped, planBootEntries } from '../../src/profiles/entries.js';
import { renderMenus } from '../../src/menus/index.js';
import { isoTree } from '../helpers/iso-tree.js';
import { analyzeView, loadProfiles } from '../../src/profiles/index.js';
import { parseProfile } from '../../src/profiles/schema.js';
import { treeViewFrom } from '../../src/profiles/tree-view.js';

const vars = { server: '192.0.2.10', exportPath: '/srv/pxe/x', httpBase: 'http://192.0.2.10/x/', name: 'x', kernelTopDir: 'casper', kernelSuffix: '', isoLabel: 'X' };

describe('command-line templates', () => {
  test("the profile's arguments win over the ISO's arguments of the same name, once", () => {
    assert.equal(buildCommandLine('boot=casper ip=dhcp {isoArgs}', ['boot=casper', 'ip=frommedia', 'quiet'], vars), 'boot=casper ip=dhcp quiet');
  });
  test('what follows the ISO\'s "---" stays at the end', () => {
    assert.equal(buildCommandLine('nfsroot={server}:{exportPath} {isoArgs} ip=dhcp', ['quiet', '---', 'splash'], vars), 'nfsroot=192.0.2.10:/srv/pxe/x quiet ip=dhcp --- splash');
  });
  test('dropArguments: "name=*" globs and exact tokens', () => {
    assert.equal(dropped(['iso-scan/filename=*'], 'iso-scan/filename=/x.iso'), true);
    assert.equal(dropped(['copytoram'], 'copytoram'), true);
    assert.equal(dropped(['copytoram'], 'copytoram=y'), false);
  });
});

describe('planning entries from an in-memory tree (no disk)', () => {
  const tree = (paths: string[]): IsoDirectory => isoTree(paths);
  const spec = {
    id: 't',
    family: 't',
    name: 'T',
    detect: { all: [{ exists: '/casper' }] },
    boot: { kernel: ['/casper/vmlinuz'], initrds: ['/casper/initrd'], defaultArguments: ['boot=casper'] },
    cmdline: { nfs: 'netboot=nfs nfsroot={server}:{exportPath} {isoArgs}', http: null },
  };
  const profile = parseProfile(JSON.stringify(spec), 't.json');
  const serve = { name: 'x', server: '192.0.2.10', exportPath: '/srv/pxe/x', httpBase: 'http://192.0.2.10/x/' };

  test("an unset GRUB variable is left out with a warning (GRUB would expand it to nothing)", () => {
    const view = treeViewFrom(tree(['casper/vmlinuz', 'casper/initrd', 'boot/grub/grub.cfg']), new Map([['/boot/grub/grub.cfg', 'menuentry "Live" {\n linux /casper/vmlinuz boot=casper ${extra} quiet\n initrd /casper/initrd\n}\n']]), 'X');
    const plan = planBootEntries(profile, view, serve);
    assert.equal(plan.entries[0]!.nfs, 'netboot=nfs nfsroot=192.0.2.10:/srv/pxe/x boot=casper quiet');
    const dropped = plan.warnings.filter((w) => w.code === 'PROFILE_ARGUMENT_DROPPED');
    assert.deepEqual(dropped, [
      { code: 'PROFILE_ARGUMENT_DROPPED', message: `"\${extra}" names a variable with no value outside the ISO's GRUB; left out`, file: '/boot/grub/grub.cfg', line: 1 },
    ]);
    assert.equal(formatWarning(dropped[0]!), `/boot/grub/grub.cfg:1: "\${extra}" names a variable with no value outside the ISO's GRUB; left out`);
  });

  test("the profile's caveats, then the boot config's warnings with their code, file and line; SKIPPED and FILE_MISSING are not reported", () => {
    const withCaveat = parseProfile(JSON.stringify({ ...spec, warnings: ['BIOS only'] }), 't.json');
    const grub = ['source /boot/grub/missing.cfg', 'menuentry "Live" {', ' linux /casper/vmlinuz ${cmdpath}', '}', 'menuentry "Memtest" { linux /boot/memtest86+.bin }', ''].join('\n');
    const view = treeViewFrom(tree(['casper/vmlinuz', 'boot/memtest86+.bin', 'boot/grub/grub.cfg']), new Map([['/boot/grub/grub.cfg', grub]]), 'X');
    const plan = planBootEntries(withCaveat, view, serve);
    assert.deepEqual(plan.warnings, [
      { code: 'PROFILE_CAVEAT', message: 'BIOS only' },
      { code: 'BOOTCONFIG_UNRESOLVED_VARIABLE', message: "menuentry 'Live': ${cmdpath} only known at boot time; left literal", file: '/boot/grub/grub.cfg', line: 2 },
      { code: 'PROFILE_ARGUMENT_DROPPED', message: `"\${cmdpath}" names a variable with no value outside the ISO's GRUB; left out`, file: '/boot/grub/grub.cfg', line: 2 },
    ]);
    assert.deepEqual(plan.warnings.map(formatWarning), [
      'BIOS only',
      "/boot/grub/grub.cfg:2: menuentry 'Live': ${cmdpath} only known at boot time; left literal",
      `/boot/grub/grub.cfg:2: "\${cmdpath}" names a variable with no value outside the ISO's GRUB; left out`,
    ]);
  });

  test('without a boot configuration, the profile patterns give one default entry', () => {
    const view = treeViewFrom(tree(['casper/vmlinuz', 'casper/initrd']), new Map(), 'X');
    const [e] = planBootEntries(profile, view, serve).entries;
    assert.deepEqual([e!.kernel, e!.initrds, e!.nfs, e!.isDefault, e!.origin.kind], ['casper/vmlinuz', ['casper/initrd'], 'netboot=nfs nfsroot=192.0.2.10:/srv/pxe/x boot=casper', true, 'profile']);
  });
  test('a value the ISO\'s GRUB writes in double quotes keeps them; with blanks inside it stays one argument in all three menus', () => {
    // Clonezilla / live-build style: ocs_live_run="…", locales="…", and a quoted value with blanks.
    const grub = 'menuentry "Live" {\n linux /casper/vmlinuz boot=casper lang="en_US.UTF-8" hostname="my host" \'a=b c\' quiet\n initrd /casper/initrd\n}\n';
    const view = treeViewFrom(tree(['casper/vmlinuz', 'casper/initrd', 'boot/grub/grub.cfg']), new Map([['/boot/grub/grub.cfg', grub]]), 'X');
    const [e] = planBootEntries(profile, view, serve).entries;
    const line = 'netboot=nfs nfsroot=192.0.2.10:/srv/pxe/x boot=casper lang="en_US.UTF-8" hostname="my host" "a=b c" quiet';
    assert.equal(e!.nfs, line);
    const menus = renderMenus({ title: 'T', timeoutSeconds: 5, defaultEntry: 'local', httpBase: undefined, imports: [{ name: 'x', label: 'X', treePath: 'x', entries: [e!] }] });
    // pxelinux: APPEND is the command line verbatim.
    assert.ok(menus.pxelinux.includes(`\n  APPEND ${line}\n`), menus.pxelinux);
    // GRUB: one single-quoted word per argument; GRUB quotes an argument with a blank for the kernel itself.
    assert.match(menus.grub, /^\tlinux \/x\/casper\/vmlinuz netboot=nfs nfsroot=192\.0\.2\.10:\/srv\/pxe\/x boot=casper lang=en_US\.UTF-8 'hostname=my host' 'a=b c' quiet$/m);
    // iPXE: no quoting, its words joined with one blank give the kernel the same text.
    assert.match(menus.ipxe, /^kernel x\/casper\/vmlinuz initrd=initrd netboot=nfs \S+ boot=casper lang="en_US\.UTF-8" hostname="my host" "a=b c" quiet \|\| goto failed$/m);
  });
});

describe('respins that move the kernel (the ISO\'s own boot configuration wins over the family\'s paths)', async () => {
  const profiles = await loadProfiles();
  const serve = { name: 'respin', server: '192.0.2.10', exportPath: '/srv/pxe/respin', httpBase: 'http://192.0.2.10/respin/' };
  const files = ['casper/filesystem.squashfs', 'boot/kernel', 'boot/initramfs', 'boot/memtest86+.bin', 'boot/grub/grub.cfg'];
  const grub = (entries: string) => treeViewFrom(isoTree(files), new Map([['/boot/grub/grub.cfg', entries]]), 'RESPIN');

  test('a casper system with /boot/kernel and /boot/initramfs keeps its entries and gets the casper NFS line', () => {
    const view = grub('menuentry "Start Respin" {\n linux /boot/kernel boot=casper quiet splash ---\n initrd /boot/initramfs\n}\nmenuentry "Test memory" { linux16 /boot/memtest86+.bin }\n');
    const { match, plan } = analyzeView(view, 'respin.iso', { profiles, serve });
    assert.equal(match.profile.id, 'casper');
    assert.deepEqual(
      plan.entries.map((e) => [e.label, e.kernel, e.initrds, e.nfs]),
      [['Start Respin', 'boot/kernel', ['boot/initramfs'], 'boot=casper netboot=nfs nfsroot=192.0.2.10:/srv/pxe/respin ip=dhcp quiet splash ---']],
    );
  });

  test('a genkernel ISO with a renamed kernel (Pentoo: isolinux/pentoo) is recognised from its boot line and gets the genkernel NFS line', () => {
    const cfg = [
      'default pentoo',
      'label pentoo',
      '  kernel /isolinux/pentoo',
      '  append initrd=/isolinux/pentoo.igz root=/dev/ram0 init=/linuxrc nox nodhcp overlayfs max_loop=256 dokeymap looptype=squashfs loop=/image.squashfs cdroot console=tty0 net.ifnames=0',
      '',
    ].join('\n');
    const view = treeViewFrom(isoTree(['image.squashfs', 'livecd', 'isolinux/pentoo', 'isolinux/pentoo.igz', 'isolinux/isolinux.cfg']), new Map([['/isolinux/isolinux.cfg', cfg]]), 'Pentoo_amd64_hardened');
    const { match, plan } = analyzeView(view, 'pentoo.iso', { profiles, serve });
    assert.equal(match.profile.id, 'gentoo');
    assert.deepEqual(match.reasons, ['found /image.squashfs', '/isolinux/isolinux.cfg matches /\\blooptype=squashfs\\b.*\\bcdroot\\b/']);
    assert.deepEqual(
      plan.entries.map((e) => [e.kernel, e.initrds, e.nfs]),
      [
        [
          'isolinux/pentoo',
          ['isolinux/pentoo.igz'],
          'root=/dev/ram0 real_root=/dev/nfs nfsroot=192.0.2.10:/srv/pxe/respin ip=dhcp init=/linuxrc nox nodhcp overlayfs max_loop=256 dokeymap looptype=squashfs loop=/image.squashfs cdroot console=tty0 net.ifnames=0',
        ],
      ],
    );
  });

  test('when no entry survives, the error names each entry seen and why it was left out', () => {
    const view = grub('menuentry "Check disc for defects" {\n linux /boot/kernel boot=casper integrity-check\n initrd /boot/initramfs\n}\nmenuentry "Gone" { linux /casper/vmlinuz boot=casper }\nmenuentry "Test memory" { linux16 /boot/memtest86+.bin }\n');
    assert.throws(
      () => analyzeView(view, 'respin.iso', { profiles, serve }),
      (e: Error) => {
        assert.equal(
          e.message,
          [
            "respin.iso: profile casper matched but found no kernel (looked in the ISO's boot configuration and for /casper*/vmlinuz*, /casper*/linux). Entries seen in it and why each was left out:",
            "  /boot/grub/grub.cfg:1: 'Check disc for defects' (/boot/kernel): label matches the profile's dropLabels /check (the )?dis[ck] for defects/",
            "  /boot/grub/grub.cfg:5: entry 'Gone': kernel /casper/vmlinuz is not on the ISO; entry dropped",
            "  /boot/grub/grub.cfg:6: menuentry 'Test memory': /boot/memtest86+.bin is not a Linux kernel (memory tester); skipped",
          ].join('\n'),
        );
        return true;
      },
    );
  });
});

describe('embedIso: installers that find their ISO inside the initramfs (Proxmox)', () => {
  const spec = {
    id: 'pve',
    family: 'pve',
    name: 'PVE',
    detect: { all: [{ exists: '/boot/linux26' }] },
    boot: { kernel: ['/boot/linux26'], initrds: ['/boot/ucode.img', '/boot/initrd.img'], defaultArguments: ['ramdisk_size=16777216', 'rw'], embedIso: 'proxmox.iso' },
    cmdline: { nfs: null, http: '{isoArgs}' },
  };
  const serve = { name: 'pve', server: '192.0.2.10', exportPath: '/srv/pxe/pve', httpBase: 'http://192.0.2.10/pve/' };
  const view = (paths: string[], imageBytes?: number) => ({ ...treeViewFrom(isoTree(paths), new Map(), 'PVE'), imageBytes });

  test('each entry boots its last initrd with the ISO appended; earlier initrds stay; the RAM needed is said', () => {
    const plan = planBootEntries(parseProfile(JSON.stringify(spec), 'pve.json'), view(['boot/linux26', 'boot/ucode.img', 'boot/initrd.img'], 1536 * 2 ** 20), serve);
    assert.deepEqual(plan.entries.map((e) => e.initrds), [['boot/ucode.img', '.pxe-import-initrd/boot/initrd.img']]);
    assert.deepEqual(plan.combinedInitrds, [{ path: '.pxe-import-initrd/boot/initrd.img', initrd: 'boot/initrd.img', embed: 'proxmox.iso' }]);
    const ram = plan.warnings.find((w) => w.code === 'INITRD_EMBEDS_ISO');
    assert.ok(ram);
    assert.match(ram.message, /\/proxmox\.iso \(1536 MiB\): a client needs at least 4096 MiB of RAM/);
  });

  test('an ISO that has the folder the combined initrd goes to is refused, not overwritten', () => {
    assert.throws(
      () => planBootEntries(parseProfile(JSON.stringify(spec), 'pve.json'), view(['boot/linux26', 'boot/initrd.img', '.pxe-import-initrd/x']), serve),
      /has a \/\.pxe-import-initrd of its own/,
    );
  });

  test('the profile field is checked: a plain path, and only for "linux" profiles', () => {
    for (const bad of ['../x.iso', 'a/../b', 'a b.iso', './x.iso']) {
      assert.throws(() => parseProfile(JSON.stringify({ ...spec, boot: { ...spec.boot, embedIso: bad } }), 'pve.json'), /pve\.json: boot\.embedIso: .* must be a plain path/, bad);
    }
    assert.throws(() => parseProfile(JSON.stringify({ ...spec, method: 'memdisk', boot: { fromBootConfig: false, embedIso: 'p.iso' }, cmdline: { nfs: 'iso raw' } }), 'pve.json'), /boot\.embedIso: only a "linux" profile/);
  });
});
