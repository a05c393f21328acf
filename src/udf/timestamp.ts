import { u16le } from '../iso9660/bytes.js';

/** ECMA-167 1/7.3: a 12-byte timestamp. */
export const TIMESTAMP_SIZE = 12;

/**
 * Decodes a timestamp: type and time zone (minutes from UTC, -2047 = none given), year, month,
 * day, hour, minute, second, centiseconds, hundreds of microseconds, microseconds. Returns
 * undefined for an all-zero or impossible time rather than inventing one.
 */
export function decodeTimestamp(b: Uint8Array, o: number): Date | undefined {
  if (o + TIMESTAMP_SIZE > b.length) return undefined;
  const typeAndZone = u16le(b, o);
  const type = typeAndZone >> 12;
  // Type 1 is local time (the usual); 0 is UTC ("coordinated"); 2 is "agreement" between the parties: treat as 1.
  if (type > 2) return undefined;
  let zone = typeAndZone & 0xfff;
  if (zone & 0x800) zone -= 0x1000; // 12-bit two's complement
  if (zone === -2047 || zone < -1440 || zone > 1440) zone = 0;
  const year = u16le(b, o + 2);
  const [month, day, hour, minute, second] = [b[o + 4]!, b[o + 5]!, b[o + 6]!, b[o + 7]!, b[o + 8]!];
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = b[o + 9]! * 10 + Math.floor((b[o + 10]! * 100 + b[o + 11]!) / 1000);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - (type === 0 ? 0 : zone) * 60_000);
}
