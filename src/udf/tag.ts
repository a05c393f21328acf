import { PxeError } from '../errors.js';
import { u16le, u32le } from '../iso9660/bytes.js';

/** ECMA-167 3/7.2 and 4/7.2: every descriptor starts with this 16-byte tag. */
export const TAG_SIZE = 16;

/** Tag identifiers (ECMA-167 3/7.2.1 and 4/7.2.1) the reader knows. */
export const TagId = {
  primaryVolume: 1,
  anchor: 2,
  volumePointer: 3,
  implementationUse: 4,
  partition: 5,
  logicalVolume: 6,
  unallocatedSpace: 7,
  terminating: 8,
  logicalVolumeIntegrity: 9,
  fileSet: 256,
  fileIdentifier: 257,
  allocationExtent: 258,
  indirectEntry: 259,
  terminalEntry: 260,
  fileEntry: 261,
  extendedFileEntry: 266,
} as const;

export interface DescriptorTag {
  readonly id: number;
  readonly version: number;
  readonly serial: number;
  /** Bytes after the tag that the CRC covers. */
  readonly crcLength: number;
  /** Logical block (or sector, for volume descriptors) the descriptor says it is recorded at. */
  readonly location: number;
}

/** CRC-ITU-T (x^16 + x^12 + x^5 + 1, initial 0, not reflected), as ECMA-167 1/7.2.6 defines it. */
const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crcItu(b: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < b.length; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >>> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

/** The tag checksum: the sum modulo 256 of the tag's bytes but byte 4 (the checksum itself). */
export function tagChecksum(b: Uint8Array, offset = 0): number {
  let sum = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== 4) sum += b[offset + i]!;
  return sum & 0xff;
}

export interface TagExpectation {
  /** Tag identifiers acceptable here. */
  readonly ids: readonly number[];
  /** Where the descriptor was read from; undefined when the location cannot be known (file identifiers). */
  readonly location: number | undefined;
}

/**
 * Parses and checks the tag of the descriptor at `offset`: its checksum, identifier, location and
 * CRC over `crcLength` bytes (which must lie inside `b`). Refuses with one line naming the image and
 * `where` ("file entry of /a at block 300"), as any structure that fails these checks is not UDF.
 */
export function parseTag(b: Uint8Array, offset: number, expect: TagExpectation, image: string, where: string): DescriptorTag {
  const bad = (msg: string) => new PxeError('ISO_INVALID', `${image}: ${where}: ${msg}`, { file: image });
  if (offset + TAG_SIZE > b.length) throw bad(`descriptor tag at offset ${offset} runs past the ${b.length} bytes read`);
  const id = u16le(b, offset);
  const sum = tagChecksum(b, offset);
  if (sum !== b[offset + 4]) {
    throw bad(`bad descriptor tag checksum (stored ${b[offset + 4]}, computed ${sum}): not a UDF descriptor`);
  }
  if (!expect.ids.includes(id)) throw bad(`descriptor tag identifier ${id}, expected ${expect.ids.join(' or ')}`);
  const tag: DescriptorTag = {
    id,
    version: u16le(b, offset + 2),
    serial: u16le(b, offset + 6),
    crcLength: u16le(b, offset + 10),
    location: u32le(b, offset + 12),
  };
  if (expect.location !== undefined && tag.location !== expect.location) {
    throw bad(`descriptor tag says it is recorded at block ${tag.location}, but it was read from block ${expect.location}`);
  }
  const end = offset + TAG_SIZE + tag.crcLength;
  if (end > b.length) throw bad(`descriptor CRC covers ${tag.crcLength} bytes, past the end of the descriptor`);
  const crc = u16le(b, offset + 8);
  // Some writers leave the CRC 0 with a zero length; ECMA-167 allows that.
  if (tag.crcLength > 0 && crcItu(b.subarray(offset + TAG_SIZE, end)) !== crc) {
    throw bad(`bad descriptor CRC (stored 0x${crc.toString(16).padStart(4, '0')}, computed 0x${crcItu(b.subarray(offset + TAG_SIZE, end)).toString(16).padStart(4, '0')})`);
  }
  return tag;
}

/** Fills in a tag's checksum and CRC over the rest of `descriptor`; for building test images. */
export function encodeTag(descriptor: Uint8Array, id: number, location: number, version = 2, serial = 1): void {
  const v = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  const crcLength = descriptor.length - TAG_SIZE;
  v.setUint16(0, id, true);
  v.setUint16(2, version, true);
  v.setUint16(6, serial, true);
  v.setUint16(8, crcItu(descriptor.subarray(TAG_SIZE)), true);
  v.setUint16(10, crcLength, true);
  v.setUint32(12, location, true);
  descriptor[4] = tagChecksum(descriptor);
}
