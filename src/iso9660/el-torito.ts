import { SECTOR_SIZE, strA, u16le, u32le } from './bytes.js';
import type { SectorCache } from './sector-cache.js';

/** Bounds the catalog walk; real catalogs hold 1-4 entries in one sector. */
const MAX_CATALOG_SECTORS = 4;
const ENTRY_SIZE = 32;

export type BootPlatform = 'x86' | 'powerpc' | 'mac' | 'efi' | `0x${string}`;
export type BootEmulation = 'none' | 'floppy-1.2M' | 'floppy-1.44M' | 'floppy-2.88M' | 'hard-disk';

export interface BootCatalogEntry {
  readonly platform: BootPlatform;
  readonly bootable: boolean;
  readonly emulation: BootEmulation;
  /** Real-mode load segment (0 means the default 0x7C0). */
  readonly loadSegment: number;
  readonly systemType: number;
  /** Count of 512-byte virtual sectors loaded by the BIOS (the "load size"). */
  readonly sectorCount: number;
  /** Logical block (2048 bytes) where the boot image starts. */
  readonly imageLba: number;
  /** Size of the image when the emulation type implies it. */
  readonly imageBytes: number | undefined;
  readonly sectionId: string | undefined;
}

export interface BootCatalog {
  readonly sector: number;
  readonly validationId: string;
  readonly entries: readonly BootCatalogEntry[];
  readonly problems: readonly string[];
}

const PLATFORMS: Record<number, BootPlatform> = { 0x00: 'x86', 0x01: 'powerpc', 0x02: 'mac', 0xef: 'efi' };
const EMULATIONS: BootEmulation[] = ['none', 'floppy-1.2M', 'floppy-1.44M', 'floppy-2.88M', 'hard-disk'];
const FLOPPY_BYTES: Partial<Record<BootEmulation, number>> = {
  'floppy-1.2M': 1_228_800,
  'floppy-1.44M': 1_474_560,
  'floppy-2.88M': 2_949_120,
};

/**
 * Walks the El Torito boot catalog (El Torito 1.0, section 2). Problems are collected, never
 * thrown: boot metadata is informational. A catalog that cannot be read at all has no entries.
 */
export async function readBootCatalog(sectors: SectorCache, sector: number, imageSize: number): Promise<BootCatalog> {
  if ((sector + 1) * SECTOR_SIZE > imageSize) {
    return { sector, validationId: '', entries: [], problems: ['boot catalog lies beyond the end of the image'] };
  }
  const problems: string[] = [];
  const first = await sectors.get(sector, 'boot catalog');
  if (first[0] !== 0x01 || first[30] !== 0x55 || first[31] !== 0xaa) {
    return { sector, validationId: '', entries: [], problems: ['boot catalog validation entry is missing or damaged'] };
  }
  let sum = 0;
  for (let i = 0; i < ENTRY_SIZE; i += 2) sum = (sum + u16le(first, i)) & 0xffff;
  if (sum !== 0) problems.push('boot catalog validation entry checksum is wrong');
  const validationId = strA(first, 4, 24);
  let platform = platformName(first[1]!);

  const entries: BootCatalogEntry[] = [];
  const entryAt = async (index: number): Promise<Buffer | undefined> => {
    const s = Math.floor((index * ENTRY_SIZE) / SECTOR_SIZE);
    if (s >= MAX_CATALOG_SECTORS || (sector + s + 1) * SECTOR_SIZE > imageSize) return undefined;
    const buf = s === 0 ? first : await sectors.get(sector + s, 'boot catalog');
    const o = (index * ENTRY_SIZE) % SECTOR_SIZE;
    return buf.subarray(o, o + ENTRY_SIZE);
  };

  const initial = await entryAt(1);
  if (initial) entries.push(parseEntry(initial, platform, undefined));

  let index = 2;
  for (;;) {
    const header = await entryAt(index++);
    if (!header || (header[0] !== 0x90 && header[0] !== 0x91)) break;
    platform = platformName(header[1]!);
    const count = u16le(header, 2);
    const sectionId = strA(header, 4, 28) || undefined;
    for (let i = 0; i < count; i++) {
      const e = await entryAt(index++);
      if (!e) {
        problems.push('boot catalog section runs past its sectors');
        break;
      }
      entries.push(parseEntry(e, platform, sectionId));
      // Extension entries (0x44) continue a section entry's selection criteria.
      for (let x = await entryAt(index); x && x[0] === 0x44; x = await entryAt(index)) index++;
    }
    if (header[0] === 0x91) break;
  }
  return { sector, validationId, entries, problems };
}

function platformName(id: number): BootPlatform {
  return PLATFORMS[id] ?? `0x${id.toString(16).padStart(2, '0')}`;
}

function parseEntry(e: Uint8Array, platform: BootPlatform, sectionId: string | undefined): BootCatalogEntry {
  const emulation = EMULATIONS[e[1]! & 0x0f] ?? 'none';
  return {
    platform,
    bootable: e[0] === 0x88,
    emulation,
    loadSegment: u16le(e, 2),
    systemType: e[4]!,
    sectorCount: u16le(e, 6),
    imageLba: u32le(e, 8),
    imageBytes: FLOPPY_BYTES[emulation],
    sectionId,
  };
}
