import { FieldError, u16le, u8 } from '../iso9660/bytes.js';
import { parseLongAd, type AllocationDescriptor } from './allocation-descriptor.js';
import { decodeCs0 } from './cs0.js';
import { parseTag, TagId } from './tag.js';

/** ECMA-167 4/14.4.3 file characteristics. */
export const FileCharacteristics = { hidden: 1, directory: 2, deleted: 4, parent: 8, metadata: 16 } as const;

/** The fixed part of a file identifier descriptor (ECMA-167 4/14.4). */
export const FID_FIXED_SIZE = 38;

export interface FileIdentifier {
  readonly characteristics: number;
  /** The name decoded from CS0; "" for the parent entry. */
  readonly name: string;
  readonly icb: AllocationDescriptor;
  /** Bytes the descriptor takes, padding to a multiple of 4 included. */
  readonly size: number;
}

/**
 * Parses the file identifier descriptor at `o` of a directory's data. FIDs follow each other
 * in the byte stream of the directory and may cross block boundaries, so their tag location is
 * not checked (nor is it by Linux or libudf); the checksum and CRC are.
 */
export function parseFileIdentifier(data: Uint8Array, o: number, image: string, where: string): FileIdentifier {
  if (o + FID_FIXED_SIZE > data.length) throw new FieldError(`file identifier at offset ${o} is cut short by the end of the directory`);
  const idLength = u8(data, o + 19);
  const implementationUse = u16le(data, o + 36);
  const end = o + FID_FIXED_SIZE + implementationUse + idLength;
  if (end > data.length) throw new FieldError(`file identifier at offset ${o} (${end - o} bytes) runs past the end of the directory`);
  // The CRC of a FID covers its padding too (writers set the CRC length to the padded size less the tag).
  const padded = Math.min(data.length, o + Math.ceil((end - o) / 4) * 4);
  parseTag(data.subarray(o, padded), 0, { ids: [TagId.fileIdentifier], location: undefined }, image, `${where}, file identifier at offset ${o}`);
  const characteristics = u8(data, o + 18);
  const raw = data.subarray(o + FID_FIXED_SIZE + implementationUse, end);
  return {
    characteristics,
    name: characteristics & FileCharacteristics.parent ? '' : decodeCs0(raw),
    icb: parseLongAd(data, o + 20),
    size: Math.ceil((end - o) / 4) * 4,
  };
}
