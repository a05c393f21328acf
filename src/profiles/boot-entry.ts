/**
 * The one boot-entry model. Profiles produce it; the pxelinux, GRUB and iPXE
 * renderers (src/menus) each render it; state.json stores it. Paths are relative
 * to the imported tree's root, so the same entry works wherever the tree is served.
 */
export interface BootEntry {
  /** Stable id within one import, e.g. "try-or-install-ubuntu". */
  readonly id: string;
  /** The ISO's own label where it has one. */
  readonly label: string;
  /**
   * `linux`: kernel and initrds are paths inside the tree, without a leading "/".
   * `memdisk`: kernel is the memdisk loader in the TFTP root, the one initrd is the ISO file.
   * `sanboot`: iPXE boots the one initrd, the ISO file, as a SAN disk over HTTP; kernel is unused ("").
   */
  readonly method: 'linux' | 'memdisk' | 'sanboot';
  readonly kernel: string;
  /** Initrds in load order (microcode first). */
  readonly initrds: readonly string[];
  /** Full kernel command line for booting with the root file system over NFS; undefined when the family cannot. */
  readonly nfs: string | undefined;
  /** Full kernel command line for booting over HTTP; undefined when the family cannot. */
  readonly http: string | undefined;
  readonly isDefault: boolean;
  /** Where the entry came from: the ISO's own boot configuration, or the profile's file patterns. */
  readonly origin: { readonly kind: 'boot-config'; readonly file: string; readonly line: number } | { readonly kind: 'profile' };
  /**
   * pxelinux SYSAPPEND bits the family needs (2 = BOOTIF= for initrds that must
   * know which NIC booted); 0 when none.
   */
  readonly sysappend: number;
}
