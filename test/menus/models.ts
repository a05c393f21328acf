/**
 * Menu models for the renderer tests, and the golden cases built from them
 * (test/menus/golden/<case>.{pxelinux.cfg,grub.cfg,boot.ipxe}).
 */
import type { MenuImport, MenuModel, MenuRenderOptions } from '../../src/menus/index.js';
import type { BootEntry } from '../../src/profiles/boot-entry.js';

export function entry(over: Partial<BootEntry> & Pick<BootEntry, 'id' | 'label'>): BootEntry {
  return {
    method: 'linux',
    kernel: 'casper/vmlinuz',
    initrds: ['casper/initrd'],
    nfs: undefined,
    http: undefined,
    isDefault: false,
    origin: { kind: 'profile' },
    sysappend: 0,
    ...over,
  };
}

export function model(imports: MenuImport[], over: Partial<MenuModel> = {}): MenuModel {
  return { title: 'PXE boot menu', timeoutSeconds: 30, defaultEntry: 'local', imports, httpBase: undefined, ...over };
}

const tree = (name: string): string => `.pxe-import/versions/${name}/20261122T041500Z-3fa2b1c9`;

export const ubuntu: MenuImport = {
  name: 'ubuntu-22',
  label: 'Ubuntu 22.04.3 LTS',
  treePath: tree('ubuntu-22'),
  entries: [
    entry({
      id: 'try-or-install-ubuntu',
      label: 'Try or Install Ubuntu',
      nfs: 'boot=casper netboot=nfs nfsroot=10.0.0.1:/srv/pxe/ubuntu-22 ip=dhcp quiet splash ---',
      http: 'boot=casper url=http://10.0.0.1/pxe/ubuntu-22.iso ip=dhcp quiet splash ---',
      isDefault: true,
      origin: { kind: 'boot-config', file: '/boot/grub/grub.cfg', line: 12 },
    }),
  ],
};

/** Three entries (a submenu), microcode initrds first, BOOTIF= needed. */
export const debian: MenuImport = {
  name: 'debian-12',
  label: 'Debian 12.5 Live (GNOME)',
  treePath: tree('debian-12'),
  entries: [
    entry({
      id: 'live',
      label: 'Live system (amd64)',
      kernel: 'live/vmlinuz-6.1.0-18-amd64',
      initrds: ['live/amd-ucode.img', 'live/intel-ucode.img', 'live/initrd.img-6.1.0-18-amd64'],
      nfs: 'boot=live components netboot=nfs nfsroot=10.0.0.1:/srv/pxe/debian-12 ip=dhcp quiet splash',
      http: 'boot=live components fetch=http://10.0.0.1/pxe/debian-12/live/filesystem.squashfs ip=dhcp',
      sysappend: 2,
    }),
    entry({
      id: 'live-failsafe',
      label: 'Live system (amd64 fail-safe mode)',
      kernel: 'live/vmlinuz-6.1.0-18-amd64',
      initrds: ['live/amd-ucode.img', 'live/intel-ucode.img', 'live/initrd.img-6.1.0-18-amd64'],
      nfs: 'boot=live components netboot=nfs nfsroot=10.0.0.1:/srv/pxe/debian-12 ip=dhcp memtest noapic noapm nodma nomce nolapic nosmp nosplash vga=788',
      http: undefined,
      isDefault: true,
      sysappend: 2,
    }),
    entry({
      id: 'install',
      label: 'Start installer',
      kernel: 'install/vmlinuz',
      initrds: ['install/initrd.gz'],
      nfs: 'vga=788 --- quiet',
      http: 'vga=788 --- quiet',
    }),
  ],
};

export const arch: MenuImport = {
  name: 'arch',
  label: 'Arch Linux 2026.01.01',
  treePath: tree('arch'),
  entries: [
    entry({
      id: 'archiso-x86-64',
      label: 'Arch Linux install medium (x86_64, BIOS)',
      kernel: 'arch/boot/x86_64/vmlinuz-linux',
      initrds: ['arch/boot/intel-ucode.img', 'arch/boot/amd-ucode.img', 'arch/boot/x86_64/initramfs-linux.img'],
      nfs: 'archisobasedir=arch archiso_nfs_srv=10.0.0.1:/srv/pxe/arch ip=dhcp',
      http: 'archisobasedir=arch archiso_http_srv=http://10.0.0.1/pxe/arch/ ip=dhcp',
      sysappend: 2,
    }),
  ],
};

/** HTTP-only family: no NFS command line, so the HTTP one is used. */
export const fedora: MenuImport = {
  name: 'fedora-40',
  label: 'Fedora Workstation Live 40',
  treePath: tree('fedora-40'),
  entries: [
    entry({
      id: 'start-fedora',
      label: 'Start Fedora-Workstation-Live 40',
      kernel: 'images/pxeboot/vmlinuz',
      initrds: ['images/pxeboot/initrd.img'],
      nfs: undefined,
      http: 'root=live:http://10.0.0.1/pxe/fedora-40/LiveOS/squashfs.img rd.live.image ip=dhcp rhgb quiet',
      isDefault: true,
    }),
  ],
};

export const freedos: MenuImport = {
  name: 'freedos',
  label: 'FreeDOS 1.3 LiveCD',
  treePath: tree('freedos'),
  entries: [
    entry({
      id: 'iso',
      label: 'Boot the FreeDOS ISO',
      method: 'memdisk',
      kernel: 'memdisk',
      initrds: ['FD13LIVE.iso'],
      isDefault: true,
    }),
  ],
};

/** Command lines GRUB must quote, syslinux must not, and one iPXE cannot pass at all. */
export const quoting: MenuImport = {
  name: 'ubuntu-server',
  label: 'Ubuntu Server 24.04 (autoinstall)',
  treePath: tree('ubuntu-server'),
  entries: [
    entry({
      id: 'autoinstall',
      label: 'Autoinstall (cloud-init NoCloud seed)',
      nfs: 'boot=casper netboot=nfs nfsroot=10.0.0.1:/srv/pxe/ubuntu-server ip=dhcp autoinstall ds=nocloud;s=http://10.0.0.1/seed/ ---',
      isDefault: true,
    }),
    entry({
      id: 'specials',
      label: 'Every special character',
      nfs: 'boot=casper cost=$5 home=$HOME greeting="hello  world" q="x" amp=a&b pipe=a|b redir=<in>out brace={x} glob=* one=? set=[ab] if root=LABEL=My\\x20Disk tab=\there ---',
    }),
    entry({
      id: 'apostrophe',
      label: "It's an apostrophe",
      nfs: "boot=casper name=it's path=C:\\dos ---",
    }),
    entry({
      id: 'ipxe-unsafe',
      label: 'Arguments iPXE cannot pass',
      nfs: 'boot=casper url=${next-server}/x #anchor ---',
    }),
  ],
};

export const labels: MenuImport = {
  name: 'Ünïcode Live',
  label: '  ^Ubuntu\t“Édition” \'quoted\' "double" — Straße ^x\u0007  ',
  treePath: tree('unicode'),
  entries: [
    entry({ id: 'Try It', label: "^Try it's \"live\" ^now", nfs: 'boot=casper ---', isDefault: true }),
    entry({ id: 'dash', label: '--dash first; $HOME {x} #1 && ; || ok', nfs: 'boot=casper ---' }),
    entry({ id: 'empty', label: '  ^ \u0001 ', nfs: 'boot=casper ---' }),
  ],
};

export interface GoldenCase {
  readonly name: string;
  readonly model: MenuModel;
  readonly options?: MenuRenderOptions;
  /** Which files this case has (default: all three). */
  readonly kinds?: ReadonlyArray<'pxelinux.cfg' | 'grub.cfg' | 'boot.ipxe'>;
}

const SERIAL = { port: 0, speed: 115200 } as const;

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'single', model: model([ubuntu], { timeoutSeconds: 5 }), options: { serial: SERIAL } },
  { name: 'single-default-import', model: model([ubuntu], { defaultEntry: 'ubuntu-22' }) },
  { name: 'several', model: model([arch, debian, ubuntu], { defaultEntry: 'debian-12' }) },
  { name: 'several-default-entry', model: model([arch, debian, ubuntu], { defaultEntry: 'debian-12/install' }) },
  {
    name: 'several-include',
    model: model([arch, debian, ubuntu], { defaultEntry: 'debian-12/install' }),
    options: { standalone: false },
    kinds: ['pxelinux.cfg', 'grub.cfg'],
  },
  {
    name: 'several-http',
    model: model([arch, debian, ubuntu], { defaultEntry: 'arch', httpBase: 'http://10.0.0.1:8080/pxe/' }),
    kinds: ['boot.ipxe'],
  },
  { name: 'memdisk', model: model([freedos, ubuntu], { defaultEntry: 'freedos', httpBase: 'http://10.0.0.1/pxe/' }) },
  { name: 'http-only', model: model([fedora], { defaultEntry: 'fedora-40/start-fedora' }) },
  { name: 'quoting', model: model([quoting], { defaultEntry: 'ubuntu-server' }), options: { serial: SERIAL } },
  { name: 'labels', model: model([labels], { title: 'Lab ^menu “α”', timeoutSeconds: 0, defaultEntry: 'gone/away' }) },
];
