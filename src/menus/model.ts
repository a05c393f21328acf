import type { BootEntry } from '../profiles/boot-entry.js';

/**
 * Everything the three boot menus are rendered from. Built from the whole import
 * state, so the same state always renders byte-identical files.
 */
export interface MenuModel {
  /** Menu title, e.g. "PXE boot menu". */
  readonly title: string;
  /** Seconds before the default entry boots; 0 waits forever. */
  readonly timeoutSeconds: number;
  /**
   * What boots when the timeout expires: "local" (the safe default: boot the local
   * disk) or "<import name>" (its default entry) or "<import name>/<entry id>".
   */
  readonly defaultEntry: string;
  /** Imports in menu order (sorted by name). */
  readonly imports: readonly MenuImport[];
  /**
   * When set, iPXE fetches kernels and initrds over HTTP from here (the PXE root's
   * URL, ending in "/"); otherwise over TFTP. pxelinux and GRUB always use TFTP.
   */
  readonly httpBase: string | undefined;
  /**
   * Machines that boot one entry without a menu (src/menus/hosts.ts renders their files). When
   * non-empty, grub.cfg and boot.ipxe first hand such a machine to its own file.
   */
  readonly hosts?: readonly MenuHost[];
  /** Items that hand the client to a distribution's own netboot tree, after the imports. */
  readonly chains?: readonly MenuChain[];
}

export interface MenuHost {
  /** Normalised `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** Import name and entry id (undefined: the import's default entry). */
  readonly importName: string;
  readonly entryId: string | undefined;
  /** Extra kernel arguments, appended to the entry's own; '' when none. */
  readonly append: string;
}

export interface MenuChain {
  /** Unique name (the chain's name). */
  readonly name: string;
  readonly label: string;
  /** Path prefix ending in "/": relative to the root, or an http:// URL. */
  readonly prefix: string;
}

export interface MenuImport {
  /** The import's name, e.g. "ubuntu-22". */
  readonly name: string;
  /** Human label for the import, e.g. "Ubuntu 22.04.3 LTS". */
  readonly label: string;
  /**
   * Directory of this import's current version relative to the TFTP/HTTP root,
   * without leading or trailing "/", e.g. ".pxe-import/versions/ubuntu-22/20261122T041500Z-3fa2b1c9".
   * Entry kernel and initrd paths are relative to it (memdisk entries excepted: their
   * kernel "memdisk" is in the TFTP root).
   */
  readonly treePath: string;
  readonly entries: readonly BootEntry[];
}

/** The command line a menu passes: NFS root when the family supports it, else HTTP. */
export function menuCommandLine(entry: BootEntry): string {
  return entry.nfs ?? entry.http ?? '';
}
