import { PxeError } from '../errors.js';
import { SECTOR_SIZE, u32both, u8, type BothEndianReporter } from './bytes.js';
import { checkLimit, type Tally } from './limits.js';
import { quoteName } from './names.js';
import type { SectorCache } from './sector-cache.js';

/**
 * System Use Sharing Protocol (IEEE P1281). Entries are `SIG LEN VER data…`;
 * a CE entry says the area continues in another block. CE chains are bounded
 * and a chain that revisits an area is refused (libarchive test_read_format_iso_rockridge_ce_loop:
 * xorriso hangs on it and bsdtar runs out of memory).
 */

/** The Linux kernel allows 32 continuation areas per record (fs/isofs/rock.c RR_MAX_CE_ENTRIES). */
export const MAX_CE_PER_RECORD = 32;

export interface SuspEntry {
  readonly signature: string;
  readonly version: number;
  /** Bytes after the 4-byte header. */
  readonly data: Uint8Array;
}

export interface SuspContext {
  readonly image: string;
  readonly imageSize: number;
  readonly sectors: SectorCache;
  /** Bytes of continuation areas read so far for the image (MAX_CE_BYTES). */
  readonly ceBytes: Tally;
  readonly warn: (message: string) => void;
  /** Hears of both-endian CE fields whose halves disagree. */
  readonly bothEndian?: BothEndianReporter;
}

/**
 * Collects all SUSP entries of one directory record, following its CE chain.
 * `where` names the record in error messages.
 */
export async function readSuspEntries(area: Uint8Array, ctx: SuspContext, where: string): Promise<SuspEntry[]> {
  const entries: SuspEntry[] = [];
  const visited = new Set<string>();
  let current = area;
  for (let hop = 0; ; hop++) {
    const next = parseArea(current, entries, ctx, where);
    if (!next) return entries;
    const key = `${next.block}:${next.offset}`;
    if (visited.has(key)) {
      throw new PxeError('ISO_LOOP', `${ctx.image}: ${where}: Rock Ridge continuation area (CE) at block ${next.block} offset ${next.offset} loops back on itself`, {
        file: ctx.image,
      });
    }
    visited.add(key);
    checkLimit(hop + 1, MAX_CE_PER_RECORD, ctx.image, () => `${where}: more than ${MAX_CE_PER_RECORD} Rock Ridge continuation areas (CE) for one entry`);
    if (next.offset + next.length > SECTOR_SIZE) {
      throw new PxeError('ISO_INVALID', `${ctx.image}: ${where}: continuation area (CE) offset ${next.offset} + length ${next.length} crosses its block`, {
        file: ctx.image,
      });
    }
    if ((next.block + 1) * SECTOR_SIZE > ctx.imageSize) {
      throw new PxeError('ISO_TRUNCATED', `${ctx.image}: ${where}: continuation area (CE) at block ${next.block} lies beyond the end of the image`, {
        file: ctx.image,
      });
    }
    ctx.ceBytes.add(next.length);
    const sector = await ctx.sectors.get(next.block, 'continuation area');
    current = sector.subarray(next.offset, next.offset + next.length);
  }
}

interface Continuation {
  block: number;
  offset: number;
  length: number;
}

function parseArea(area: Uint8Array, out: SuspEntry[], ctx: SuspContext, where: string): Continuation | undefined {
  let continuation: Continuation | undefined;
  let pos = 0;
  while (pos + 4 <= area.length) {
    const signature = String.fromCharCode(area[pos]!, area[pos + 1]!);
    const length = area[pos + 2]!;
    const version = area[pos + 3]!;
    if (length < 4 || pos + length > area.length) {
      // Zero padding at the end of an area is normal; anything else is a damaged entry.
      if (!(area[pos] === 0 && length === 0)) ctx.warn(`${where}: damaged System Use entry ${quoteName(signature)} (length ${length}); ignoring the rest of the area`);
      break;
    }
    const data = area.subarray(pos + 4, pos + length);
    if (signature === 'ST') break;
    if (signature === 'CE') {
      if (data.length < 24) {
        ctx.warn(`${where}: short CE entry (${length} bytes) ignored`);
      } else {
        const onMismatch = ctx.bothEndian?.(`${where}: CE entry`);
        continuation = {
          block: u32both(data, 0, 'SUSP CE block location', onMismatch),
          offset: u32both(data, 8, 'SUSP CE offset', onMismatch),
          length: u32both(data, 16, 'SUSP CE length', onMismatch),
        };
      }
    } else {
      out.push({ signature, version, data });
    }
    pos += length;
  }
  return continuation;
}

/**
 * The SP entry in the root's "." record marks SUSP in use and says how many bytes
 * to skip at the start of every other System Use area. CD-XA images put 14 bytes of
 * XA data first, so SP is looked for there too (7-Zip and the Linux kernel do the same).
 */
export function findSuspOffset(rootSelfSystemUse: Uint8Array): number | undefined {
  for (const base of [0, 14]) {
    const a = rootSelfSystemUse;
    if (a.length >= base + 7 && a[base] === 0x53 && a[base + 1] === 0x50 && a[base + 2]! >= 7 && a[base + 4] === 0xbe && a[base + 5] === 0xef) {
      return base + u8(a, base + 6);
    }
  }
  return undefined;
}
