/** Byte builders for hand-made on-disc records in unit tests. */

export function both32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function both16(n: number): number[] {
  return [n & 0xff, n >>> 8, n >>> 8, n & 0xff];
}

/** One SUSP entry: signature, length, version 1, data. */
export function susp(signature: string, data: number[] | Uint8Array): number[] {
  return [signature.charCodeAt(0), signature.charCodeAt(1), data.length + 4, 1, ...data];
}

export function ascii(s: string): number[] {
  return [...Buffer.from(s, 'latin1')];
}

/** A directory record (ECMA-119 9.1) with the given identifier and System Use bytes. */
export function directoryRecord(o: {
  extent: number;
  size: number;
  flags?: number;
  identifier: number[];
  systemUse?: number[];
  date?: number[];
}): number[] {
  const id = o.identifier;
  const pad = id.length % 2 === 0 ? [0] : [];
  const su = o.systemUse ?? [];
  const length = 33 + id.length + pad.length + su.length;
  return [
    length,
    0,
    ...both32(o.extent),
    ...both32(o.size),
    ...(o.date ?? [124, 1, 2, 3, 4, 5, 0]),
    o.flags ?? 0,
    0,
    0,
    ...both16(1),
    id.length,
    ...id,
    ...pad,
    ...su,
  ];
}
