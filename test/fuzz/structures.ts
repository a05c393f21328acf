/**
 * Finds the metadata of an image, so the fuzzer can aim its mutations at it: volume
 * descriptors, path tables, directory records, System Use (SUSP / Rock Ridge) entries and
 * their continuation areas, zisofs headers and block tables, the El Torito catalog.
 *
 * Deliberately independent of the reader in src/iso9660 (only the sector size is shared):
 * a bug in the reader must not hide a structure from the fuzzer. Defensive and bounded,
 * since seeds include damaged images.
 */
import { SECTOR_SIZE } from '../../src/iso9660/bytes.js';

const MAX_DIRECTORIES = 4096;
const MAX_RECORDS = 50_000;
const MAX_SUSP_ENTRIES = 50_000;

export interface DirectoryRecordAt {
  readonly offset: number;
  readonly length: number;
  readonly extent: number;
  readonly size: number;
  readonly isDirectory: boolean;
  readonly identifier: { readonly offset: number; readonly length: number };
  readonly systemUse: { readonly offset: number; readonly length: number };
}

export interface SuspEntryAt {
  readonly offset: number;
  readonly signature: string;
  readonly length: number;
}

export interface ZisofsAt {
  /** The file's first byte (its 16-byte header). */
  readonly offset: number;
  readonly stored: number;
  readonly tableOffset: number;
  readonly tableEntries: number;
}

export interface ImageStructures {
  readonly blocks: number;
  readonly descriptors: readonly number[];
  readonly pathTables: readonly { readonly offset: number; readonly length: number }[];
  readonly records: readonly DirectoryRecordAt[];
  /** First blocks of the directories found (loop and overlap targets). */
  readonly directoryExtents: readonly number[];
  readonly susp: readonly SuspEntryAt[];
  /** Continuation areas found through CE entries. */
  readonly ceAreas: readonly { readonly offset: number; readonly length: number }[];
  readonly zisofs: readonly ZisofsAt[];
  readonly bootCatalog: number | undefined;
  /** Absolute symlink targets seen in SL entries: places an escaping write would land. */
  readonly absoluteTargets: readonly string[];
}

const u32le = (b: Buffer, o: number) => (o + 4 <= b.length ? b.readUInt32LE(o) : 0);

export function locateStructures(b: Buffer): ImageStructures {
  const blocks = Math.floor(b.length / SECTOR_SIZE);
  const descriptors: number[] = [];
  const roots: number[] = [];
  const pathTables: { offset: number; length: number }[] = [];
  let bootCatalog: number | undefined;
  for (let s = 16; s < Math.min(blocks, 16 + 64); s++) {
    const o = s * SECTOR_SIZE;
    if (b.toString('latin1', o + 1, o + 6) !== 'CD001') break;
    descriptors.push(o);
    const type = b[o]!;
    if (type === 255) break;
    if (type === 1 || type === 2) {
      roots.push(o + 156);
      const tableSize = u32le(b, o + 132);
      for (const at of [u32le(b, o + 140), b.readUInt32BE(o + 148)]) {
        if (at > 0 && at < blocks && tableSize > 0 && tableSize < 1 << 20) pathTables.push({ offset: at * SECTOR_SIZE, length: Math.min(tableSize, b.length - at * SECTOR_SIZE) });
      }
    }
    if (type === 0 && b.toString('latin1', o + 7, o + 30) === 'EL TORITO SPECIFICATION') {
      const at = u32le(b, o + 0x47);
      if (at < blocks) bootCatalog = at * SECTOR_SIZE;
    }
  }

  const records: DirectoryRecordAt[] = [];
  const susp: SuspEntryAt[] = [];
  const ceAreas: { offset: number; length: number }[] = [];
  const zisofs: ZisofsAt[] = [];
  const absoluteTargets = new Set<string>();
  const seenDirectories = new Set<number>();
  const queue: { extent: number; size: number }[] = [];
  for (const r of roots) {
    const rec = parseRecord(b, r, b.length);
    if (rec) queue.push({ extent: rec.extent, size: rec.size });
  }

  const readSusp = (offset: number, length: number) => {
    let areas = 0;
    let area: { offset: number; length: number } | undefined = { offset, length };
    const seenAreas = new Set<number>();
    while (area && areas++ < 8 && susp.length < MAX_SUSP_ENTRIES) {
      let next: { offset: number; length: number } | undefined;
      let p = area.offset;
      const end = Math.min(b.length, area.offset + area.length);
      while (p + 4 <= end) {
        const len = b[p + 2]!;
        if (len < 4 || p + len > end) break;
        const signature = b.toString('latin1', p, p + 2);
        susp.push({ offset: p, signature, length: len });
        if (signature === 'CE' && len >= 28) {
          const at = u32le(b, p + 4) * SECTOR_SIZE + u32le(b, p + 12);
          const l = u32le(b, p + 20);
          if (at + l <= b.length && l > 0 && !seenAreas.has(at)) {
            seenAreas.add(at);
            next = { offset: at, length: l };
            ceAreas.push(next);
          }
        }
        if (signature === 'SL' && len > 5) {
          const target = slTarget(b.subarray(p + 5, p + len));
          if (target.startsWith('/')) absoluteTargets.add(target);
        }
        p += len;
      }
      area = next;
    }
  };

  while (queue.length > 0 && seenDirectories.size < MAX_DIRECTORIES && records.length < MAX_RECORDS) {
    const dir = queue.shift()!;
    if (seenDirectories.has(dir.extent) || dir.extent >= blocks) continue;
    seenDirectories.add(dir.extent);
    const start = dir.extent * SECTOR_SIZE;
    const end = Math.min(b.length, start + Math.min(dir.size, 1 << 24));
    for (let sector = start; sector < end; sector += SECTOR_SIZE) {
      let p = sector;
      while (p < sector + SECTOR_SIZE && p < end && b[p]! > 0 && records.length < MAX_RECORDS) {
        const rec = parseRecord(b, p, Math.min(end, sector + SECTOR_SIZE));
        if (!rec) break;
        records.push(rec);
        if (rec.systemUse.length >= 4) readSusp(rec.systemUse.offset, rec.systemUse.length);
        const id = b[rec.identifier.offset];
        const selfOrParent = rec.identifier.length === 1 && (id === 0 || id === 1);
        if (rec.isDirectory && !selfOrParent) queue.push({ extent: rec.extent, size: rec.size });
        if (!rec.isDirectory) {
          const zf = findZf(b, rec);
          if (zf) zisofs.push(zf);
        }
        p += rec.length;
      }
    }
  }
  return {
    blocks,
    descriptors,
    pathTables,
    records,
    directoryExtents: [...seenDirectories],
    susp,
    ceAreas,
    zisofs,
    bootCatalog,
    absoluteTargets: [...absoluteTargets],
  };
}

function parseRecord(b: Buffer, o: number, limit: number): DirectoryRecordAt | undefined {
  const length = b[o] ?? 0;
  if (length < 34 || o + length > limit) return undefined;
  const idLength = b[o + 32]!;
  if (33 + idLength > length) return undefined;
  const suStart = 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
  return {
    offset: o,
    length,
    extent: b.readUInt32LE(o + 2),
    size: b.readUInt32LE(o + 10),
    isDirectory: (b[o + 25]! & 2) !== 0,
    identifier: { offset: o + 33, length: idLength },
    systemUse: { offset: o + suStart, length: Math.max(0, length - suStart) },
  };
}

function findZf(b: Buffer, rec: DirectoryRecordAt): ZisofsAt | undefined {
  const end = rec.systemUse.offset + rec.systemUse.length;
  for (let p = rec.systemUse.offset; p + 4 <= end; ) {
    const len = b[p + 2]!;
    if (len < 4) return undefined;
    if (b[p] === 0x5a && b[p + 1] === 0x46 && len >= 16) {
      const log2 = b[p + 7]!;
      const size = u32le(b, p + 8);
      const offset = rec.extent * SECTOR_SIZE;
      if (log2 < 15 || log2 > 17 || offset + 16 > b.length) return undefined;
      return { offset, stored: rec.size, tableOffset: offset + b[p + 6]! * 4, tableEntries: Math.ceil(size / 2 ** log2) + 1 };
    }
    p += len;
  }
  return undefined;
}

/** SL components joined with "/", roughly (enough to know an absolute target). */
function slTarget(data: Buffer): string {
  const parts: string[] = [];
  let root = false;
  for (let p = 0; p + 2 <= data.length; ) {
    const flags = data[p]!;
    const len = data[p + 1]!;
    if (flags & 0x08) root = true;
    else if (flags & 0x02) parts.push('.');
    else if (flags & 0x04) parts.push('..');
    else parts.push(data.toString('utf8', p + 2, Math.min(data.length, p + 2 + len)));
    p += 2 + len;
  }
  return (root ? '/' : '') + parts.join('/');
}
