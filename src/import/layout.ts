import { basename, join } from 'node:path';
import { PxeError } from '../errors.js';
import { LOADER_FILES } from '../loaders/catalogue.js';

/**
 * Where everything lives under the PXE root. The root is both the TFTP root and
 * the directory exported over NFS and served over HTTP.
 *
 *   ROOT/NAME                                  symlink to the current version (for people and HTTP)
 *   ROOT/.pxe-import/versions/NAME/VERSION/    an extracted tree; what menus and exports point at
 *   ROOT/.pxe-import/staging/                  trees being extracted (same file system, so rename is atomic)
 *   ROOT/.pxe-import/state.json                the truth; every other file is derived from it
 *   ROOT/.pxe-import/lock
 *   ROOT/pxelinux.cfg/default, ROOT/grub/grub.cfg, ROOT/boot.ipxe   the menus
 */
export class Layout {
  constructor(readonly root: string) {}

  get meta(): string {
    return join(this.root, '.pxe-import');
  }
  get state(): string {
    return join(this.meta, 'state.json');
  }
  get lock(): string {
    return join(this.meta, 'lock');
  }
  /** `pxe-import serve`'s boot log (JSON lines; the previous one as boots.jsonl.1). */
  get bootLog(): string {
    return join(this.meta, 'boots.jsonl');
  }
  /** The dnsmasq configuration `serve --dhcp` runs with, and its lease file. */
  get dnsmasqConfig(): string {
    return join(this.meta, 'dnsmasq.conf');
  }
  get dnsmasqLeases(): string {
    return join(this.meta, 'dnsmasq.leases');
  }
  get staging(): string {
    return join(this.meta, 'staging');
  }
  /** Every import's versions live below this folder. */
  get versionsDir(): string {
    return join(this.meta, 'versions');
  }
  versionsOf(name: string): string {
    return join(this.meta, 'versions', name);
  }
  /** Path of a version relative to the root, as menus write it. */
  treePath(name: string, version: string): string {
    return `.pxe-import/versions/${name}/${version}`;
  }
  version(name: string, version: string): string {
    return join(this.root, this.treePath(name, version));
  }
  link(name: string): string {
    return join(this.root, name);
  }
  get pxelinuxDefault(): string {
    return join(this.root, 'pxelinux.cfg', 'default');
  }
  get pxelinuxInclude(): string {
    return join(this.root, 'pxelinux.cfg', 'pxe-import.menu');
  }
  get grubConfig(): string {
    return join(this.root, 'grub', 'grub.cfg');
  }
  get grubInclude(): string {
    return join(this.root, 'grub', 'pxe-import.cfg');
  }
  get ipxeScript(): string {
    return join(this.root, 'boot.ipxe');
  }
  get ipxeInclude(): string {
    return join(this.root, 'pxe-import.ipxe');
  }
}

/** Names become directory names, menu labels and export paths: keep them plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Names pxe-import or `pxe-import init` write at the top of the root: an import may not take them. */
const RESERVED = new Set([
  'pxelinux.cfg', 'grub', 'boot.ipxe', 'pxe-import.ipxe', 'hosts',
  ...LOADER_FILES.map((file) => file.name.split('/')[0]!),
]);

export function checkName(name: string): string {
  if (!NAME.test(name) || name.endsWith('.iso')) {
    throw new PxeError('USAGE', `--as: invalid name "${name}": use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  if (RESERVED.has(name) || name.startsWith('.')) throw new PxeError('USAGE', `--as: "${name}" is reserved for boot-loader files`);
  return name;
}

/** Version ids sort by time: "20261122T035300Z-3fa2b1c9" (UTC time, then the image fingerprint). */
export function versionId(now: Date, fingerprint: string, taken: (id: string) => boolean = () => false): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = `${t}-${fingerprint.slice(0, 8)}`;
  // A --force re-import can finish within the second of the version it replaces.
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}.${n}`;
  return id;
}

/** "20261122T035300Z-3fa2b1c9", with ".N" when a --force re-import fell in the same second. */
const VERSION_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}(?:\.(\d+))?$/;

export function isVersionId(id: string): boolean {
  return VERSION_ID.test(id);
}

/** When a version was made (its id's time), or undefined for a name that is not a version id. */
export function versionTime(id: string): Date | undefined {
  const m = VERSION_ID.exec(id);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`) : undefined;
}

/** Orders version ids oldest first: by their time, then (the same image within a second) by their ".N". */
export function compareVersionIds(a: string, b: string): number {
  const suffix = (id: string) => Number(VERSION_ID.exec(id)?.[7] ?? 1);
  const base = (id: string) => id.replace(/\.\d+$/, '');
  return base(a) < base(b) ? -1 : base(a) > base(b) ? 1 : suffix(a) - suffix(b);
}

/** A name for an image when none is given: its file name without ".iso", in the characters names allow. */
export function nameFromImage(image: string): string {
  const base = basename(image).replace(/\.iso$/i, '');
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '') || 'image'
  );
}
