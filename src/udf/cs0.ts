/**
 * OSTA Compressed Unicode (OSTA UDF 2.1.1, ECMA-167 1/7.2.12 "CS0"): a compression ID byte,
 * 8 (one byte per character, Latin-1) or 16 (big-endian UTF-16 units), then the characters.
 * UDF 2.00 adds 254 and 255, the same forms for names that must not be case-folded; they
 * decode alike here.
 */

export class Cs0Error extends Error {}

/** Decodes a CS0 string (compression ID included). An empty field is the empty string. */
export function decodeCs0(b: Uint8Array): string {
  if (b.length === 0) return '';
  const id = b[0]!;
  if (id === 8 || id === 254) return Buffer.from(b.subarray(1)).toString('latin1');
  if (id === 16 || id === 255) {
    if ((b.length - 1) % 2 !== 0) throw new Cs0Error(`16-bit CS0 string has an odd number (${b.length - 1}) of bytes`);
    const units = new Array<number>((b.length - 1) / 2);
    for (let i = 0; i < units.length; i++) units[i] = (b[1 + 2 * i]! << 8) | b[2 + 2 * i]!;
    // String.fromCharCode joins surrogate pairs into one character, as UTF-16 means them.
    let s = '';
    for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
    return s;
  }
  throw new Cs0Error(`unknown CS0 compression ID ${id} (expected 8 or 16)`);
}

/**
 * A dstring (ECMA-167 1/7.2.12): a fixed-size field whose last byte is the length of the
 * CS0 string at its start. A zero length is an empty string.
 */
export function decodeDstring(b: Uint8Array, offset: number, size: number): string {
  const field = b.subarray(offset, offset + size);
  if (field.length !== size) throw new Cs0Error(`dstring field of ${size} bytes at offset ${offset} is cut short`);
  const used = field[size - 1]!;
  if (used === 0) return '';
  if (used > size - 1) throw new Cs0Error(`dstring says it uses ${used} bytes of a ${size}-byte field`);
  return decodeCs0(field.subarray(0, used));
}

/** Encodes in the smallest form that holds `s`; for building test images. */
export function encodeCs0(s: string, force16 = false): Uint8Array {
  const wide = force16 || [...s].some((c) => c.charCodeAt(0) > 0xff || c.length > 1);
  if (!wide) return Uint8Array.from([8, ...Buffer.from(s, 'latin1')]);
  const out = new Uint8Array(1 + s.length * 2);
  out[0] = 16;
  for (let i = 0; i < s.length; i++) {
    out[1 + 2 * i] = s.charCodeAt(i) >> 8;
    out[2 + 2 * i] = s.charCodeAt(i) & 0xff;
  }
  return out;
}
