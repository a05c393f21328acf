/**
 * Builds small UDF images in memory, descriptor by descriptor with real tags and CRCs
 * (src/udf/tag.ts encodeTag), so hostile structures (loops, extents past the end, bad CRCs)
 * can be made exactly. Layout: recognition sequence at sectors 16-18, anchor at 256, the
 * volume descriptor sequence at 257-260, the partition from sector PARTITION_START; the file set
 * descriptor is partition block 0 and the root directory's file entry block 1.
 */
import { encodeCs0 } from '../../src/udf/cs0.js';
import { encodeTag, TagId } from '../../src/udf/tag.js';

export const BLOCK = 2048;
export const PARTITION_START = 272;

export interface EntrySpec {
  /** ECMA-167 file type: 4 directory, 5 file, 12 symlink. */
  readonly fileType: number;
  readonly informationLength: number;
  /** Embedded data (ICB flags 3). */
  readonly embedded?: Uint8Array;
  /** short_ads: [length (type in the top two bits), partition block]. */
  readonly shortAds?: readonly (readonly [number, number])[];
  readonly permissions?: number;
  readonly tagLocation?: number;
}

export interface ImageOptions {
  /** Partition blocks the image holds. */
  readonly partitionBlocks?: number;
  /** Partition blocks the partition descriptor declares (default: all the image holds). */
  readonly declaredBlocks?: number;
  /**
   * A metadata partition (UDF 2.50): its file at partition block 40, its mirror at 57, each mapping
   * 16 blocks (metadata block k is partition block 41 + k, or 58 + k for the mirror). `blocks`
   * then holds metadata blocks, and file identifiers must name partition reference 1.
   */
  readonly metadata?: boolean;
}

export interface FidSpec {
  readonly name: string;
  readonly block: number;
  readonly directory?: boolean;
  readonly parent?: boolean;
  /** Partition reference of the ICB (1: the metadata partition of ImageOptions.metadata). */
  readonly partition?: number;
}

export function fileEntry(block: number, spec: EntrySpec): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = new DataView(b.buffer);
  const ads = spec.embedded ?? shortAds(spec.shortAds ?? []);
  v.setUint16(16 + 4, 4, true); // strategy 4
  v.setUint16(16 + 8, 1, true);
  b[16 + 11] = spec.fileType;
  v.setUint16(16 + 18, spec.embedded ? 3 : 0, true);
  v.setUint32(36, 0xffffffff, true);
  v.setUint32(40, 0xffffffff, true);
  v.setUint32(44, spec.permissions ?? 0x14a5, true); // r-x for all
  v.setUint16(48, 1, true);
  v.setUint32(56, spec.informationLength % 0x100000000, true);
  v.setUint32(60, Math.floor(spec.informationLength / 0x100000000), true);
  v.setUint32(168, 0, true);
  v.setUint32(172, ads.length, true);
  b.set(ads, 176);
  const used = b.subarray(0, 176 + ads.length);
  encodeTag(used, TagId.fileEntry, spec.tagLocation ?? block);
  return b;
}

function shortAds(list: readonly (readonly [number, number])[]): Uint8Array {
  const a = new Uint8Array(list.length * 8);
  const v = new DataView(a.buffer);
  list.forEach(([length, block], i) => {
    v.setUint32(i * 8, length >>> 0, true);
    v.setUint32(i * 8 + 4, block, true);
  });
  return a;
}

export function fileIdentifiers(fids: readonly FidSpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fids) {
    const name = f.parent ? new Uint8Array(0) : encodeCs0(f.name);
    const size = Math.ceil((38 + name.length) / 4) * 4;
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    v.setUint16(16, 1, true);
    b[18] = (f.directory ? 2 : 0) | (f.parent ? 8 : 0);
    b[19] = name.length;
    v.setUint32(20, BLOCK, true);
    v.setUint32(24, f.block, true);
    v.setUint16(28, f.partition ?? 0, true);
    b.set(name, 38);
    encodeTag(b, TagId.fileIdentifier, 0);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** An embedded directory holding `children` (a parent entry first). */
export function directory(block: number, children: readonly FidSpec[], parent = 1, partition = 0): Uint8Array {
  const data = fileIdentifiers([{ name: '', block: parent, parent: true, directory: true, partition }, ...children]);
  return fileEntry(block, { fileType: 4, informationLength: data.length, embedded: data });
}

function tagged(id: number, location: number, fill: (b: Uint8Array, v: DataView) => void, size = 512): Uint8Array {
  const b = new Uint8Array(size);
  fill(b, new DataView(b.buffer));
  encodeTag(b, id, location);
  return b;
}

function dstring(b: Uint8Array, o: number, size: number, s: string): void {
  const c = encodeCs0(s);
  b.set(c, o);
  b[o + size - 1] = c.length;
}

/** A whole image: `blocks` maps partition blocks (2 and up; 1 defaults to an empty root) to their contents. */
export function udfImage(blocks: ReadonlyMap<number, Uint8Array>, options: ImageOptions = {}): Uint8Array {
  const partitionBlocks = options.partitionBlocks ?? 80;
  const metadata = options.metadata ?? false;
  const image = new Uint8Array((PARTITION_START + partitionBlocks) * BLOCK);
  const vrs = (sector: number, id: string) => image.set([0, ...Buffer.from(id), 1], sector * BLOCK);
  vrs(16, 'BEA01');
  vrs(17, 'NSR02');
  vrs(18, 'TEA01');
  image.set(tagged(TagId.anchor, 256, (_, v) => (v.setUint32(16, 4 * BLOCK, true), v.setUint32(20, 257, true), v.setUint32(24, 4 * BLOCK, true), v.setUint32(28, 257, true))), 256 * BLOCK);
  image.set(tagged(TagId.primaryVolume, 257, (b) => (dstring(b, 24, 32, 'TESTVOL'), dstring(b, 72, 128, 'SET'))), 257 * BLOCK);
  image.set(tagged(TagId.partition, 258, (b, v) => (v.setUint16(22, 0, true), b.set(Buffer.from('+NSR02'), 25), v.setUint32(184, 1, true), v.setUint32(188, PARTITION_START, true), v.setUint32(192, options.declaredBlocks ?? partitionBlocks, true))), 258 * BLOCK);
  image.set(
    tagged(
      TagId.logicalVolume,
      259,
      (b, v) => {
        dstring(b, 84, 128, 'LOGICAL');
        v.setUint32(212, BLOCK, true);
        b.set(Buffer.from('*OSTA UDF Compliant'), 217);
        v.setUint16(240, metadata ? 0x0250 : 0x0102, true);
        v.setUint32(248, BLOCK, true); // file set at block 0 of the last map
        v.setUint16(256, metadata ? 1 : 0, true);
        v.setUint32(264, metadata ? 70 : 6, true);
        v.setUint32(268, metadata ? 2 : 1, true);
        b.set([1, 6, 1, 0, 0, 0], 440);
        if (metadata) {
          b.set([2, 64], 446);
          b.set(Buffer.from('*UDF Metadata Partition'), 446 + 5);
          v.setUint16(446 + 36, 1, true);
          v.setUint32(446 + 40, 40, true);
          v.setUint32(446 + 44, 57, true);
          v.setUint32(446 + 48, 0xffffffff, true);
          v.setUint32(446 + 52, 32, true);
          v.setUint16(446 + 56, 1, true);
        }
      },
      512,
    ),
    259 * BLOCK,
  );
  image.set(tagged(TagId.terminating, 260, () => {}), 260 * BLOCK);
  const at = (block: number) => (PARTITION_START + block) * BLOCK;
  image.set(tagged(TagId.fileSet, 0, (b, v) => (dstring(b, 304, 32, 'FILESET'), v.setUint32(400, BLOCK, true), v.setUint32(404, 1, true))), at(0));
  if (metadata) {
    image.set(fileEntry(40, { fileType: 250, informationLength: 16 * BLOCK, shortAds: [[16 * BLOCK, 41]] }), at(40));
    image.set(fileEntry(57, { fileType: 251, informationLength: 16 * BLOCK, shortAds: [[16 * BLOCK, 58]] }), at(57));
    const fsd = image.slice(at(0), at(1));
    new DataView(fsd.buffer).setUint16(404 + 4, 1, true); // the root is in the metadata partition
    encodeTag(fsd.subarray(0, 512), TagId.fileSet, 0);
    image.fill(0, at(0), at(1));
    const put = (k: number, data: Uint8Array) => (image.set(data, at(41 + k)), image.set(data, at(58 + k)));
    put(0, fsd);
    put(1, directory(1, [], 1, 1));
    for (const [block, data] of blocks) put(block, data);
    return image;
  }
  image.set(directory(1, []), at(1));
  for (const [block, data] of blocks) image.set(data, at(block));
  return image;
}
