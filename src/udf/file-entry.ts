import { FieldError, u16le, u32le, u8 } from '../iso9660/bytes.js';
import { AdForm, adSize, parseAllocationDescriptor, parseLbAddr, type AllocationDescriptor } from './allocation-descriptor.js';
import { parseTag, TagId, TAG_SIZE, type DescriptorTag } from './tag.js';
import { decodeTimestamp } from './timestamp.js';

/** ECMA-167 4/14.6.6 file types, and OSTA UDF 2.3.5.2's additions. */
export const FileType = {
  unspecified: 0,
  indirectEntry: 3,
  directory: 4,
  file: 5,
  blockDevice: 6,
  charDevice: 7,
  fifo: 9,
  socket: 10,
  terminalEntry: 11,
  symlink: 12,
  streamDirectory: 13,
  vat20: 248,
  realTime: 249,
  metadata: 250,
  metadataMirror: 251,
  metadataBitmap: 252,
} as const;

/** ECMA-167 4/14.6: the ICB tag in every file entry. */
export interface IcbTag {
  readonly strategy: number;
  readonly fileType: number;
  readonly flags: number;
}

/** A file entry (ECMA-167 4/14.9) or extended file entry (4/14.17), the fields the reader uses. */
export interface FileEntry {
  readonly tag: DescriptorTag;
  readonly extended: boolean;
  readonly icb: IcbTag;
  /** 0xFFFFFFFF in the entry means "not specified" (OSTA UDF 3.3.3.1): undefined then. */
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  /** ECMA-167 4/14.9.5 permissions: five bits (x w r chattr delete) for other, group, owner. */
  readonly permissions: number;
  readonly linkCount: number;
  /** The file's length in bytes. */
  readonly informationLength: number;
  readonly accessed: Date | undefined;
  readonly modified: Date | undefined;
  /** AdForm: short, long, extended or embedded. */
  readonly adForm: number;
  /** Offset in the block of the allocation descriptors (or embedded data), and their length. */
  readonly adOffset: number;
  readonly adLength: number;
}

/** ICB flags (4/14.6.8). */
const ICB_SETUID = 0x40;
const ICB_SETGID = 0x80;
const ICB_STICKY = 0x100;

export function parseIcbTag(b: Uint8Array, o: number): IcbTag {
  return { strategy: u16le(b, o + 4), fileType: u8(b, o + 11), flags: u16le(b, o + 18) };
}

/**
 * Parses the file entry or extended file entry in `block` (one logical block, read from
 * `location` within its partition). Throws PxeError for a bad tag, FieldError for fields that
 * do not fit the block.
 */
export function parseFileEntry(block: Uint8Array, location: number, image: string, where: string): FileEntry {
  const tag = parseTag(block, 0, { ids: [TagId.fileEntry, TagId.extendedFileEntry], location }, image, where);
  const extended = tag.id === TagId.extendedFileEntry;
  const icb = parseIcbTag(block, TAG_SIZE);
  const u64 = (o: number) => {
    const high = u32le(block, o + 4);
    // 2^53 bytes and beyond is no real file; refused here so that later arithmetic stays exact.
    if (high >= 0x200000) throw new FieldError(`64-bit length at offset ${o} is too large`);
    return u32le(block, o) + high * 0x100000000;
  };
  const [eaAt, times] = extended ? [208, { accessed: 80, modified: 92 }] : [168, { accessed: 72, modified: 84 }];
  const eaLength = u32le(block, eaAt);
  const adLength = u32le(block, eaAt + 4);
  const adOffset = eaAt + 8 + eaLength;
  if (eaLength > block.length || adLength > block.length || adOffset + adLength > block.length) {
    throw new FieldError(`extended attributes (${eaLength} bytes) and allocation descriptors (${adLength} bytes) do not fit the ${block.length}-byte block`);
  }
  const id = (o: number) => {
    const v = u32le(block, o);
    return v === 0xffffffff ? undefined : v;
  };
  return {
    tag,
    extended,
    icb,
    uid: id(36),
    gid: id(40),
    permissions: u32le(block, 44),
    linkCount: u16le(block, 48),
    informationLength: u64(56),
    accessed: decodeTimestamp(block, times.accessed),
    modified: decodeTimestamp(block, times.modified),
    adForm: icb.flags & 7,
    adOffset,
    adLength,
  };
}

/** POSIX permission bits (07777) from UDF permissions and ICB flags (OSTA UDF 3.3.3.3). */
export function posixMode(entry: Pick<FileEntry, 'permissions' | 'icb'>): number {
  const p = entry.permissions;
  let mode = (p & 7) | (((p >> 5) & 7) << 3) | (((p >> 10) & 7) << 6);
  if (entry.icb.flags & ICB_SETUID) mode |= 0o4000;
  if (entry.icb.flags & ICB_SETGID) mode |= 0o2000;
  if (entry.icb.flags & ICB_STICKY) mode |= 0o1000;
  return mode;
}

/**
 * Parses the allocation descriptors in `area` (4/14.14). Stops at a zero length (the end of the
 * list, 4/12.1) or at a continuation (type 3), which is returned for the caller to read.
 */
export function parseAllocationDescriptors(area: Uint8Array, form: number, partition: number): { extents: AllocationDescriptor[]; next: AllocationDescriptor | undefined } {
  if (form !== AdForm.short && form !== AdForm.long && form !== AdForm.extended) throw new FieldError(`allocation descriptor form ${form} is not short, long or extended`);
  const size = adSize(form);
  const extents: AllocationDescriptor[] = [];
  for (let o = 0; o + size <= area.length; o += size) {
    const ad = parseAllocationDescriptor(area, o, form, partition);
    if (ad.length === 0) break;
    if (ad.type === 3) return { extents, next: ad };
    extents.push(ad);
  }
  return { extents, next: undefined };
}

/** ECMA-167 4/14.5: an allocation extent descriptor heads a block of further descriptors. */
export function parseAllocationExtentDescriptor(block: Uint8Array, location: number, image: string, where: string): { offset: number; length: number } {
  parseTag(block, 0, { ids: [TagId.allocationExtent], location }, image, where);
  const length = u32le(block, 20);
  if (24 + length > block.length) throw new FieldError(`allocation extent descriptor declares ${length} bytes of descriptors, more than its block holds`);
  return { offset: 24, length };
}

/** ECMA-167 4/14.7: an indirect entry points to the ICB that replaces this one. */
export function parseIndirectEntry(block: Uint8Array, location: number, image: string, where: string): { block: number; partition: number } {
  parseTag(block, 0, { ids: [TagId.indirectEntry], location }, image, where);
  return parseLbAddr(block, 36 + 4);
}
