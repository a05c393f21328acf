import { PxeError } from '../errors.js';
import { decodeShortDate, FieldError, u32both, u32le, u8, type BothEndianMismatch } from './bytes.js';

/** ECMA-119 9.1: fixed part is 33 bytes, followed by the identifier. */
export const DIRECTORY_RECORD_FIXED_SIZE = 33;

export const FileFlags = {
  hidden: 0x01,
  directory: 0x02,
  associated: 0x04,
  record: 0x08,
  protection: 0x10,
  multiExtent: 0x80,
} as const;

export interface DirectoryRecord {
  /** Total record length in bytes (byte 0). */
  readonly length: number;
  readonly extendedAttributeLength: number;
  /** Logical block of the first byte of the extent. */
  readonly extent: number;
  readonly dataLength: number;
  readonly recorded: Date | undefined;
  readonly flags: number;
  readonly isDirectory: boolean;
  /** Bit 7: more records with the same name follow, each holding the next extent of the file. */
  readonly isMultiExtent: boolean;
  readonly isAssociated: boolean;
  readonly fileUnitSize: number;
  readonly interleaveGap: number;
  /** Raw identifier: 0x00 is ".", 0x01 is "..". */
  readonly identifier: Uint8Array;
  /** System Use area (SUSP / Rock Ridge), possibly empty. */
  readonly systemUse: Uint8Array;
}

/**
 * Parses one directory record. `view` must end where the record's sector ends,
 * so that a length running past the sector is caught here. `onMismatch` hears of a
 * both-endian field whose halves disagree.
 */
export function parseDirectoryRecord(view: Uint8Array, offset: number, image: string, where: string, onMismatch?: BothEndianMismatch): DirectoryRecord {
  const bad = (msg: string) => new PxeError('ISO_INVALID', `${image}: ${where}: ${msg}`, { file: image });
  const length = view[offset] ?? 0;
  if (length < DIRECTORY_RECORD_FIXED_SIZE + 1) throw bad(`bad directory record length ${length} (minimum is 34)`);
  if (offset + length > view.length) throw bad(`directory record of ${length} bytes crosses the end of its sector`);
  const r = view.subarray(offset, offset + length);
  try {
    const identifierLength = u8(r, 32);
    if (identifierLength === 0) throw bad('directory record has an empty file identifier');
    const identifierEnd = DIRECTORY_RECORD_FIXED_SIZE + identifierLength;
    if (identifierEnd > length) throw bad(`file identifier of ${identifierLength} bytes overflows the ${length}-byte record`);
    // A padding byte follows an even-length identifier so the System Use area starts on an even offset.
    const systemUseStart = identifierEnd + (identifierLength % 2 === 0 ? 1 : 0);
    const flags = u8(r, 25);
    return {
      length,
      extendedAttributeLength: u8(r, 1),
      extent: u32both(r, 2, 'directory record extent location', onMismatch),
      // The halves of the data length are not compared: like pycdlib (dr.py: "we've seen ISOs
      // where this is wrong"), the little-endian half is the value and a wrong big-endian one is no news.
      dataLength: u32le(r, 10, 'directory record data length'),
      recorded: decodeShortDate(r, 18),
      flags,
      isDirectory: (flags & FileFlags.directory) !== 0,
      isMultiExtent: (flags & FileFlags.multiExtent) !== 0,
      isAssociated: (flags & FileFlags.associated) !== 0,
      // Offset 28, the volume sequence number, is not read: multi-volume sets do not occur in practice.
      fileUnitSize: u8(r, 26),
      interleaveGap: u8(r, 27),
      identifier: r.subarray(DIRECTORY_RECORD_FIXED_SIZE, identifierEnd),
      systemUse: systemUseStart < length ? r.subarray(systemUseStart, length) : new Uint8Array(0),
    };
  } catch (e) {
    if (e instanceof FieldError) throw bad(e.message);
    throw e;
  }
}

export function isSelfOrParent(r: DirectoryRecord): 'self' | 'parent' | undefined {
  if (r.identifier.length !== 1) return undefined;
  if (r.identifier[0] === 0) return 'self';
  if (r.identifier[0] === 1) return 'parent';
  return undefined;
}

/** Plain ISO9660 name: drop the ";1" version and a trailing "." of an extension-less name. */
export function plainIsoName(identifier: Uint8Array): string {
  let s = Buffer.from(identifier).toString('latin1');
  const semi = s.lastIndexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  if (s.endsWith('.') && s.length > 1) s = s.slice(0, -1);
  return s;
}
