import type { ZisofsParameters } from './rock-ridge.js';

/** One contiguous run of file data in the image. */
export interface Extent {
  /** Byte offset in the image file. */
  readonly position: number;
  readonly length: number;
}

export interface EntryBase {
  /** The name as extraction writes it (Rock Ridge, else Joliet, else plain ISO9660). */
  readonly name: string;
  /** Path from the image root, "/"-separated, no leading slash; "" for the root. */
  readonly path: string;
  /** Permission bits (07777) from Rock Ridge; undefined without Rock Ridge. */
  readonly mode: number | undefined;
  readonly mtime: Date | undefined;
  readonly atime: Date | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

export interface IsoFile extends EntryBase {
  readonly kind: 'file';
  /** Logical size: the decompressed size for zisofs files. */
  readonly size: number;
  /** The data as stored, in file order. Several extents for multi-extent files. */
  readonly extents: readonly Extent[];
  /** Set when the data is zisofs-compressed and must be inflated on the way out. */
  readonly zisofs: ZisofsParameters | undefined;
  /** Entries with the same hard-link group share one inode after extraction. */
  readonly hardLinkGroup: number | undefined;
}

export interface IsoDirectory extends EntryBase {
  readonly kind: 'directory';
  readonly children: readonly IsoEntry[];
}

export interface IsoSymlink extends EntryBase {
  readonly kind: 'symlink';
  readonly target: string;
}

export interface IsoSpecialFile extends EntryBase {
  readonly kind: 'block-device' | 'char-device' | 'fifo' | 'socket';
  readonly device: { readonly major: number; readonly minor: number } | undefined;
}

export type IsoEntry = IsoFile | IsoDirectory | IsoSymlink | IsoSpecialFile;

/** Depth-first, parents before children, children in directory order. */
export function* walkEntries(root: IsoDirectory): Generator<IsoEntry> {
  const stack: IsoEntry[] = [root];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    yield entry;
    if (entry.kind === 'directory') {
      for (let i = entry.children.length - 1; i >= 0; i--) stack.push(entry.children[i]!);
    }
  }
}

/** Finds an entry by "/"-separated path from the root (leading "/" optional). Does not follow symlinks. */
export function findEntry(root: IsoDirectory, path: string): IsoEntry | undefined {
  let current: IsoEntry = root;
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (current.kind !== 'directory') return undefined;
    const next: IsoEntry | undefined = current.children.find((c) => c.name === part);
    if (!next) return undefined;
    current = next;
  }
  return current;
}
