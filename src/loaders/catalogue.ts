/**
 * The boot-loader files a PXE root needs, and where Debian/Ubuntu and Fedora install them.
 * Pure data: `pxe-import init` (init.ts) copies them, `pxe-import dhcp` (dhcp.ts) names them.
 *
 * Facts this relies on:
 *  - pxelinux.0 loads ldlinux.c32 and the menu's modules from its own TFTP directory, then
 *    pxelinux.cfg/default; memdisk entries name "memdisk" relative to the root.
 *  - Debian's signed grubnetx64.efi has the built-in prefix /grub, so it reads grub/grub.cfg from
 *    the TFTP root: the file pxe-import writes. The unsigned monolithic build has the same prefix.
 *  - shim (bootx64.efi) loads "grubx64.efi" (and, when verification fails, "mmx64.efi") from the
 *    directory it was loaded from, so the netboot GRUB is also placed under that name.
 *  - syslinux.efi's modules share names with the BIOS ones (vesamenu.c32 …), so they live in
 *    their own folder, efi64/, next to syslinux.efi and its ldlinux.e64.
 *  - Fedora ships no GRUB image with the /grub network prefix; its UEFI clients use iPXE here.
 */

export type LoaderRole = 'bios' | 'uefi' | 'ipxe';

/** One place a file may be found, and the package that puts it there. */
export interface LoaderSource {
  readonly path: string;
  readonly distro: 'debian' | 'fedora';
  readonly pkg: string;
}

export interface LoaderFile {
  /** Path in the TFTP root. */
  readonly name: string;
  readonly role: LoaderRole;
  /** Why it is there, for the report. */
  readonly purpose: string;
  /** Tried in order; the first that exists is copied. */
  readonly sources: readonly LoaderSource[];
  /** Copied when found; when absent, reported as skipped rather than missing (shim is optional). */
  readonly optional?: boolean;
}

const debian = (path: string, pkg: string): LoaderSource => ({ path, distro: 'debian', pkg });
const fedora = (path: string, pkg: string): LoaderSource => ({ path, distro: 'fedora', pkg });

const BIOS_MODULES = '/usr/lib/syslinux/modules/bios';
const EFI64_MODULES = '/usr/lib/syslinux/modules/efi64';
const FEDORA_SYSLINUX = '/usr/share/syslinux';
const GRUB_SIGNED = '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed';
const GRUB_MONOLITHIC = '/usr/lib/grub/x86_64-efi/monolithic/grubnetx64.efi';

const biosModule = (name: string): LoaderFile => ({
  name,
  role: 'bios',
  purpose: 'pxelinux module',
  sources: [debian(`${BIOS_MODULES}/${name}`, 'syslinux-common'), fedora(`${FEDORA_SYSLINUX}/${name}`, 'syslinux-nonlinux')],
});

const efi64Module = (name: string): LoaderFile => ({
  name: `efi64/${name}`,
  role: 'uefi',
  purpose: 'syslinux.efi module',
  sources: [debian(`${EFI64_MODULES}/${name}`, 'syslinux-common'), fedora(`${FEDORA_SYSLINUX}/efi64/${name}`, 'syslinux-efi64')],
});

const netGrub = [debian(GRUB_SIGNED, 'grub-efi-amd64-signed'), debian(GRUB_MONOLITHIC, 'grub-efi-amd64-bin')];

export const LOADER_FILES: readonly LoaderFile[] = [
  {
    name: 'pxelinux.0',
    role: 'bios',
    purpose: 'BIOS boot loader (pxelinux.cfg/default)',
    sources: [debian('/usr/lib/PXELINUX/pxelinux.0', 'pxelinux'), fedora(`${FEDORA_SYSLINUX}/pxelinux.0`, 'syslinux-nonlinux')],
  },
  biosModule('ldlinux.c32'),
  biosModule('vesamenu.c32'),
  biosModule('libcom32.c32'),
  biosModule('libutil.c32'),
  {
    name: 'memdisk',
    role: 'bios',
    purpose: 'boots whole ISO images (memdisk entries)',
    sources: [debian('/usr/lib/syslinux/memdisk', 'syslinux-common'), fedora(`${FEDORA_SYSLINUX}/memdisk`, 'syslinux-nonlinux')],
  },
  { name: 'grubnetx64.efi', role: 'uefi', purpose: 'UEFI boot loader (grub/grub.cfg)', sources: netGrub },
  {
    name: 'bootx64.efi',
    role: 'uefi',
    purpose: 'shim, for Secure Boot: loads grubx64.efi',
    sources: [debian('/usr/lib/shim/shimx64.efi.signed', 'shim-signed'), fedora('/boot/efi/EFI/fedora/shimx64.efi', 'shim-x64')],
    optional: true,
  },
  { name: 'grubx64.efi', role: 'uefi', purpose: 'the GRUB shim loads (the netboot GRUB)', sources: netGrub, optional: true },
  {
    name: 'mmx64.efi',
    role: 'uefi',
    purpose: 'MokManager, which shim starts when verification fails',
    sources: [debian('/usr/lib/shim/mmx64.efi.signed', 'shim-helpers-amd64-signed'), fedora('/boot/efi/EFI/fedora/mmx64.efi', 'shim-x64')],
    optional: true,
  },
  {
    name: 'efi64/syslinux.efi',
    role: 'uefi',
    purpose: 'UEFI syslinux, an alternative to GRUB',
    sources: [debian('/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi', 'syslinux-efi'), fedora(`${FEDORA_SYSLINUX}/efi64/syslinux.efi`, 'syslinux-efi64')],
  },
  efi64Module('ldlinux.e64'),
  efi64Module('vesamenu.c32'),
  efi64Module('libcom32.c32'),
  efi64Module('libutil.c32'),
  {
    name: 'undionly.kpxe',
    role: 'ipxe',
    purpose: 'iPXE for BIOS clients (chains to boot.ipxe)',
    sources: [debian('/usr/lib/ipxe/undionly.kpxe', 'ipxe'), fedora('/usr/share/ipxe/undionly.kpxe', 'ipxe-bootimgs-x86')],
  },
  {
    name: 'snponly.efi',
    role: 'ipxe',
    purpose: "iPXE for UEFI clients, using the firmware's network driver",
    sources: [debian('/usr/lib/ipxe/snponly.efi', 'ipxe'), fedora('/usr/share/ipxe/ipxe-snponly-x86_64.efi', 'ipxe-bootimgs-x86')],
  },
  {
    name: 'ipxe.efi',
    role: 'ipxe',
    purpose: 'iPXE for UEFI clients, with its own network drivers',
    sources: [debian('/usr/lib/ipxe/ipxe.efi', 'ipxe'), fedora('/usr/share/ipxe/ipxe-x86_64.efi', 'ipxe-bootimgs-x86')],
  },
];

/** "pxelinux (Debian/Ubuntu) or syslinux-nonlinux (Fedora)": what to install for a missing file. */
export function packageHint(file: LoaderFile): string {
  const names = (d: LoaderSource['distro']) => [...new Set(file.sources.filter((s) => s.distro === d).map((s) => s.pkg))].join(' or ');
  const deb = names('debian');
  const fed = names('fedora');
  return fed ? `${deb} (Debian/Ubuntu) or ${fed} (Fedora)` : `${deb} (Debian/Ubuntu; not packaged for Fedora)`;
}
