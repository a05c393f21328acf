/**
 * Real-world boot configurations (fixtures/<distro>/, provenance in fixtures/SOURCES.md) read
 * through discoverBootEntries(): exact labels, kernels, initrds, argument tokens and defaults.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverBootEntries, parseGrub, parseSyslinux, type BootMenuEntry } from '../../src/bootconfig/index.js';
import { brief, fixtureSource, withCode } from './helpers.js';

const CASPER_22 = 'file=/cdrom/preseed/ubuntu.seed';

function labels(es: readonly BootMenuEntry[]): string[] {
  return es.map((e) => e.label);
}

function only<T>(xs: readonly T[]): T {
  assert.equal(xs.length, 1, `expected exactly one, got ${xs.length}`);
  const x = xs[0];
  assert.ok(x !== undefined);
  return x;
}

describe('Ubuntu 22.04 desktop (grub.cfg only)', () => {
  const r = discoverBootEntries(fixtureSource('ubuntu-22.04-desktop'));

  it('reads the three casper entries with their exact arguments', () => {
    assert.deepEqual(r.entries.map(brief), [
      {
        label: 'Try or Install Ubuntu',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd'],
        append: [CASPER_22, 'maybe-ubiquity', 'quiet', 'splash', '---'],
        loader: 'grub',
        isDefault: true,
      },
      {
        label: 'Ubuntu (safe graphics)',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd'],
        append: ['nomodeset', CASPER_22, 'maybe-ubiquity', 'quiet', 'splash', '---'],
        loader: 'grub',
        isDefault: false,
      },
      {
        label: 'OEM install (for manufacturers)',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd'],
        append: [CASPER_22, 'only-ubiquity', 'oem-config/enable=true', 'quiet', 'splash', '---'],
        loader: 'grub',
        isDefault: false,
      },
    ]);
  });

  it('records where each entry came from', () => {
    assert.deepEqual(r.entries[0]?.source, { file: '/boot/grub/grub.cfg', line: 8, loader: 'grub' });
  });

  it('runs the UEFI branch (firmware settings, not the BIOS memtest), says so, and leaves loopback.cfg alone', () => {
    assert.deepEqual(withCode(r.warnings, 'SKIPPED'), []);
    assert.deepEqual(
      r.assumptions.map((a) => [a.file, a.line, a.message.replace(/ \(the machine.*/, '')]),
      [['/boot/grub/grub.cfg', 24, `if: ran the 'then' branch because $grub_platform is "efi"`]],
    );
    assert.deepEqual(r.filesRead, ['/boot/grub/grub.cfg']);
  });

  it('loopback.cfg on its own keeps ${iso_path} literal and warns', () => {
    const lb = parseGrub(fixtureSource('ubuntu-22.04-desktop'), '/boot/grub/loopback.cfg');
    assert.equal(lb.entries.length, 3);
    assert.deepEqual(lb.entries[0]?.append, [CASPER_22, 'maybe-ubiquity', 'iso-scan/filename=${iso_path}', 'quiet', 'splash', '---']);
    const unresolved = withCode(lb.warnings, 'UNRESOLVED_VARIABLE');
    assert.equal(unresolved.length, 3);
    assert.match(unresolved[0]?.message ?? '', /\$\{iso_path\}/);
    assert.equal(unresolved[0]?.line, 1);
  });
});

describe('Ubuntu 24.04 desktop', () => {
  const r = discoverBootEntries(fixtureSource('ubuntu-24.04-desktop'));

  it('keeps the arguments after "---" and the double blank yields no empty token', () => {
    assert.deepEqual(r.entries.map(brief), [
      {
        label: 'Try or Install Ubuntu',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd'],
        append: ['---', 'quiet', 'splash'],
        loader: 'grub',
        isDefault: true,
      },
      {
        label: 'Ubuntu (safe graphics)',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd'],
        append: ['nomodeset', '---', 'quiet', 'splash'],
        loader: 'grub',
        isDefault: false,
      },
    ]);
  });
});

describe('Ubuntu 20.04 desktop (isolinux txt.cfg + grub.cfg)', () => {
  const src = fixtureSource('ubuntu-20.04-desktop');
  const r = discoverBootEntries(src);

  it('syslinux alone: labels cleaned of ^, initrd= moved out of APPEND, memtest and localboot dropped', () => {
    const s = parseSyslinux(src, '/isolinux/isolinux.cfg');
    assert.deepEqual(labels(s.entries), [
      'Try Ubuntu without installing',
      'Try Ubuntu without installing (safe graphics)',
      'Install Ubuntu',
      'Install Ubuntu (safe graphics)',
      'Check disc for defects',
    ]);
    assert.deepEqual(brief(s.entries[0] as BootMenuEntry), {
      label: 'Try Ubuntu without installing',
      kernel: '/casper/vmlinuz',
      initrds: ['/casper/initrd'],
      append: [CASPER_22, 'quiet', 'splash', '---'],
      loader: 'syslinux',
      isDefault: true, // DEFAULT vesamenu.c32 (last DEFAULT wins) → the menu's first item
    });
    assert.deepEqual(s.filesRead, ['/isolinux/isolinux.cfg', '/isolinux/menu.cfg', '/isolinux/stdmenu.cfg', '/isolinux/txt.cfg']);
  });

  it('merges the identical "Check disc for defects" entries and keeps grub first', () => {
    assert.deepEqual(labels(r.entries), [
      'Ubuntu',
      'Ubuntu (safe graphics)',
      'OEM install (for manufacturers)',
      'Check disc for defects',
      'Try Ubuntu without installing',
      'Try Ubuntu without installing (safe graphics)',
      'Install Ubuntu',
      'Install Ubuntu (safe graphics)',
    ]);
    const check = only(r.entries.filter((e) => e.label === 'Check disc for defects'));
    assert.deepEqual(check.append, ['boot=casper', 'integrity-check', 'quiet', 'splash', '---']);
    assert.equal(check.source.loader, 'grub');
  });

  it('marks exactly one default: the GRUB menu default', () => {
    const defaults = r.entries.filter((e) => e.isDefault);
    assert.deepEqual(labels(defaults), ['Ubuntu']);
  });
});

describe('Debian live 12 (live-build: isolinux + grub with sourced files and submenus)', () => {
  const src = fixtureSource('debian-live-12');
  const r = discoverBootEntries(src);
  const K = '/live/vmlinuz-6.1.0-18-amd64';
  const I = '/live/initrd.img-6.1.0-18-amd64';

  it('grub: findiso=${iso_path} becomes findiso= (iso_path is empty outside loopback.cfg)', () => {
    const live = r.entries[0] as BootMenuEntry;
    assert.deepEqual(brief(live), {
      label: 'Live system (amd64)',
      kernel: K,
      initrds: [I],
      append: ['boot=live', 'components', 'quiet', 'splash', 'findiso='],
      loader: 'grub',
      isDefault: true,
    });
    assert.deepEqual(withCode(r.warnings, 'UNRESOLVED_VARIABLE'), []);
  });

  it('follows source into install_start.cfg and submenus into install.cfg', () => {
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.menuPath ?? []]),
      [
        ['Live system (amd64)', []],
        ['Live system (amd64 fail-safe mode)', []],
        ['Start installer', []],
        ['Start installer with speech synthesis', []],
        ['Graphical expert install', ['Advanced install options ...']],
        ['Text installer', ['Advanced install options ...']],
        ['Live system (amd64)', []],
        ['Live system (amd64 fail-safe mode)', []],
      ],
    );
    assert.deepEqual(r.entries[6]?.append, ['boot=live', 'components', 'quiet', 'splash']);
    assert.equal(r.entries[6]?.source.loader, 'syslinux');
    assert.deepEqual(r.entries[5]?.append, ['vga=788', '---', 'quiet']);
  });

  it('syslinux: MENU BEGIN submenu path, MENU EXIT labels ignored, fail-safe arguments exact', () => {
    const s = parseSyslinux(src, '/isolinux/isolinux.cfg');
    assert.deepEqual(
      s.entries.map((e) => [e.label, e.menuPath ?? [], e.isDefault]),
      [
        ['Live system (amd64)', [], true],
        ['Live system (amd64 fail-safe mode)', [], false],
        ['Start installer', [], false],
        ['Start installer with speech synthesis', [], false],
        ['Graphical expert install', ['Advanced install options ...'], false],
        ['Text installer', ['Advanced install options ...'], false],
      ],
    );
    assert.deepEqual(s.entries[1]?.append, [
      'boot=live',
      'components',
      'memtest',
      'noapic',
      'noapm',
      'nodma',
      'nomce',
      'nolapic',
      'nosmp',
      'nosplash',
      'vga=788',
    ]);
    assert.equal(withCode(s.warnings, 'SKIPPED').length, 1); // memtest86+x64.bin in utilities.cfg
  });
});

describe('Linux Mint 21 (isolinux initrd.lz + grub)', () => {
  const src = fixtureSource('linuxmint-21');

  it('isolinux: initrd=/casper/initrd.lz inside APPEND becomes initrds; "menu default" after APPEND applies to the label', () => {
    const s = parseSyslinux(src, '/isolinux/isolinux.cfg');
    assert.deepEqual(labels(s.entries), [
      'Start Linux Mint 21 Cinnamon 64-bit',
      'Start in compatibility mode',
      'OEM install (for manufacturers)',
      'Integrity check',
    ]);
    assert.deepEqual(brief(s.entries[0] as BootMenuEntry), {
      label: 'Start Linux Mint 21 Cinnamon 64-bit',
      kernel: '/casper/vmlinuz',
      initrds: ['/casper/initrd.lz'],
      append: ['file=/cdrom/preseed/linuxmint.seed', 'boot=casper', 'quiet', 'splash', '--'],
      loader: 'syslinux',
      isDefault: true,
    });
    assert.deepEqual(s.entries[1]?.append, [
      'file=/cdrom/preseed/linuxmint.seed',
      'boot=casper',
      'xforcevesa',
      'nomodeset',
      'b43.allhwsupport=1',
      'ramdisk_size=1048576',
      'root=/dev/ram',
      'rw',
      'noapic',
      'noacpi',
      'nosplash',
      'irqpoll',
      '--',
    ]);
  });

  it('grub: iso-scan/filename=${iso_path} expands to an empty value as GRUB does', () => {
    const g = parseGrub(src, '/boot/grub/grub.cfg');
    assert.deepEqual(g.entries[0]?.append, [
      'file=/cdrom/preseed/linuxmint.seed',
      'boot=casper',
      'iso-scan/filename=',
      'quiet',
      'splash',
      '--',
    ]);
    assert.deepEqual(g.entries[0]?.initrds, ['/casper/initrd.lz']);
  });
});

describe('Arch Linux (archiso releng: whichsys syslinux, grub.cfg with ${archiso_platform}, grubenv)', () => {
  const src = fixtureSource('archiso');
  const r = discoverBootEntries(src);

  it('grub: label uses the first branch of the platform if-chain; default by --id', () => {
    assert.deepEqual(brief(r.entries[0] as BootMenuEntry), {
      label: 'Arch Linux install medium (x86_64, UEFI)',
      kernel: '/arch/boot/x86_64/vmlinuz-linux',
      initrds: ['/arch/boot/x86_64/initramfs-linux.img'],
      append: ['archisobasedir=arch', 'archisosearchuuid=2024-05-01-10-15-36-00'],
      loader: 'grub',
      isDefault: true,
    });
    assert.equal(r.entries[1]?.label, 'Arch Linux install medium with speakup screen reader (x86_64, UEFI)');
    assert.deepEqual(r.entries[1]?.append, ['archisobasedir=arch', 'archisosearchuuid=2024-05-01-10-15-36-00', 'accessibility=on']);
  });

  it('syslinux: whichsys -iso- branch, microcode first in INITRD, PXE-only branch skipped', () => {
    const s = parseSyslinux(src, '/boot/syslinux/syslinux.cfg');
    assert.deepEqual(s.entries.map(brief), [
      {
        label: 'Arch Linux install medium (x86_64, BIOS)',
        kernel: '/arch/boot/x86_64/vmlinuz-linux',
        initrds: ['/arch/boot/intel-ucode.img', '/arch/boot/amd-ucode.img', '/arch/boot/x86_64/initramfs-linux.img'],
        append: ['archisobasedir=arch', 'archisolabel=ARCH_202405'],
        loader: 'syslinux',
        isDefault: true,
      },
      {
        label: 'Arch Linux install medium (x86_64, BIOS) with speech',
        kernel: '/arch/boot/x86_64/vmlinuz-linux',
        initrds: ['/arch/boot/intel-ucode.img', '/arch/boot/amd-ucode.img', '/arch/boot/x86_64/initramfs-linux.img'],
        append: ['archisobasedir=arch', 'archisolabel=ARCH_202405', 'accessibility=on'],
        loader: 'syslinux',
        isDefault: false,
      },
    ]);
    assert.ok(!s.filesRead.includes('/boot/syslinux/archiso_pxe.cfg'));
    assert.ok(withCode(s.warnings, 'SKIPPED').some((w) => /label pxe is only booted over PXE/.test(w.message)));
  });

  it('discovery keeps 4 entries (UEFI and BIOS variants differ) and one default', () => {
    assert.equal(r.entries.length, 4);
    assert.deepEqual(
      r.entries.filter((e) => e.isDefault).map((e) => e.label),
      ['Arch Linux install medium (x86_64, UEFI)'],
    );
  });

  it('loopback.cfg: probe/search results stay literal with a warning, ${archiso_platform} still resolves', () => {
    const lb = parseGrub(src, '/boot/grub/loopback.cfg');
    assert.equal(lb.entries[0]?.label, 'Arch Linux install medium (x86_64, UEFI)');
    assert.deepEqual(lb.entries[0]?.append, [
      'archisobasedir=arch',
      'img_dev=UUID=${archiso_img_dev_uuid}',
      'img_loop="${iso_path}"',
    ]);
    const w = withCode(lb.warnings, 'UNRESOLVED_VARIABLE');
    assert.equal(w.length, 2);
    assert.match(w[0]?.message ?? '', /\$\{archiso_img_dev_uuid\}, \$\{iso_path\}/);
  });
});

describe('Fedora Workstation Live 40 (lorax templates: EFI/BOOT + boot/grub2)', () => {
  const r = discoverBootEntries(fixtureSource('fedora-40-workstation-live'));
  const ROOT = 'root=live:CDLABEL=Fedora-WS-Live-40-1-14';

  it('linuxefi/initrdefi and linux/initrd entries merge; set default="1" picks the media check', () => {
    assert.deepEqual(r.entries.map(brief), [
      {
        label: 'Start Fedora-Workstation-Live 40',
        kernel: '/images/pxeboot/vmlinuz',
        initrds: ['/images/pxeboot/initrd.img'],
        append: [ROOT, 'rd.live.image', 'quiet', 'rhgb'],
        loader: 'grub',
        isDefault: false,
      },
      {
        label: 'Test this media & start Fedora-Workstation-Live 40',
        kernel: '/images/pxeboot/vmlinuz',
        initrds: ['/images/pxeboot/initrd.img'],
        append: [ROOT, 'rd.live.image', 'rd.live.check', 'quiet'],
        loader: 'grub',
        isDefault: true,
      },
      {
        label: 'Start Fedora-Workstation-Live 40 in basic graphics mode',
        kernel: '/images/pxeboot/vmlinuz',
        initrds: ['/images/pxeboot/initrd.img'],
        append: [ROOT, 'rd.live.image', 'nomodeset', 'quiet', 'rhgb'],
        loader: 'grub',
        isDefault: false,
        menuPath: ['Troubleshooting -->'],
      },
    ]);
    assert.equal(r.entries[0]?.source.file, '/EFI/BOOT/grub.cfg');
    assert.deepEqual(r.filesRead, ['/EFI/BOOT/grub.cfg', '/boot/grub2/grub.cfg']);
  });
});

describe('Manjaro (miso: kernel options assembled from sourced files)', () => {
  const r = discoverBootEntries(fixtureSource('manjaro-23'));

  it('expands $kparams/$kopts (set in other files, nested ${...}) into separate tokens', () => {
    const MISO = ['misobasedir=manjaro', 'misolabel=MANJARO_KDEP_2302', 'quiet', 'systemd.show_status=1', 'splash', 'apparmor=1', 'security=apparmor', 'udev.log_priority=3'];
    assert.deepEqual(r.entries.map(brief), [
      {
        label: 'Boot with open source drivers',
        kernel: '/boot/vmlinuz-x86_64',
        initrds: ['/boot/intel_ucode.img', '/boot/amd_ucode.img', '/boot/initramfs-x86_64.img'],
        append: ['driver=free', 'nouveau.modeset=1', 'i915.modeset=1', 'radeon.modeset=1', 'tz=UTC', 'lang=en_US', 'keytable=us', ...MISO],
        loader: 'grub',
        isDefault: true,
      },
      {
        label: 'Boot with proprietary drivers',
        kernel: '/boot/vmlinuz-x86_64',
        initrds: ['/boot/intel_ucode.img', '/boot/amd_ucode.img', '/boot/initramfs-x86_64.img'],
        append: ['driver=nonfree', 'nouveau.modeset=0', 'i915.modeset=1', 'radeon.modeset=1', 'tz=UTC', 'lang=en_US', 'keytable=us', ...MISO],
        loader: 'grub',
        isDefault: false,
      },
    ]);
    assert.deepEqual(r.filesRead, [
      '/boot/grub/grub.cfg',
      '/boot/grub/variable.cfg',
      '/boot/grub/defaults.cfg',
      '/boot/grub/kernels.cfg',
      '/boot/grub/locales.cfg',
    ]);
  });
});

describe('SystemRescue 11 (CONFIG with working directory, whichsys, grub eval)', () => {
  const src = fixtureSource('systemrescue-11');
  const UC = ['/sysresccd/boot/intel_ucode.img', '/sysresccd/boot/amd_ucode.img', '/sysresccd/boot/x86_64/sysresccd.img'];

  it('syslinux: CONFIG ... APPEND /sysresccd/ makes relative LINUX/INITRD/INCLUDE paths resolve under /sysresccd', () => {
    const s = parseSyslinux(src, '/isolinux/isolinux.cfg');
    assert.equal(s.entries.length, 8);
    assert.deepEqual(brief(s.entries[0] as BootMenuEntry), {
      label: 'Boot SystemRescue using default options',
      kernel: '/sysresccd/boot/x86_64/vmlinuz',
      initrds: UC,
      append: ['archisobasedir=sysresccd', 'archisolabel=RESCUE1100', 'iomem=relaxed'],
      loader: 'syslinux',
      isDefault: true, // no DEFAULT in sysresccd_sys.cfg: UI vesamenu shows the first item
    });
    assert.deepEqual(s.filesRead, [
      '/isolinux/isolinux.cfg',
      '/sysresccd/boot/syslinux/sysresccd.cfg',
      '/sysresccd/boot/syslinux/sysresccd_sys.cfg',
      '/sysresccd/boot/syslinux/sysresccd_head.cfg',
      '/sysresccd/boot/syslinux/sysresccd_custom.cfg',
      '/sysresccd/boot/syslinux/sysresccd_tail.cfg',
    ]);
  });

  it('grub: menu entries defined inside eval "..." with $archiso_param expanded', () => {
    const g = parseGrub(src, '/boot/grub/grubsrcd.cfg');
    assert.equal(g.entries.length, 8);
    assert.deepEqual(brief(g.entries[0] as BootMenuEntry), {
      label: 'Boot SystemRescue 11.00 using default options',
      kernel: '/sysresccd/boot/x86_64/vmlinuz',
      initrds: UC,
      append: ['archisobasedir=sysresccd', 'archisolabel=RESCUE1100', 'iomem=relaxed'],
      loader: 'grub',
      isDefault: true,
    });
    assert.deepEqual(g.entries[7]?.append, ['archisobasedir=sysresccd', 'archisolabel=RESCUE1100', 'iomem=relaxed', 'break']);
    const missing = only(withCode(g.warnings, 'FILE_MISSING'));
    assert.match(missing.message, /source: \/boot\/grub\/custom\.cfg not found/);
  });

  it('discovery merges the identical grub and syslinux entries (8 total, grub labels kept)', () => {
    const r = discoverBootEntries(src);
    assert.equal(r.entries.length, 8);
    assert.ok(r.entries.every((e) => e.source.loader === 'grub'));
    assert.equal(r.entries.filter((e) => e.isDefault).length, 1);
  });
});

describe('Clonezilla live (syslinux + isolinux copies, $linux_cmd in grub, many variants)', () => {
  const src = fixtureSource('clonezilla-3.1');

  it('syslinux: label names with blanks, TEXT HELP skipped, memtest/memdisk/iPXE/chain.c32 dropped', () => {
    const s = parseSyslinux(src, '/syslinux/syslinux.cfg');
    assert.deepEqual(
      s.entries.map((e) => [e.label, e.menuPath ?? [], e.isDefault]),
      [
        ['Clonezilla live (VGA 800x600)', [], true],
        ['Clonezilla live (VGA 800x600 & To RAM)', ['Other modes of Clonezilla live'], false],
        ['Clonezilla live (Safe graphic settings, vga=normal)', ['Other modes of Clonezilla live'], false],
        ['Clonezilla live (Failsafe mode)', ['Other modes of Clonezilla live'], false],
        ['Clonezilla live (speech synthesis)', ['Other modes of Clonezilla live'], false],
      ],
    );
    const first = s.entries[0] as BootMenuEntry;
    assert.deepEqual(first.initrds, ['/live/initrd.img']);
    assert.deepEqual(first.append.slice(13, 16), ['ocs_live_run="ocs-live-general"', 'ocs_live_extra_param=""', 'ocs_live_batch="no"']);
    assert.deepEqual(
      withCode(s.warnings, 'SKIPPED').map((w) => w.message.replace(/:.*/, '')),
      ['label memtest', 'label FreeDOS', 'label Network boot via iPXE'],
    );
  });

  it('grub: command name from $linux_cmd; the quotes the config writes kept, as in syslinux; merged with both syslinux copies', () => {
    const r = discoverBootEntries(src);
    assert.equal(r.entries.length, 5);
    const first = r.entries[0] as BootMenuEntry;
    assert.equal(first.source.loader, 'grub');
    assert.equal(first.isDefault, true);
    assert.deepEqual(first.append.slice(13, 16), ['ocs_live_run="ocs-live-general"', 'ocs_live_extra_param=""', 'ocs_live_batch="no"']);
    assert.deepEqual(r.filesRead, ['/boot/grub/grub.cfg', '/isolinux/isolinux.cfg', '/syslinux/syslinux.cfg']);
    assert.match(only(withCode(r.warnings, 'FILE_MISSING')).message, /boot-local-efi\.cfg not found/);
  });
});

describe("Pop!_OS 22.04 (versioned casper directory, grub.cfg that is also loopback.cfg's target)", () => {
  const src = fixtureSource('popos-22.04');
  const C = '/casper_pop-os_22.04_amd64_intel_debug_530';

  it('matches the command line a real Pop!_OS 22.04 boot reports', () => {
    // dmesg of a real boot: "BOOT_IMAGE=/casper_pop-os_22.04_amd64_intel_debug_530/vmlinuz.efi boot=casper
    // live-media-path=/casper_pop-os_22.04_amd64_intel_debug_530 hostname=pop-os username=pop-os noprompt ---"
    const r = discoverBootEntries(src);
    assert.deepEqual(r.entries.map(brief), [
      {
        label: 'Try or Install Pop!_OS',
        kernel: `${C}/vmlinuz.efi`,
        initrds: [`${C}/initrd.gz`],
        append: ['boot=casper', `live-media-path=${C}`, 'hostname=pop-os', 'username=pop-os', 'noprompt', '---'],
        loader: 'grub',
        isDefault: true,
      },
    ]);
    assert.deepEqual(r.warnings, []);
  });

  it('through loopback.cfg, the iso_path branch runs and its boot-time value stays literal', () => {
    const lb = parseGrub(src, '/boot/grub/loopback.cfg');
    assert.deepEqual(lb.entries[0]?.append, [
      'boot=casper',
      `live-media-path=${C}`,
      'hostname=pop-os',
      'username=pop-os',
      'noprompt',
      'iso-scan/filename=${iso_path}',
      '---',
    ]);
    assert.equal(withCode(lb.warnings, 'UNRESOLVED_VARIABLE').length, 1);
    assert.deepEqual(lb.filesRead, ['/boot/grub/loopback.cfg', '/boot/grub/grub.cfg']);
  });
});
