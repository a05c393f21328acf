import { PxeError, type WarningHandler } from '../errors.js';
import type { BootCatalog } from '../iso9660/el-torito.js';
import type { IsoDirectory } from '../iso9660/entry.js';
import { readIsoImage, type ImageTree, type IsoImage } from '../iso9660/image.js';
import { openFileSource, readExactly, type ImageSource } from '../iso9660/source.js';
import type { VolumeInfo } from '../iso9660/volume-descriptor.js';
import type { DiscTree } from './tree-kinds.js';
import { hasUdfVolume, readUdfTree, readUdfVolume, type UdfVolume, type UdfVolumeInfo } from './image.js';

/** The trees an image may be read from: the ISO9660 reader's three and UDF. */
export { DISC_TREES, type DiscTree } from './tree-kinds.js';

export interface DiscReadOptions {
  /** `auto`: the ISO9660 reader's choice, but UDF when the ISO9660 tree is a stub or missing. */
  readonly tree?: DiscTree | 'auto';
  readonly onWarning?: WarningHandler;
}

/** An image with an ISO9660 side, a UDF side or both (a bridge disc), read from one tree. */
export interface DiscImage extends ImageTree {
  readonly tree: DiscTree;
  readonly trees: IsoImage['trees'] & { readonly iso9660: boolean; readonly udf: UdfVolumeInfo | undefined };
  readonly bootCatalog: BootCatalog | undefined;
  /** Why this tree was read when it was chosen for the user, e.g. over an ISO9660 stub; undefined otherwise. */
  readonly treeNote: string | undefined;
}

export async function openImage(path: string, options: DiscReadOptions = {}): Promise<DiscImage> {
  const source = await openFileSource(path);
  try {
    return await readImage(source, options);
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** Whether sector 16 holds an ISO9660 volume descriptor (ECMA-119 8.1). */
async function hasIso9660(source: ImageSource): Promise<boolean> {
  if (source.size < 17 * 2048) return false;
  return (await readExactly(source, 16 * 2048, 6, 'volume descriptor')).toString('latin1', 1, 6) === 'CD001';
}

/**
 * The stub Windows discs (and mkisofs -udf bridges made like them) put on their ISO9660 side:
 * a root holding one README.TXT that says to use a UDF reader.
 */
export function isStubTree(root: IsoDirectory): boolean {
  return root.children.length === 1 && root.children[0]!.kind === 'file' && root.children[0]!.name.toUpperCase() === 'README.TXT';
}

/** Reads the image: both sides' descriptors, then the one tree asked for or chosen. */
export async function readImage(source: ImageSource, options: DiscReadOptions = {}): Promise<DiscImage> {
  const warn = options.onWarning ?? (() => {});
  const wanted = options.tree ?? 'auto';
  const [iso9660, udf] = [await hasIso9660(source), await hasUdfVolume(source)];
  if (wanted === 'udf' && !udf) throw new PxeError('USAGE', `${source.name}: the image has no UDF tree`, { file: source.name });

  let iso: IsoImage | undefined;
  if (iso9660 || !udf) {
    try {
      // With --tree udf the ISO9660 side gives only its descriptors and boot catalog: its tree is read as the cheapest one.
      iso = await readIsoImage(source, { tree: wanted === 'udf' ? 'iso9660' : wanted, onWarning: warn });
    } catch (e) {
      // A bridge disc whose ISO9660 side is damaged can still be read from its UDF side, when that is what is read.
      if (!(e instanceof PxeError) || !udf || (wanted !== 'udf' && wanted !== 'auto') || e.code === 'USAGE') throw e;
      warn({ code: 'ISO_QUIRK', message: `the ISO9660 side cannot be read (${e.message.slice(source.name.length + 2)}); reading the UDF tree` });
    }
  } else if (wanted !== 'auto') {
    throw new PxeError('USAGE', `${source.name}: the image has no ISO9660 tree (it is UDF only)`, { file: source.name });
  }

  let volume: UdfVolume | undefined;
  if (udf) {
    try {
      volume = await readUdfVolume(source, warn);
    } catch (e) {
      if (iso && wanted !== 'udf' && e instanceof PxeError) {
        warn({ code: 'ISO_QUIRK', message: `the UDF side cannot be read (${e.message.slice(source.name.length + 2)}); reading the ISO9660 tree` });
      } else throw e;
    }
  }

  let treeNote: string | undefined;
  let readUdf = wanted === 'udf';
  if (wanted === 'auto' && volume) {
    if (!iso) {
      readUdf = true;
      if (iso9660) treeNote = 'the ISO9660 side cannot be read; reading the UDF tree';
    } else if (isStubTree(iso.root)) {
      readUdf = true;
      treeNote = `the ${iso.tree === 'iso9660' ? 'ISO9660' : iso.tree === 'joliet' ? 'Joliet' : 'Rock Ridge'} tree holds only ${iso.root.children[0]!.name} (a stub for readers without UDF); reading the UDF tree (extract and inspect read the stub with --tree ${iso.tree})`;
    }
  }

  const trees = {
    rockRidge: iso?.trees.rockRidge ?? false,
    joliet: iso?.trees.joliet,
    extensions: iso?.trees.extensions ?? [],
    iso9660: iso !== undefined,
    udf: volume?.info,
  };
  if (!readUdf || !volume) {
    if (!iso) throw new PxeError('INTERNAL', `${source.name}: neither tree was read`, { file: source.name });
    return { ...iso, trees, treeNote };
  }
  const tree = await readUdfTree(source, warn, volume);
  return {
    source,
    root: tree.root,
    hardLinks: tree.hardLinks,
    stats: tree.stats,
    volume: iso?.volume ?? udfVolumeInfo(volume, source),
    // Both sides' descriptors: rebuilding either side changes the image's identity.
    fingerprint: iso ? `${iso.fingerprint.slice(0, 32)}${tree.fingerprint.slice(0, 32)}` : tree.fingerprint,
    tree: 'udf',
    trees,
    bootCatalog: iso?.bootCatalog,
    treeNote,
  };
}

/** The ISO9660-shaped volume identity of a UDF-only image, for the stages that name a volume. */
function udfVolumeInfo(volume: UdfVolume, source: ImageSource): VolumeInfo {
  const i = volume.info;
  return {
    systemId: '',
    volumeId: i.logicalVolumeId || i.volumeId,
    volumeSetId: i.volumeSetId,
    publisherId: '',
    preparerId: i.implementationId,
    applicationId: i.applicationId,
    volumeBlocks: Math.floor(source.size / i.blockSize),
    logicalBlockSize: i.blockSize,
    created: i.recorded,
    modified: undefined,
  };
}
