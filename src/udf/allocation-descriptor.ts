import { u16le, u32le } from '../iso9660/bytes.js';

/** ECMA-167 4/14.14.1.1: the top two bits of an extent length say what the extent holds. */
export const ExtentType = {
  /** Recorded and allocated: the data is there. */
  recorded: 0,
  /** Allocated but not recorded: reads as zeros. */
  allocated: 1,
  /** Neither allocated nor recorded: reads as zeros (a hole). */
  unallocated: 2,
  /** The extent holds the next allocation descriptors (4/12.1): the list continues there. */
  continuation: 3,
} as const;

/** ECMA-167 4/7.1: a logical block address, the block within a partition named by its reference number. */
export interface LogicalBlockAddress {
  readonly block: number;
  /** Index into the logical volume's partition maps. */
  readonly partition: number;
}

export interface AllocationDescriptor {
  readonly type: number;
  /** Bytes; 30 bits. */
  readonly length: number;
  readonly location: LogicalBlockAddress;
}

/** The ICB tag's flags (4/14.6.8), bits 0-2: which form the allocation descriptors take. */
export const AdForm = { short: 0, long: 1, extended: 2, embedded: 3 } as const;

export const SHORT_AD_SIZE = 8;
export const LONG_AD_SIZE = 16;
export const EXT_AD_SIZE = 20;

export function adSize(form: number): number {
  return form === AdForm.short ? SHORT_AD_SIZE : form === AdForm.long ? LONG_AD_SIZE : EXT_AD_SIZE;
}

/** ECMA-167 4/7.1 lb_addr: block (32 bits) then partition reference number (16 bits). */
export function parseLbAddr(b: Uint8Array, o: number): LogicalBlockAddress {
  return { block: u32le(b, o), partition: u16le(b, o + 4) };
}

/**
 * Parses one allocation descriptor at `o`. A short_ad (4/14.14.1) lies in the partition of the
 * ICB it belongs to (`partition`); a long_ad (4/14.14.2) and ext_ad (4/14.14.3) name theirs.
 */
export function parseAllocationDescriptor(b: Uint8Array, o: number, form: number, partition: number): AllocationDescriptor {
  const raw = u32le(b, o);
  const type = raw >>> 30;
  const length = raw & 0x3fffffff;
  if (form === AdForm.short) return { type, length, location: { block: u32le(b, o + 4), partition } };
  if (form === AdForm.long) return { type, length, location: parseLbAddr(b, o + 4) };
  // ext_ad: extent length, recorded length, information length, then the lb_addr at byte 12.
  return { type, length, location: parseLbAddr(b, o + 12) };
}

/** long_ad as a field of another descriptor (the file set's root ICB, a file identifier's ICB). */
export function parseLongAd(b: Uint8Array, o: number): AllocationDescriptor {
  return parseAllocationDescriptor(b, o, AdForm.long, 0);
}
