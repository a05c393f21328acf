/**
 * Field decoders for ISO9660 structures. Each names its width and byte order;
 * every read is bounds-checked against the view it is given, never a parent buffer.
 */

import type { WarningHandler } from '../errors.js';

export const SECTOR_SIZE = 2048;

export class FieldError extends Error {}

function need(b: Uint8Array, offset: number, width: number, what: string): void {
  if (offset < 0 || offset + width > b.length) {
    throw new FieldError(`${what}: field at offset ${offset} (+${width}) is outside the ${b.length}-byte record`);
  }
}

export function u8(b: Uint8Array, o: number, what = 'byte'): number {
  need(b, o, 1, what);
  return b[o]!;
}

export function u16le(b: Uint8Array, o: number, what = 'u16'): number {
  need(b, o, 2, what);
  return b[o]! | (b[o + 1]! << 8);
}

export function u32le(b: Uint8Array, o: number, what = 'u32'): number {
  need(b, o, 4, what);
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

export function u32be(b: Uint8Array, o: number, what = 'u32'): number {
  need(b, o, 4, what);
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

function u16be(b: Uint8Array, o: number, what: string): number {
  need(b, o, 2, what);
  return (b[o]! << 8) | b[o + 1]!;
}

/** Told when the two halves of a both-endian field disagree; `field` names the kind of field ("PX file mode"). */
export type BothEndianMismatch = (field: string, le: number, be: number) => void;

/**
 * Both-endian 32-bit field (ECMA-119 7.3.3). Real images sometimes get the
 * big-endian half wrong (pycdlib, the Linux kernel and libarchive all read the
 * little-endian half), so a mismatch is reported to `onMismatch` rather than fatal,
 * and the little-endian half is the value.
 */
export function u32both(b: Uint8Array, o: number, what: string, onMismatch?: BothEndianMismatch): number {
  need(b, o, 8, what);
  const le = u32le(b, o, what);
  const be = u32be(b, o + 4, what);
  if (le !== be) onMismatch?.(what, le, be);
  return le;
}

/** Both-endian 16-bit field (ECMA-119 7.2.3), checked like `u32both`. */
export function u16both(b: Uint8Array, o: number, what: string, onMismatch?: BothEndianMismatch): number {
  need(b, o, 4, what);
  const le = u16le(b, o, what);
  const be = u16be(b, o + 2, what);
  if (le !== be) onMismatch?.(what, le, be);
  return le;
}

/** Gives the mismatch handler for one structure, named by `where` ("root directory, block 20 offset 0"). */
export type BothEndianReporter = (where: string) => BothEndianMismatch;

/**
 * Turns both-endian mismatches into ISO_BOTH_ENDIAN warnings, once per kind of field per
 * image: a mastering tool that gets a field wrong gets it wrong in every record, and one
 * line says as much as ten thousand. Call it once per image.
 */
export function reportBothEndian(warn: WarningHandler): BothEndianReporter {
  const reported = new Set<string>();
  return (where) => (field, le, be) => {
    if (reported.has(field)) return;
    reported.add(field);
    warn({
      code: 'ISO_BOTH_ENDIAN',
      message: `${where}: the little-endian and big-endian halves of the ${field} disagree (${le} and ${be}); using ${le} (further mismatches of this field are not reported)`,
    });
  };
}

/** a-characters / d-characters fields are space padded ASCII. */
export function strA(b: Uint8Array, o: number, len: number, what = 'string'): string {
  need(b, o, len, what);
  return Buffer.from(b.buffer, b.byteOffset + o, len).toString('latin1').replace(/[\0 ]+$/, '');
}

/** Joliet text: UCS-2 big endian, space padded. */
export function strUcs2be(b: Uint8Array, o: number, len: number, what = 'string'): string {
  need(b, o, len, what);
  return decodeUcs2be(b.subarray(o, o + len)).replace(/[\0 ]+$/, '');
}

export function decodeUcs2be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

/** ECMA-119 allows GMT offsets of -48..+52 quarter hours. */
function gmtOffsetMinutes(raw: number): number {
  const tz = (raw << 24) >> 24; // signed byte
  // genisoimage writes offsets like -74 for dates after 2038 (a 24-hour wrap); Linux
  // (fs/isofs/util.c) and libarchive ignore an offset out of range and keep the date.
  return tz >= -48 && tz <= 52 ? tz * 15 : 0;
}

/**
 * 7-byte directory-record date (ECMA-119 9.1.5): years since 1900, month, day,
 * hour, minute, second, GMT offset in 15-minute units. Returns undefined for an
 * all-zero or impossible date instead of inventing one (libarchive e939c97a).
 */
export function decodeShortDate(b: Uint8Array, o: number): Date | undefined {
  need(b, o, 7, 'recording date');
  const [y, mo, d, h, mi, s] = [b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return new Date(Date.UTC(1900 + y, mo - 1, d, h, mi, s) - gmtOffsetMinutes(b[o + 6]!) * 60_000);
}

/** 17-byte volume-descriptor date (ECMA-119 8.4.26.1): ASCII digits plus GMT offset. */
export function decodeLongDate(b: Uint8Array, o: number): Date | undefined {
  need(b, o, 17, 'volume date');
  const digits = Buffer.from(b.buffer, b.byteOffset + o, 16).toString('latin1');
  if (!/^\d{16}$/.test(digits) || /^0+$/.test(digits)) return undefined;
  const n = (from: number, len: number) => Number(digits.slice(from, from + len));
  const [y, mo, d, h, mi, s, cs] = [n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2), n(14, 2)];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, cs * 10) - gmtOffsetMinutes(b[o + 16]!) * 60_000);
}

/** Strict UTF-8 decode; falls back to Latin-1 so that no byte is silently replaced. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeName(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    return Buffer.from(b).toString('latin1');
  }
}
