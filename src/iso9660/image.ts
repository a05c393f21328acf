import { createHash } from 'node:crypto';
import { PxeError, type WarningHandler } from '../errors.js';
import { decodeName, decodeUcs2be, reportBothEndian, SECTOR_SIZE, type BothEndianReporter } from './bytes.js';
import { isSelfOrParent, parseDirectoryRecord, plainIsoName, type DirectoryRecord } from './directory-record.js';
import { readBootCatalog, type BootCatalog } from './el-torito.js';
import type { Extent, IsoDirectory, IsoEntry, IsoFile } from './entry.js';
import { checkLimit, expansionLimit, MAX_CE_BYTES, MAX_EXPANSION, MAX_DEPTH, MAX_DIRECTORY_BYTES, MAX_DIRECTORY_RECORDS, MAX_ENTRIES, MAX_TOTAL_DIRECTORY_BYTES, Tally } from './limits.js';
import { checkEntryName, checkSymlinkTarget, quoteName, showPath } from './names.js';
import {
  extensionIds,
  parseRockRidge,
  S_IFBLK,
  S_IFCHR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFSOCK,
  type RockRidgeEntry,
} from './rock-ridge.js';
import { SectorCache } from './sector-cache.js';
import { openFileSource, readExactly, type ImageSource } from './source.js';
import { findSuspOffset, readSuspEntries, type SuspContext } from './susp.js';
import { readVolumeDescriptors, type PrimaryVolumeDescriptor, type SupplementaryVolumeDescriptor, type VolumeInfo } from './volume-descriptor.js';
import { readZisofsHeader } from './zisofs.js';

/** Names mkisofs, genisoimage and libisofs give the directory that holds relocated deep directories. */
const RELOCATION_DIRECTORIES = new Set(['rr_moved', '.rr_moved', 'RR_MOVED']);

export type TreeKind = 'rockridge' | 'joliet' | 'iso9660';

export interface ReadOptions {
  /** Which tree to read. `auto` takes Rock Ridge, then Joliet, then plain ISO9660 names. */
  readonly tree?: TreeKind | 'auto';
  readonly onWarning?: WarningHandler;
}

export interface ImageStats {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly specialFiles: number;
  /** Bytes of file data after extraction, each hard-link group counted once. */
  readonly bytes: number;
}

export interface IsoImage {
  readonly source: ImageSource;
  readonly volume: VolumeInfo;
  /** Which trees the image carries, and the SUSP extensions (ER) its root declares. */
  readonly trees: { readonly rockRidge: boolean; readonly joliet: 1 | 2 | 3 | undefined; readonly extensions: readonly string[] };
  /** The tree `root` was read from. */
  readonly tree: TreeKind;
  readonly root: IsoDirectory;
  readonly bootCatalog: BootCatalog | undefined;
  /** Hard-link groups by id: each holds two or more files sharing data. */
  readonly hardLinks: ReadonlyMap<number, readonly IsoFile[]>;
  readonly stats: ImageStats;
  /** sha256 of the volume descriptors: changes whenever the image is rebuilt. */
  readonly fingerprint: string;
}

/** What the stages after a reader use of an image: its tree, the data behind it and its identity. The UDF reader gives the same. */
export type ImageTree = Pick<IsoImage, 'source' | 'root' | 'hardLinks' | 'stats' | 'volume' | 'fingerprint'>;

export async function openIsoImage(path: string, options: ReadOptions = {}): Promise<IsoImage> {
  const source = await openFileSource(path);
  try {
    return await readIsoImage(source, options);
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** Reads all metadata of an image: volume descriptors, the chosen directory tree, the boot catalog. */
export async function readIsoImage(source: ImageSource, options: ReadOptions = {}): Promise<IsoImage> {
  const warn = options.onWarning ?? (() => {});
  const bothEndian = reportBothEndian(warn);
  const descriptors = await readVolumeDescriptors(source, bothEndian);
  const sectors = new SectorCache(source);
  const { primary, joliet } = descriptors;

  const rootSelf = await readSelfRecord(source, primary.root, 'root directory', bothEndian);
  const suspOffset = findSuspOffset(rootSelf.systemUse);
  const susp: SuspContext = {
    image: source.name,
    imageSize: source.size,
    sectors,
    ceBytes: new Tally(MAX_CE_BYTES, source.name, (max) => `more than ${max} bytes of Rock Ridge continuation areas (CE)`),
    warn: (message) => warn({ code: 'ISO_QUIRK', message }),
    bothEndian,
  };
  // Some writers emit Rock Ridge without the SP marker (pycdlib #123); accept PX/NM in the root's "." record.
  let rockRidge = suspOffset !== undefined;
  let extensions: string[] = [];
  if (rootSelf.systemUse.length >= 4) {
    const rootEntries = await readSuspEntries(rootSelf.systemUse, susp, 'root directory');
    extensions = extensionIds(rootEntries);
    if (!rockRidge) rockRidge = parseRockRidge(rootEntries, () => {}).present;
  }

  const wanted = options.tree ?? 'auto';
  let tree: TreeKind;
  if (wanted === 'auto') tree = rockRidge ? 'rockridge' : joliet ? 'joliet' : 'iso9660';
  else if (wanted === 'rockridge' && !rockRidge) throw new PxeError('USAGE', `${source.name}: the image has no Rock Ridge tree`, { file: source.name });
  else if (wanted === 'joliet' && !joliet) throw new PxeError('USAGE', `${source.name}: the image has no Joliet tree`, { file: source.name });
  else tree = wanted;

  const walker = new TreeWalker(source, susp, tree, tree === 'rockridge' ? (suspOffset ?? 0) : undefined, (w) => warn(w), bothEndian);
  const rootRecord = tree === 'joliet' ? (joliet as SupplementaryVolumeDescriptor).root : primary.root;
  const root = await walker.walk(rootRecord);

  let bootCatalog: BootCatalog | undefined;
  if (descriptors.bootRecord?.bootCatalogSector !== undefined) {
    bootCatalog = await readBootCatalog(sectors, descriptors.bootRecord.bootCatalogSector, source.size);
    for (const problem of bootCatalog.problems) warn({ code: 'ELTORITO_INVALID', message: `El Torito ${problem} (catalog at block ${bootCatalog.sector}); boot entries may be missing` });
  }

  const { hardLinks, stats } = summarise(root);
  // Files sharing data or inflating from zisofs can make a small image extract to far more than its size.
  const maxBytes = expansionLimit(source.size);
  checkLimit(stats.bytes, maxBytes, source.name, () => `the tree would extract to ${stats.bytes} bytes, more than ${maxBytes} (${MAX_EXPANSION} times the image's size)`);
  return {
    source,
    volume: volumeInfo(primary),
    trees: { rockRidge, joliet: joliet?.jolietLevel, extensions },
    tree,
    root,
    bootCatalog,
    hardLinks,
    stats,
    fingerprint: createHash('sha256').update(descriptors.descriptorBytes).digest('hex'),
  };
}

function volumeInfo(p: PrimaryVolumeDescriptor): VolumeInfo {
  const { type: _t, sector: _s, root: _r, ...info } = p;
  return info;
}

/** Reads the first record of a directory's extent, which must be its "." record. */
async function readSelfRecord(source: ImageSource, dir: DirectoryRecord, what: string, bothEndian: BothEndianReporter): Promise<DirectoryRecord> {
  const position = (dir.extent + dir.extendedAttributeLength) * SECTOR_SIZE;
  const sector = await readExactly(source, position, SECTOR_SIZE, what);
  const where = `${what} at block ${dir.extent}`;
  const self = parseDirectoryRecord(sector, 0, source.name, where, bothEndian(where));
  if (isSelfOrParent(self) !== 'self') {
    throw new PxeError('ISO_INVALID', `${source.name}: ${what} at block ${dir.extent} does not start with its "." record`, { file: source.name });
  }
  return self;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableDirectory = Mutable<Omit<IsoDirectory, 'children'>> & { children: IsoEntry[] };

/** Where a directory's records are: copied out of the parent's record, so a pending directory does not pin its parent's data. */
type DirectoryExtent = Pick<DirectoryRecord, 'extent' | 'extendedAttributeLength' | 'dataLength'>;

interface PendingDirectory {
  extent: DirectoryExtent;
  node: MutableDirectory;
  depth: number;
}

/** One pass over a directory tree. Holds the loop guards, the limits and the hard-link bookkeeping for that pass. */
class TreeWalker {
  readonly #visited = new Set<number>();
  /** One bit per block of the image: set for every block of a directory already read, so overlapping directories are refused at once. */
  readonly #directoryBlocks: Uint8Array;
  readonly #relocated = new Map<number, string>();
  readonly #reachedByChildLink = new Set<number>();
  readonly #directoryBytes: Tally;
  readonly #records: Tally;
  #entries = 0;

  constructor(
    readonly source: ImageSource,
    readonly susp: SuspContext,
    readonly tree: TreeKind,
    /** Bytes to skip in each System Use area; undefined when Rock Ridge is not read. */
    readonly suspOffset: number | undefined,
    readonly warn: WarningHandler,
    readonly bothEndian: BothEndianReporter,
  ) {
    this.#directoryBlocks = new Uint8Array(Math.ceil(source.size / SECTOR_SIZE / 8));
    this.#directoryBytes = new Tally(MAX_TOTAL_DIRECTORY_BYTES, source.name, (max) => `more than ${max} bytes of directory records`);
    this.#records = new Tally(MAX_DIRECTORY_RECORDS, source.name, (max) => `more than ${max} directory records`);
  }

  get image(): string {
    return this.source.name;
  }

  async walk(rootRecord: DirectoryRecord): Promise<IsoDirectory> {
    const rootSelf = await readSelfRecord(this.source, rootRecord, 'root directory', this.bothEndian);
    const rr = await this.rockRidgeOf(rootSelf, '/');
    const root: MutableDirectory = {
      kind: 'directory',
      name: '',
      path: '',
      children: [],
      ...this.attributes(rootSelf, rr),
    };
    const stack: PendingDirectory[] = [{ extent: extentOf(rootRecord), node: root, depth: 0 }];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const subdirectories = await this.readDirectory(dir);
      for (let i = subdirectories.length - 1; i >= 0; i--) stack.push(subdirectories[i]!);
    }
    this.hideRelocationDirectory(root);
    for (const [extent, path] of this.#relocated) {
      if (!this.#reachedByChildLink.has(extent)) {
        this.warn({ code: 'ISO_QUIRK', message: `relocated directory ${showPath(path)} (block ${extent}) is not linked from anywhere (no CL entry points to it)`, path });
      }
    }
    return root;
  }

  async #readExtent(record: DirectoryExtent, where: string): Promise<Buffer> {
    checkLimit(record.dataLength, MAX_DIRECTORY_BYTES, this.image, () => `${where} is ${record.dataLength} bytes, over the ${MAX_DIRECTORY_BYTES}-byte limit`);
    const length = Math.ceil(record.dataLength / SECTOR_SIZE) * SECTOR_SIZE;
    const first = record.extent + record.extendedAttributeLength;
    const position = first * SECTOR_SIZE;
    if (position + length > this.source.size) {
      throw new PxeError(
        'ISO_TRUNCATED',
        `${this.image}: ${where} at block ${record.extent} (${record.dataLength} bytes) lies beyond the end of the image (${this.source.size} bytes)`,
        { file: this.image },
      );
    }
    // Before reading: a chain of directories whose extents overlap would otherwise be read
    // and parsed again at every level (quadratic time, and memory for every level).
    for (let block = first; block < first + length / SECTOR_SIZE; block++) {
      const bit = 1 << (block & 7);
      if (this.#directoryBlocks[block >>> 3]! & bit) {
        throw new PxeError('ISO_LOOP', `${this.image}: ${where} (blocks ${first}..${first + length / SECTOR_SIZE - 1}) overlaps a directory already read, at block ${block}: the directory structure loops`, {
          file: this.image,
        });
      }
    }
    for (let block = first; block < first + length / SECTOR_SIZE; block++) this.#directoryBlocks[block >>> 3]! |= 1 << (block & 7);
    this.#directoryBytes.add(length);
    return readExactly(this.source, position, length, where);
  }

  /** Reads one directory's records, adds its children, returns its subdirectories to visit. */
  async readDirectory(dir: PendingDirectory): Promise<PendingDirectory[]> {
    const { extent: record, node, depth } = dir;
    const where = node.path === '' ? 'root directory' : `directory ${showPath(node.path)}`;
    checkLimit(depth, MAX_DEPTH, this.image, () => `${where} is nested more than ${MAX_DEPTH} levels deep`);
    if (this.#visited.has(record.extent)) {
      throw new PxeError('ISO_LOOP', `${this.image}: ${where} (block ${record.extent}) is reached twice: the directory structure loops`, { file: this.image });
    }
    this.#visited.add(record.extent);

    const data = await this.#readExtent(record, where);
    const records: DirectoryRecord[] = [];
    for (let sectorStart = 0; sectorStart < record.dataLength; sectorStart += SECTOR_SIZE) {
      const sector = data.subarray(sectorStart, sectorStart + SECTOR_SIZE);
      let pos = 0;
      // Records never cross a sector; a zero length byte means the rest of the sector is padding.
      while (pos < SECTOR_SIZE && sector[pos] !== 0) {
        this.#records.add(1);
        const at = `${where}, block ${record.extent + sectorStart / SECTOR_SIZE} offset ${pos}`;
        const r = parseDirectoryRecord(sector, pos, this.image, at, this.bothEndian(at));
        records.push(r);
        pos += r.length;
      }
    }
    if (records.length === 0 || isSelfOrParent(records[0]!) !== 'self') {
      throw new PxeError('ISO_INVALID', `${this.image}: ${where} at block ${record.extent} does not start with its "." record`, { file: this.image });
    }

    const subdirectories: PendingDirectory[] = [];
    const names = new Set<string>();
    let parts: DirectoryRecord[] = [];
    for (const r of records) {
      if (isSelfOrParent(r)) continue;
      checkLimit(++this.#entries, MAX_ENTRIES, this.image, () => `more than ${MAX_ENTRIES} entries`);
      if (r.isMultiExtent) {
        if (parts.length > 0 && !sameIdentifier(parts[0]!, r)) throw this.#multiExtentError(where, parts[0]!);
        parts.push(r);
        continue;
      }
      if (parts.length > 0 && !sameIdentifier(parts[0]!, r)) throw this.#multiExtentError(where, parts[0]!);
      parts.push(r);
      const group = parts;
      parts = [];
      const sub = await this.#addEntry(node, group, names, depth);
      if (sub) subdirectories.push(sub);
    }
    if (parts.length > 0) throw this.#multiExtentError(where, parts[0]!);
    return subdirectories;
  }

  #multiExtentError(where: string, first: DirectoryRecord): PxeError {
    return new PxeError(
      'ISO_INVALID',
      `${this.image}: ${where}: multi-extent file ${quoteName(plainIsoName(first.identifier))} is not completed by a final record of the same name`,
      { file: this.image },
    );
  }

  async rockRidgeOf(r: DirectoryRecord, where: string): Promise<RockRidgeEntry | undefined> {
    if (this.suspOffset === undefined || r.systemUse.length <= this.suspOffset) return undefined;
    const entries = await readSuspEntries(r.systemUse.subarray(this.suspOffset), this.susp, where);
    const rr = parseRockRidge(entries, (message) => this.warn({ code: 'ISO_QUIRK', message: `${where}: ${message}` }), this.bothEndian(where));
    return rr.present ? rr : undefined;
  }

  attributes(r: DirectoryRecord, rr: RockRidgeEntry | undefined) {
    return {
      mode: rr?.mode !== undefined ? rr.mode & 0o7777 : undefined,
      mtime: rr?.times.modified ?? r.recorded,
      atime: rr?.times.accessed,
      uid: rr?.uid,
      gid: rr?.gid,
    };
  }

  #nameOf(r: DirectoryRecord, rr: RockRidgeEntry | undefined): string {
    if (this.tree === 'joliet') {
      const name = decodeUcs2be(r.identifier);
      const semi = name.lastIndexOf(';');
      return semi > 0 ? name.slice(0, semi) : name;
    }
    if (rr?.name) return decodeName(rr.name);
    return plainIsoName(r.identifier);
  }

  async #addEntry(parent: MutableDirectory, parts: DirectoryRecord[], names: Set<string>, depth: number): Promise<PendingDirectory | undefined> {
    const first = parts[0]!;
    const parentWhere = parent.path === '' ? '/' : `/${parent.path}/`;
    const rr = await this.rockRidgeOf(first, showPath(`${parentWhere}${plainIsoName(first.identifier)}`));
    if (rr?.relocated) {
      // The original of a relocated directory: it is reached through the CL placeholder instead.
      // Some mkisofs versions mark the relocation directory itself with RE; it has no CL and is just dropped.
      const name = this.#nameOf(first, rr);
      if (!(parent.path === '' && RELOCATION_DIRECTORIES.has(name))) this.#relocated.set(first.extent, `${parentWhere}${name}`);
      return undefined;
    }
    const name = this.#nameOf(first, rr);
    const path = parent.path === '' ? name : `${parent.path}/${name}`;
    const unsafe = checkEntryName(name);
    if (unsafe) {
      const shownParent = parent.path === '' ? '/' : `${showPath(parent.path)}/`;
      this.warn({ code: 'ENTRY_UNSAFE', message: `${shownParent}${quoteName(name)}: ${unsafe}; entry skipped`, path: `${parentWhere}${name}` });
      return undefined;
    }
    const shown = showPath(path);
    if (names.has(name)) {
      this.warn({ code: 'ENTRY_DUPLICATE', message: `${shown}: a second entry with this name in the same directory; skipped`, path: `/${path}` });
      return undefined;
    }
    if (first.isAssociated) {
      this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: associated file (resource fork) skipped`, path: `/${path}` });
      return undefined;
    }
    names.add(name);
    const attrs = this.attributes(first, rr);
    const type = rr?.mode !== undefined ? rr.mode & S_IFMT : undefined;

    if (rr?.childLink !== undefined || first.isDirectory) {
      let extent = extentOf(first);
      if (rr?.childLink !== undefined) {
        // Rock Ridge relocation (RRIP 4.1.5): the real directory lives elsewhere; its "." record says how long it is.
        this.#reachedByChildLink.add(rr.childLink);
        const target = await readSelfRecord(this.source, { ...first, extent: rr.childLink, extendedAttributeLength: 0 }, `relocated directory ${shown}`, this.bothEndian);
        extent = { ...extentOf(target), extent: rr.childLink };
      }
      const node: MutableDirectory = { kind: 'directory', name, path, children: [], ...attrs };
      parent.children.push(node);
      return { extent, node, depth: depth + 1 };
    }

    if (type === S_IFLNK || (type === undefined && rr?.symlinkTarget)) {
      if (!rr?.symlinkTarget) {
        this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: symbolic link without a target (no SL entry); skipped`, path: `/${path}` });
        return undefined;
      }
      const target = decodeName(rr.symlinkTarget);
      // Refused here, as a string, like an unsafe name: the system could not create the link.
      const unusable = checkSymlinkTarget(target);
      if (unusable) {
        this.warn({ code: 'ENTRY_UNSAFE', message: `${shown}: ${unusable}; entry skipped`, path: `/${path}` });
        return undefined;
      }
      parent.children.push({ kind: 'symlink', name, path, target, ...attrs });
      return undefined;
    }
    if (type === S_IFCHR || type === S_IFBLK || type === S_IFIFO || type === S_IFSOCK) {
      const kind = type === S_IFCHR ? 'char-device' : type === S_IFBLK ? 'block-device' : type === S_IFIFO ? 'fifo' : 'socket';
      parent.children.push({ kind, name, path, device: rr?.device ? splitDevice(rr.device) : undefined, ...attrs });
      return undefined;
    }

    if (first.interleaveGap !== 0 || first.fileUnitSize !== 0) {
      this.warn({ code: 'ENTRY_SKIPPED', message: `${shown}: interleaved file (unit ${first.fileUnitSize}, gap ${first.interleaveGap}) is not supported; skipped`, path: `/${path}` });
      names.delete(name);
      return undefined;
    }
    const extents: Extent[] = [];
    let stored = 0;
    for (const part of parts) {
      if (part.dataLength === 0) continue;
      const position = (part.extent + part.extendedAttributeLength) * SECTOR_SIZE;
      if (position + part.dataLength > this.source.size) {
        throw new PxeError(
          'ISO_TRUNCATED',
          `${this.image}: ${shown}: data at block ${part.extent} (${part.dataLength} bytes) lies beyond the end of the image (${this.source.size} bytes)`,
          { file: this.image },
        );
      }
      extents.push({ position, length: part.dataLength });
      stored += part.dataLength;
    }
    let size = stored;
    let zisofs = rr?.zisofs;
    if (zisofs) {
      const problem = await readZisofsHeader(this.source, extents, stored, zisofs);
      if (problem) {
        this.warn({ code: 'ZISOFS_INVALID', message: `${shown}: ${problem}; copied as stored (${stored} bytes)`, path: `/${path}` });
        zisofs = undefined;
      } else {
        size = zisofs.uncompressedSize;
        const max = expansionLimit(this.source.size);
        checkLimit(size, max, this.image, () => `${shown}: zisofs file would inflate to ${size} bytes, more than ${max} (${MAX_EXPANSION} times the image's size)`);
      }
    }
    const file: Mutable<IsoFile> & { inode?: number } = {
      kind: 'file',
      name,
      path,
      size,
      extents,
      zisofs,
      hardLinkGroup: undefined,
      ...attrs,
    };
    if (rr?.inode !== undefined) file.inode = rr.inode;
    parent.children.push(file);
    return undefined;
  }

  /** Hides the relocation directory once everything in it has been put back in place. */
  hideRelocationDirectory(root: MutableDirectory): void {
    if (this.tree !== 'rockridge' || this.#relocated.size === 0) return;
    const i = root.children.findIndex((c) => c.kind === 'directory' && RELOCATION_DIRECTORIES.has(c.name) && c.children.length === 0);
    if (i >= 0) root.children.splice(i, 1);
  }
}

function extentOf(r: DirectoryRecord): DirectoryExtent {
  return { extent: r.extent, extendedAttributeLength: r.extendedAttributeLength, dataLength: r.dataLength };
}

function sameIdentifier(a: DirectoryRecord, b: DirectoryRecord): boolean {
  return Buffer.from(a.identifier).equals(Buffer.from(b.identifier));
}

/** PN stores dev_t as two 32-bit words; decode it the way glibc's gnu_dev_major/minor do. */
function splitDevice(d: { high: number; low: number }): { major: number; minor: number } {
  const major = ((d.low >>> 8) & 0xfff) | (d.high & ~0xfff);
  const minor = (d.low & 0xff) | ((d.low >>> 12) & ~0xff);
  return { major: major >>> 0, minor: minor >>> 0 };
}

/**
 * Groups hard links and counts entries. Files are linked when Rock Ridge 1.12 gives
 * them the same serial number, or (without serial numbers) when they share an extent
 * and size. Empty files share location 0 or a neighbour's location in images from
 * xorriso and makefs, so they are never grouped by extent (libarchive parse_file_info).
 */
export function summarise(root: IsoDirectory): { hardLinks: Map<number, IsoFile[]>; stats: ImageStats } {
  const byKey = new Map<string, (IsoFile & { inode?: number })[]>();
  let files = 0;
  let directories = 0;
  let symlinks = 0;
  let specialFiles = 0;
  const stack: IsoEntry[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'directory') {
      directories++;
      for (const c of e.children) stack.push(c);
    } else if (e.kind === 'symlink') symlinks++;
    else if (e.kind === 'file') {
      files++;
      const f = e as IsoFile & { inode?: number };
      const at = f.extents[0]?.position;
      // A serial number alone is not trusted: a writer that stamps one number on every file would link them all.
      const key = f.inode !== undefined && f.inode !== 0 ? `ino:${f.inode}:${at}:${f.size}` : at !== undefined ? `ext:${at}:${f.size}` : undefined;
      if (key) {
        const list = byKey.get(key);
        if (list) list.push(f);
        else byKey.set(key, [f]);
      }
    } else specialFiles++;
  }
  const hardLinks = new Map<number, IsoFile[]>();
  let bytes = 0;
  let id = 0;
  for (const list of byKey.values()) {
    bytes += list[0]!.size;
    if (list.length < 2) continue;
    // Paths in byte order, so the first name of a group is stable whatever the directory order.
    list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    id++;
    for (const f of list) (f as Mutable<IsoFile>).hardLinkGroup = id;
    hardLinks.set(id, list);
  }
  return { hardLinks, stats: { files, directories, symlinks, specialFiles, bytes } };
}
