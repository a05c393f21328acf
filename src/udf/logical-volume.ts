import { PxeError, type WarningHandler } from '../errors.js';
import { FieldError } from '../iso9660/bytes.js';
import type { Extent } from '../iso9660/entry.js';
import { checkLimit, Tally } from '../iso9660/limits.js';
import { readExactly, type ImageSource } from '../iso9660/source.js';
import { AdForm, ExtentType, type AllocationDescriptor, type LogicalBlockAddress } from './allocation-descriptor.js';
import { Cs0Error } from './cs0.js';
import { FileType, parseAllocationDescriptors, parseAllocationExtentDescriptor, parseFileEntry, parseIndirectEntry, type FileEntry } from './file-entry.js';
import { MAX_FILE_EXTENTS, MAX_ICB_INDIRECTIONS, MAX_METADATA_EXTENTS, MAX_TOTAL_EXTENTS, MAX_VAT_BYTES } from './limits.js';
import { TagId } from './tag.js';
import type { PartitionDescriptor, PartitionMap, VolumeDescriptorSequence } from './volume-descriptors.js';

/** A run of a file's data: bytes at `position` in the image, or (position undefined) zeros the extent does not record. */
export interface Piece {
  readonly position: number | undefined;
  readonly length: number;
}

/** A file entry with where it was read: the block, its place in the image and its logical address. */
export interface Icb {
  readonly entry: FileEntry;
  readonly block: Buffer;
  readonly position: number;
  readonly address: LogicalBlockAddress;
}

/** A partition map made ready for address translation. */
type ResolvedMap =
  | { readonly kind: 'physical'; readonly pd: PartitionDescriptor }
  | { readonly kind: 'metadata'; readonly pd: PartitionDescriptor; readonly runs: readonly Extent[]; readonly bytes: number }
  | { readonly kind: 'virtual'; readonly pd: PartitionDescriptor; readonly table: Uint32Array };

/** Thrown by the parsers for a field that does not fit; turned into one PxeError line naming the structure. */
export function structureError(e: unknown, image: string, where: string): unknown {
  if (e instanceof FieldError || e instanceof Cs0Error) return new PxeError('ISO_INVALID', `${image}: ${where}: ${e.message}`, { file: image });
  return e;
}

/**
 * The logical volume (ECMA-167 3/8.8): logical block addresses in its partitions turned into
 * positions in the image through the partition maps (type 1, sparable, virtual with its VAT,
 * metadata with its metadata file), and the reading of ICBs and their allocation descriptors.
 */
export class LogicalVolume {
  readonly blockSize: number;
  readonly #source: ImageSource;
  readonly #maps: ResolvedMap[] = [];
  readonly #extents: Tally;

  private constructor(source: ImageSource, blockSize: number) {
    this.#source = source;
    this.blockSize = blockSize;
    this.#extents = new Tally(MAX_TOTAL_EXTENTS, source.name, (max) => `more than ${max} UDF allocation descriptors`);
  }

  get image(): string {
    return this.#source.name;
  }

  static async open(source: ImageSource, vds: VolumeDescriptorSequence, warn: WarningHandler): Promise<LogicalVolume> {
    const lv = new LogicalVolume(source, vds.logicalVolume.blockSize);
    const maps = vds.logicalVolume.partitionMaps;
    const partitionOf = (map: PartitionMap, i: number) => {
      const pd = vds.partitions.get(map.partition);
      if (!pd) throw new PxeError('ISO_INVALID', `${source.name}: UDF partition map ${i} names partition ${map.partition}, which has no partition descriptor`, { file: source.name });
      // Not checked against the image's size: a write-once disc's partition spans the whole disc,
      // of which an image read back holds only the written part. Every read is checked instead (#checked).
      return pd;
    };
    // Physical maps first: the virtual and metadata maps are read through them.
    maps.forEach((map, i) => {
      if (map.type === 'physical' || map.type === 'sparable') lv.#maps[i] = { kind: 'physical', pd: partitionOf(map, i) };
      if (map.type === 'sparable') warn({ code: 'ISO_QUIRK', message: `UDF partition map ${i} is sparable; its sparing tables are not applied (packet-written media only remap bad blocks)` });
    });
    for (const [i, map] of maps.entries()) {
      if (map.type === 'metadata') lv.#maps[i] = await lv.#metadataMap(map, i, partitionOf(map, i), warn);
      else if (map.type === 'virtual') lv.#maps[i] = await lv.#virtualMap(i, partitionOf(map, i));
    }
    return lv;
  }

  /** The physical map (index) of a partition number, for maps built on one. */
  #physicalIndex(pd: PartitionDescriptor): number {
    const i = this.#maps.findIndex((m) => m?.kind === 'physical' && m.pd.number === pd.number);
    if (i < 0) throw new PxeError('ISO_INVALID', `${this.image}: UDF partition ${pd.number} has a virtual or metadata map but no type 1 map`, { file: this.image });
    return i;
  }

  /** UDF 2.50 2.2.10: the metadata partition's blocks are the metadata file's data (its mirror if the file is damaged). */
  async #metadataMap(map: Extract<PartitionMap, { type: 'metadata' }>, i: number, pd: PartitionDescriptor, warn: WarningHandler): Promise<ResolvedMap> {
    const physical = this.#physicalIndex(pd);
    const read = async (block: number, what: string) => {
      const icb = await this.readIcb({ block, partition: physical }, what);
      if (icb.entry.icb.fileType !== FileType.metadata && icb.entry.icb.fileType !== FileType.metadataMirror) {
        throw new PxeError('ISO_INVALID', `${this.image}: ${what} at block ${block} has file type ${icb.entry.icb.fileType}, not a metadata file`, { file: this.image });
      }
      const pieces = await this.pieces(icb, what, MAX_METADATA_EXTENTS);
      if (pieces.some((p) => p.position === undefined)) throw new PxeError('ISO_INVALID', `${this.image}: ${what} has unrecorded extents`, { file: this.image });
      return { kind: 'metadata' as const, pd, runs: pieces as Extent[], bytes: icb.entry.informationLength };
    };
    try {
      return await read(map.metadataFile, `UDF metadata file of partition map ${i}`);
    } catch (e) {
      if (!(e instanceof PxeError) || map.mirrorFile === map.metadataFile) throw e;
      warn({ code: 'ISO_QUIRK', message: `${e.message.slice(this.image.length + 2)}; reading its mirror` });
      return read(map.mirrorFile, `UDF metadata mirror file of partition map ${i}`);
    }
  }

  /** OSTA UDF 2.2.11: the virtual allocation table, the last file entry recorded, maps virtual blocks to blocks of the partition. */
  async #virtualMap(i: number, pd: PartitionDescriptor): Promise<ResolvedMap> {
    const physical = this.#physicalIndex(pd);
    const last = Math.floor(this.#source.size / this.blockSize) - 1;
    // Writers pad a session with a few blocks after the VAT; look back a little.
    for (let sector = last; sector >= Math.max(pd.start, last - 32); sector--) {
      const head = await readExactly(this.#source, sector * this.blockSize, 2, 'virtual allocation table');
      if (head.readUInt16LE(0) !== TagId.fileEntry && head.readUInt16LE(0) !== TagId.extendedFileEntry) continue;
      const what = `UDF virtual allocation table at sector ${sector}`;
      const icb = await this.readIcb({ block: sector - pd.start, partition: physical }, what);
      const type = icb.entry.icb.fileType;
      if (type !== FileType.vat20 && type !== FileType.unspecified) continue;
      checkLimit(icb.entry.informationLength, MAX_VAT_BYTES, this.image, () => `${what} is ${icb.entry.informationLength} bytes, over the ${MAX_VAT_BYTES}-byte limit`);
      const data = await this.readPieces(await this.pieces(icb, what), what);
      let entries: Uint8Array;
      if (type === FileType.vat20) {
        const headerLength = data.length >= 2 ? data.readUInt16LE(0) : 0;
        if (headerLength < 152 || headerLength > data.length) throw new PxeError('ISO_INVALID', `${this.image}: ${what}: header of ${headerLength} bytes does not fit its ${data.length} bytes`, { file: this.image });
        entries = data.subarray(headerLength);
      } else {
        // UDF 1.50: the entries, then the "*UDF Virtual Alloc Tbl" identifier and the previous VAT's place.
        if (data.length < 36 || data.toString('latin1', data.length - 35, data.length - 13) !== '*UDF Virtual Alloc Tbl') continue;
        entries = data.subarray(0, data.length - 36);
      }
      const table = new Uint32Array(Math.floor(entries.length / 4));
      for (let k = 0; k < table.length; k++) table[k] = Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength).readUInt32LE(4 * k);
      return { kind: 'virtual', pd, table };
    }
    throw new PxeError('ISO_INVALID', `${this.image}: UDF partition map ${i} is virtual but no virtual allocation table ends the image`, { file: this.image });
  }

  /** Image positions of `length` bytes from a logical block address, checked against the partition and the image. */
  resolve(address: LogicalBlockAddress, length: number, what: string): Extent[] {
    const bad = (why: string) => new PxeError('ISO_TRUNCATED', `${this.image}: ${what}: ${why}`, { file: this.image });
    const map = this.#maps[address.partition];
    if (!map) throw new PxeError('ISO_INVALID', `${this.image}: ${what}: partition reference ${address.partition} names no partition map`, { file: this.image });
    const bs = this.blockSize;
    const blocks = Math.ceil(length / bs);
    if (map.kind === 'physical') {
      if (address.block + blocks > map.pd.length) throw bad(`blocks ${address.block}..${address.block + blocks - 1} lie beyond the end of partition ${map.pd.number} (${map.pd.length} blocks)`);
      return length === 0 ? [] : [this.#checked({ position: (map.pd.start + address.block) * bs, length }, what)];
    }
    if (map.kind === 'metadata') {
      const start = address.block * bs;
      if (start + length > map.bytes) throw bad(`bytes ${start}..${start + length - 1} of the metadata partition lie beyond its ${map.bytes} bytes`);
      const out: Extent[] = [];
      let base = 0;
      let want = start;
      let left = length;
      for (const run of map.runs) {
        if (left === 0) break;
        if (want < base + run.length) {
          const n = Math.min(left, base + run.length - want);
          out.push(this.#checked({ position: run.position + (want - base), length: n }, what));
          want += n;
          left -= n;
        }
        base += run.length;
      }
      if (left > 0) throw bad('the metadata file does not cover it');
      return merge(out);
    }
    const out: Extent[] = [];
    for (let k = 0; k < blocks; k++) {
      const v = address.block + k;
      if (v >= map.table.length) throw bad(`virtual block ${v} is beyond the ${map.table.length} entries of the virtual allocation table`);
      const real = map.table[v]!;
      if (real === 0xffffffff || real >= map.pd.length) throw bad(`virtual block ${v} maps to block ${real}, which is not in partition ${map.pd.number}`);
      out.push(this.#checked({ position: (map.pd.start + real) * bs, length: Math.min(bs, length - k * bs) }, what));
    }
    return merge(out);
  }

  #checked(e: Extent, what: string): Extent {
    if (e.position + e.length > this.#source.size) {
      throw new PxeError('ISO_TRUNCATED', `${this.image}: ${what} at byte ${e.position} (${e.length} bytes) lies beyond the end of the image (${this.#source.size} bytes)`, { file: this.image });
    }
    return e;
  }

  async readBlock(address: LogicalBlockAddress, what: string): Promise<{ block: Buffer; position: number }> {
    const [run] = this.resolve(address, this.blockSize, what);
    return { block: await readExactly(this.#source, run!.position, this.blockSize, what), position: run!.position };
  }

  /** Reads the file entry at `address`, following indirect entries (bounded; a loop is caught by the bound). */
  async readIcb(address: LogicalBlockAddress, what: string): Promise<Icb> {
    let at = address;
    for (let hop = 0; hop <= MAX_ICB_INDIRECTIONS; hop++) {
      const { block, position } = await this.readBlock(at, what);
      try {
        if (block.readUInt16LE(0) === TagId.indirectEntry) {
          at = parseIndirectEntry(block, at.block, this.image, `${what} at block ${at.block}`);
          continue;
        }
        return { entry: parseFileEntry(block, at.block, this.image, `${what} at block ${at.block}`), block, position, address: at };
      } catch (e) {
        throw structureError(e, this.image, `${what} at block ${at.block}`);
      }
    }
    throw new PxeError('ISO_LOOP', `${this.image}: ${what}: more than ${MAX_ICB_INDIRECTIONS} indirect entries: the ICB chain loops`, { file: this.image });
  }

  /**
   * The file's data as pieces of the image, in order, exactly its information length:
   * embedded in the entry, or the extents of its allocation descriptors with their
   * continuation blocks (4/14.5) followed, each at most once.
   */
  async pieces(icb: Icb, what: string, maxExtents = MAX_FILE_EXTENTS): Promise<Piece[]> {
    const { entry, block, position, address } = icb;
    const size = entry.informationLength;
    if (entry.adForm === AdForm.embedded) {
      if (size > entry.adLength) throw new PxeError('ISO_INVALID', `${this.image}: ${what}: ${size} bytes of embedded data, but the entry holds ${entry.adLength}`, { file: this.image });
      return size === 0 ? [] : [{ position: position + entry.adOffset, length: size }];
    }
    const ads: AllocationDescriptor[] = [];
    const continuations = new Set<string>();
    let area = block.subarray(entry.adOffset, entry.adOffset + entry.adLength);
    let covered = 0;
    for (;;) {
      let parsed;
      try {
        parsed = parseAllocationDescriptors(area, entry.adForm, address.partition);
      } catch (e) {
        throw structureError(e, this.image, what);
      }
      for (const ad of parsed.extents) {
        this.#extents.add(1);
        checkLimit(ads.length + 1, maxExtents, this.image, () => `${what} has more than ${maxExtents} allocation descriptors`);
        ads.push(ad);
        covered += ad.length;
      }
      // Descriptors past the file's length are allowed (preallocated space); stop reading once it is covered.
      if (!parsed.next || covered >= size) break;
      const next = parsed.next.location;
      const key = `${next.partition}:${next.block}`;
      if (continuations.has(key)) throw new PxeError('ISO_LOOP', `${this.image}: ${what}: allocation extent descriptors at block ${next.block} loop`, { file: this.image });
      continuations.add(key);
      const where = `${what}, allocation extent descriptor at block ${next.block}`;
      const { block: aed } = await this.readBlock(next, where);
      try {
        const { offset, length } = parseAllocationExtentDescriptor(aed, next.block, this.image, where);
        area = aed.subarray(offset, offset + Math.min(length, parsed.next.length));
      } catch (e) {
        throw structureError(e, this.image, where);
      }
    }
    const out: Piece[] = [];
    let left = size;
    for (const ad of ads) {
      if (left === 0) break;
      const n = Math.min(ad.length, left);
      if (ad.type === ExtentType.recorded) out.push(...this.resolve(ad.location, n, what));
      else out.push({ position: undefined, length: n });
      left -= n;
    }
    if (left > 0) throw new PxeError('ISO_INVALID', `${this.image}: ${what} is ${size} bytes long, but its allocation descriptors cover only ${size - left}`, { file: this.image });
    return merge(out);
  }

  /** Reads pieces into one buffer; the caller bounds their total. */
  async readPieces(pieces: readonly Piece[], what: string): Promise<Buffer> {
    const total = pieces.reduce((n, p) => n + p.length, 0);
    const out = Buffer.alloc(total);
    let at = 0;
    for (const p of pieces) {
      if (p.position !== undefined) (await readExactly(this.#source, p.position, p.length, what)).copy(out, at);
      at += p.length;
    }
    return out;
  }
}

/** Joins runs that follow each other in the image (holes stay apart). */
function merge<T extends Piece>(runs: T[]): T[] {
  const out: T[] = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && last.position !== undefined && r.position !== undefined && last.position + last.length === r.position) out[out.length - 1] = { position: last.position, length: last.length + r.length } as T;
    else out.push(r);
  }
  return out;
}
