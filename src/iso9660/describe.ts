import type { BootCatalogEntry } from './el-torito.js';
import { walkEntries } from './entry.js';
import type { IsoImage, TreeKind } from './image.js';
import { SECTOR_SIZE } from './bytes.js';

/** What `pxe-import inspect` reports about an image; also its `--json` shape. */
/** `T`: the trees the reader that made the image knows (the UDF reader adds its own). */
export interface ImageDescription<T extends string = TreeKind> {
  readonly image: string;
  readonly imageBytes: number;
  readonly volumeId: string;
  readonly systemId: string;
  readonly publisherId: string;
  readonly preparerId: string;
  readonly applicationId: string;
  readonly created: string | undefined;
  readonly volumeBytes: number;
  readonly trees: { readonly rockRidge: boolean; readonly joliet: number | undefined; readonly iso9660: boolean; readonly extensions: readonly string[] };
  readonly tree: T;
  readonly elTorito: readonly (BootCatalogEntry & { readonly file: string | undefined })[] | undefined;
  readonly counts: { readonly files: number; readonly directories: number; readonly symlinks: number; readonly specialFiles: number; readonly hardLinks: number; readonly bytes: number };
  readonly fingerprint: string;
}

export function describeImage<T extends string = TreeKind>(image: Omit<IsoImage, 'tree' | 'trees'> & { readonly tree: T; readonly trees: IsoImage['trees'] & { readonly iso9660?: boolean } }): ImageDescription<T> {
  // Boot images are usually files in the tree too (isolinux.bin, efi.img); say which, when they are.
  const fileAt = new Map<number, string>();
  if (image.bootCatalog) {
    for (const e of walkEntries(image.root)) {
      const first = e.kind === 'file' ? e.extents[0] : undefined;
      if (first) fileAt.set(first.position / SECTOR_SIZE, `/${e.path}`);
    }
  }
  let hardLinks = 0;
  for (const group of image.hardLinks.values()) hardLinks += group.length - 1;
  const v = image.volume;
  return {
    image: image.source.name,
    imageBytes: image.source.size,
    volumeId: v.volumeId,
    systemId: v.systemId,
    publisherId: v.publisherId,
    preparerId: v.preparerId,
    applicationId: v.applicationId,
    created: v.created?.toISOString(),
    volumeBytes: v.volumeBlocks * v.logicalBlockSize,
    trees: { rockRidge: image.trees.rockRidge, joliet: image.trees.joliet, iso9660: image.trees.iso9660 ?? true, extensions: image.trees.extensions },
    tree: image.tree,
    elTorito: image.bootCatalog?.entries.map((e) => ({ ...e, file: fileAt.get(e.imageLba) })),
    counts: { ...image.stats, hardLinks },
    fingerprint: image.fingerprint,
  };
}
