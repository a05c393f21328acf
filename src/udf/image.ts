import { createHash } from 'node:crypto';
import { PxeError, type WarningHandler } from '../errors.js';
import type { Extent, IsoDirectory, IsoEntry, IsoFile } from '../iso9660/entry.js';
import { summarise, type ImageStats } from '../iso9660/image.js';
import { checkLimit, MAX_DEPTH, MAX_DIRECTORY_BYTES, MAX_ENTRIES, MAX_TOTAL_DIRECTORY_BYTES, Tally } from '../iso9660/limits.js';
import { checkEntryName, checkSymlinkTarget, quoteName, showPath } from '../iso9660/names.js';
import type { ImageSource } from '../iso9660/source.js';
import type { LogicalBlockAddress } from './allocation-descriptor.js';
import { readAnchor, readVolumeRecognition } from './anchor.js';
import { FileType, posixMode, type FileEntry } from './file-entry.js';
import { FileCharacteristics, parseFileIdentifier } from './file-identifier.js';
import { parseFileSetDescriptor, type FileSetDescriptor } from './file-set.js';
import { MAX_SYMLINK_BYTES } from './limits.js';
import { LogicalVolume, structureError, type Icb } from './logical-volume.js';
import { decodeSymlinkTarget } from './path-component.js';
import { readVolumeDescriptorSequence, type PartitionMap } from './volume-descriptors.js';

/** What `inspect` shows of a UDF volume. */
export interface UdfVolumeInfo {
  /** NSR02 (UDF 1.02-1.50) or NSR03 (2.00+), from the volume recognition sequence. */
  readonly standard: 'NSR02' | 'NSR03';
  /** The OSTA UDF revision the logical volume's domain declares, as "2.50"; undefined without the OSTA domain. */
  readonly revision: string | undefined;
  readonly blockSize: number;
  readonly volumeId: string;
  readonly volumeSetId: string;
  readonly logicalVolumeId: string;
  readonly fileSetId: string;
  readonly applicationId: string;
  readonly implementationId: string;
  readonly recorded: Date | undefined;
  readonly partitionMaps: readonly PartitionMap[];
  readonly partitions: readonly { readonly number: number; readonly start: number; readonly length: number; readonly accessType: number }[];
}

export interface UdfVolume {
  readonly info: UdfVolumeInfo;
  readonly logicalVolume: LogicalVolume;
  readonly fileSet: FileSetDescriptor;
  /** The volume descriptor sequence's bytes, for the image's fingerprint. */
  readonly descriptorBytes: Buffer;
}

export interface UdfTree {
  readonly volume: UdfVolume;
  readonly root: IsoDirectory;
  readonly hardLinks: ReadonlyMap<number, readonly IsoFile[]>;
  readonly stats: ImageStats;
  readonly fingerprint: string;
}

/** Whether the image carries a UDF volume (its recognition sequence names one). */
export async function hasUdfVolume(source: ImageSource): Promise<boolean> {
  return (await readVolumeRecognition(source)) !== undefined;
}

/** Reads the volume structure: recognition sequence, anchor, volume descriptors, partition maps, file set. */
export async function readUdfVolume(source: ImageSource, warn: WarningHandler = () => {}): Promise<UdfVolume> {
  const standard = await readVolumeRecognition(source);
  if (!standard) throw new PxeError('ISO_INVALID', `${source.name}: no UDF volume (no NSR02 or NSR03 descriptor in the volume recognition sequence)`, { file: source.name });
  const anchor = await readAnchor(source, standard);
  const vds = await readVolumeDescriptorSequence(source, anchor);
  const logicalVolume = await LogicalVolume.open(source, vds, warn);
  const lvd = vds.logicalVolume;
  const where = 'UDF file set descriptor';
  const fsdAddress = lvd.fileSet.location;
  const { block } = await logicalVolume.readBlock(fsdAddress, where);
  let fileSet: FileSetDescriptor;
  try {
    fileSet = parseFileSetDescriptor(block, fsdAddress.block, source.name, `${where} at block ${fsdAddress.block}`);
  } catch (e) {
    throw structureError(e, source.name, `${where} at block ${fsdAddress.block}`);
  }
  const revision = lvd.udfRevision === undefined ? undefined : `${(lvd.udfRevision >> 8).toString(16)}.${(lvd.udfRevision & 0xff).toString(16).padStart(2, '0')}`;
  return {
    info: {
      standard,
      revision,
      blockSize: lvd.blockSize,
      volumeId: vds.primary.volumeId,
      volumeSetId: vds.primary.volumeSetId,
      logicalVolumeId: lvd.logicalVolumeId,
      fileSetId: fileSet.fileSetId,
      applicationId: vds.primary.applicationId,
      implementationId: vds.primary.implementationId,
      recorded: vds.primary.recorded,
      partitionMaps: lvd.partitionMaps,
      partitions: [...vds.partitions.values()].map(({ number, start, length, accessType }) => ({ number, start, length, accessType })),
    },
    logicalVolume,
    fileSet,
    descriptorBytes: vds.bytes,
  };
}

/** Reads the UDF volume and its whole directory tree, in the entry model the ISO9660 reader gives. */
export async function readUdfTree(source: ImageSource, warn: WarningHandler = () => {}, volume?: UdfVolume): Promise<UdfTree> {
  const udf = volume ?? (await readUdfVolume(source, warn));
  const walker = new TreeWalker(source, udf.logicalVolume, warn);
  const root = await walker.walk(udf.fileSet.root.location);
  const { hardLinks, stats } = summarise(root);
  return { volume: udf, root, hardLinks, stats, fingerprint: createHash('sha256').update(udf.descriptorBytes).digest('hex') };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableDirectory = Mutable<Omit<IsoDirectory, 'children'>> & { children: IsoEntry[] };

interface PendingDirectory {
  readonly icb: Icb;
  readonly node: MutableDirectory;
  readonly depth: number;
}

const keyOf = (a: LogicalBlockAddress) => a.partition * 0x100000000 + a.block;

/** One pass over the tree: the loop guards, the limits and the hard-link bookkeeping for it. */
class TreeWalker {
  /** Directory ICBs already read: a second way to one is a loop (UDF allows no directory hard links). */
  readonly #directories = new Set<number>();
  /** Blocks of directory data already read, so directories sharing data are refused at once. */
  readonly #directoryBytes: Tally;
  readonly #seenDirectoryData = new Set<number>();
  #entries = 0;

  constructor(
    readonly source: ImageSource,
    readonly lv: LogicalVolume,
    readonly warn: WarningHandler,
  ) {
    this.#directoryBytes = new Tally(MAX_TOTAL_DIRECTORY_BYTES, source.name, (max) => `more than ${max} bytes of UDF directories`);
  }

  get image(): string {
    return this.source.name;
  }

  async walk(rootAddress: LogicalBlockAddress): Promise<IsoDirectory> {
    const icb = await this.lv.readIcb(rootAddress, 'UDF root directory');
    if (icb.entry.icb.fileType !== FileType.directory) {
      throw new PxeError('ISO_INVALID', `${this.image}: UDF root directory at block ${rootAddress.block} has file type ${icb.entry.icb.fileType}, not a directory`, { file: this.image });
    }
    const root: MutableDirectory = { kind: 'directory', name: '', path: '', children: [], ...attributes(icb.entry) };
    this.#directories.add(keyOf(icb.address));
    const stack: PendingDirectory[] = [{ icb, node: root, depth: 0 }];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const subdirectories = await this.#readDirectory(dir);
      for (let i = subdirectories.length - 1; i >= 0; i--) stack.push(subdirectories[i]!);
    }
    return root;
  }

  async #readDirectory({ icb, node, depth }: PendingDirectory): Promise<PendingDirectory[]> {
    const where = node.path === '' ? 'UDF root directory' : `UDF directory ${showPath(node.path)}`;
    checkLimit(depth, MAX_DEPTH, this.image, () => `${where} is nested more than ${MAX_DEPTH} levels deep`);
    const size = icb.entry.informationLength;
    checkLimit(size, MAX_DIRECTORY_BYTES, this.image, () => `${where} is ${size} bytes, over the ${MAX_DIRECTORY_BYTES}-byte limit`);
    const pieces = await this.lv.pieces(icb, where);
    for (const p of pieces) {
      if (p.position === undefined) continue;
      // Embedded directories live in their own entry's block; only extents can be shared.
      if (p.position >= icb.position && p.position < icb.position + this.lv.blockSize) continue;
      for (let b = Math.floor(p.position / this.lv.blockSize); b * this.lv.blockSize < p.position + p.length; b++) {
        if (this.#seenDirectoryData.has(b)) {
          throw new PxeError('ISO_LOOP', `${this.image}: ${where} shares its data (image block ${b}) with a directory already read: the directory structure loops`, { file: this.image });
        }
        this.#seenDirectoryData.add(b);
      }
    }
    this.#directoryBytes.add(size);
    const data = await this.lv.readPieces(pieces, where);

    const subdirectories: PendingDirectory[] = [];
    const names = new Set<string>();
    for (let o = 0; o < data.length; ) {
      let fid;
      try {
        fid = parseFileIdentifier(data, o, this.image, where);
      } catch (e) {
        throw structureError(e, this.image, `${where}, file identifier at offset ${o}`);
      }
      o += fid.size;
      if (fid.characteristics & (FileCharacteristics.deleted | FileCharacteristics.parent)) continue;
      checkLimit(++this.#entries, MAX_ENTRIES, this.image, () => `more than ${MAX_ENTRIES} entries`);
      const sub = await this.#addEntry(node, fid.name, fid.icb.location, names, depth);
      if (sub) subdirectories.push(sub);
    }
    return subdirectories;
  }

  async #addEntry(parent: MutableDirectory, name: string, address: LogicalBlockAddress, names: Set<string>, depth: number): Promise<PendingDirectory | undefined> {
    const parentWhere = parent.path === '' ? '/' : `/${parent.path}/`;
    const unsafe = checkEntryName(name);
    if (unsafe) {
      const shownParent = parent.path === '' ? '/' : `${showPath(parent.path)}/`;
      this.warn({ code: 'ENTRY_UNSAFE', message: `${shownParent}${quoteName(name)}: ${unsafe}; entry skipped`, path: `${parentWhere}${name}` });
      return undefined;
    }
    const path = parent.path === '' ? name : `${parent.path}/${name}`;
    const shown = showPath(path);
    if (names.has(name)) {
      this.warn({ code: 'ENTRY_DUPLICATE', message: `${shown}: a second entry with this name in the same directory; skipped`, path: `/${path}` });
      return undefined;
    }
    names.add(name);
    const what = `file entry of ${shown}`;
    const icb = await this.lv.readIcb(address, what);
    const { entry } = icb;
    const attrs = attributes(entry);
    switch (entry.icb.fileType) {
      case FileType.directory: {
        const key = keyOf(icb.address);
        if (this.#directories.has(key)) {
          throw new PxeError('ISO_LOOP', `${this.image}: UDF directory ${shown} (block ${icb.address.block}) is reached twice: the directory structure loops`, { file: this.image });
        }
        this.#directories.add(key);
        const node: MutableDirectory = { kind: 'directory', name, path, children: [], ...attrs };
        parent.children.push(node);
        return { icb, node, depth: depth + 1 };
      }
      case FileType.symlink: {
        checkLimit(entry.informationLength, MAX_SYMLINK_BYTES, this.image, () => `${what}: symbolic link of ${entry.informationLength} bytes, over the ${MAX_SYMLINK_BYTES}-byte limit`);
        const data = await this.lv.readPieces(await this.lv.pieces(icb, what), what);
        let target: string;
        try {
          target = decodeSymlinkTarget(data);
        } catch (e) {
          this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: ${(e as Error).message}; symbolic link skipped`, path: `/${path}` });
          return undefined;
        }
        const unusable = checkSymlinkTarget(target);
        if (unusable) {
          this.warn({ code: 'ENTRY_UNSAFE', message: `${shown}: ${unusable}; entry skipped`, path: `/${path}` });
          return undefined;
        }
        parent.children.push({ kind: 'symlink', name, path, target, ...attrs });
        return undefined;
      }
      case FileType.blockDevice:
      case FileType.charDevice:
      case FileType.fifo:
      case FileType.socket: {
        const t = entry.icb.fileType;
        const kind = t === FileType.blockDevice ? 'block-device' : t === FileType.charDevice ? 'char-device' : t === FileType.fifo ? 'fifo' : 'socket';
        // Device numbers live in an extended attribute (ECMA-167 4/14.10.7) the reader does not decode.
        parent.children.push({ kind, name, path, device: undefined, ...attrs });
        return undefined;
      }
      case FileType.unspecified:
      case FileType.file:
      case FileType.realTime: {
        const pieces = await this.lv.pieces(icb, what);
        if (pieces.some((p) => p.position === undefined)) {
          this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: sparse file (extents not recorded) is not supported; skipped`, path: `/${path}` });
          names.delete(name);
          return undefined;
        }
        const file: Mutable<IsoFile> & { inode?: number } = {
          kind: 'file',
          name,
          path,
          size: entry.informationLength,
          extents: pieces as Extent[],
          zisofs: undefined,
          hardLinkGroup: undefined,
          ...attrs,
        };
        // Names for the same ICB are hard links (OSTA UDF 3.3.4.4): summarise() groups by this number.
        file.inode = keyOf(icb.address) + 1;
        parent.children.push(file);
        return undefined;
      }
      default:
        this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: UDF file type ${entry.icb.fileType} is not a file, directory or link; skipped`, path: `/${path}` });
        names.delete(name);
        return undefined;
    }
  }
}

function attributes(entry: FileEntry) {
  return { mode: posixMode(entry), mtime: entry.modified, atime: entry.accessed, uid: entry.uid, gid: entry.gid };
}
