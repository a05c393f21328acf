import { PxeError } from '../errors.js';
import { decodeLongDate, SECTOR_SIZE, strA, strUcs2be, u16both, u32both, u32le, u8, type BothEndianReporter } from './bytes.js';
import { parseDirectoryRecord, type DirectoryRecord } from './directory-record.js';
import { readExactly, type ImageSource } from './source.js';

/** The volume descriptor set starts at sector 16 (ECMA-119 6.2.1). */
const FIRST_DESCRIPTOR_SECTOR = 16;
/** Real images have 3-6 descriptors; this bounds a set with no terminator. */
const MAX_DESCRIPTORS = 64;

export interface VolumeInfo {
  readonly systemId: string;
  readonly volumeId: string;
  readonly volumeSetId: string;
  readonly publisherId: string;
  readonly preparerId: string;
  readonly applicationId: string;
  /** Volume space size in logical blocks. The file may be longer (appended partitions). */
  readonly volumeBlocks: number;
  readonly logicalBlockSize: number;
  readonly created: Date | undefined;
  readonly modified: Date | undefined;
}

export interface PrimaryVolumeDescriptor extends VolumeInfo {
  readonly type: 'primary';
  readonly sector: number;
  readonly root: DirectoryRecord;
}

export interface SupplementaryVolumeDescriptor extends VolumeInfo {
  readonly type: 'supplementary';
  readonly sector: number;
  readonly root: DirectoryRecord;
  /** Joliet level 1-3 from the UCS-2 escape sequence, or undefined for a non-Joliet SVD. */
  readonly jolietLevel: 1 | 2 | 3 | undefined;
}

export interface BootRecordDescriptor {
  readonly type: 'boot';
  readonly sector: number;
  readonly bootSystemId: string;
  /** Sector of the El Torito boot catalog, when this is an El Torito boot record. */
  readonly bootCatalogSector: number | undefined;
}

export interface VolumeDescriptorSet {
  readonly primary: PrimaryVolumeDescriptor;
  readonly joliet: SupplementaryVolumeDescriptor | undefined;
  readonly bootRecord: BootRecordDescriptor | undefined;
  /** Raw bytes of sectors 16..terminator: a cheap fingerprint of the image's identity. */
  readonly descriptorBytes: Buffer;
}

const JOLIET_ESCAPES: Record<string, 1 | 2 | 3> = { '%/@': 1, '%/C': 2, '%/E': 3 };

/**
 * Reads the volume descriptor set. Refuses anything that is not ISO9660 with a
 * message naming the image and the first thing that is wrong. `bothEndian` hears of
 * both-endian fields whose halves disagree.
 */
export async function readVolumeDescriptors(source: ImageSource, bothEndian?: BothEndianReporter): Promise<VolumeDescriptorSet> {
  const bad = (msg: string) => new PxeError('ISO_INVALID', `${source.name}: not a valid ISO9660 image: ${msg}`, { file: source.name });
  if (source.size < (FIRST_DESCRIPTOR_SECTOR + 1) * SECTOR_SIZE) {
    throw bad(`file is only ${source.size} bytes, too small to hold a volume descriptor at sector 16`);
  }
  let primary: PrimaryVolumeDescriptor | undefined;
  let joliet: SupplementaryVolumeDescriptor | undefined;
  let bootRecord: BootRecordDescriptor | undefined;
  let sawUdf = false;
  let sector = FIRST_DESCRIPTOR_SECTOR;
  for (let i = 0; ; i++, sector++) {
    if (i >= MAX_DESCRIPTORS) throw bad(`no volume descriptor set terminator within ${MAX_DESCRIPTORS} sectors`);
    if ((sector + 1) * SECTOR_SIZE > source.size) throw bad(`volume descriptor set runs past the end of the file at sector ${sector}`);
    const b = await readExactly(source, sector * SECTOR_SIZE, SECTOR_SIZE, 'volume descriptor');
    const id = b.toString('latin1', 1, 6);
    if (id === 'BEA01' || id === 'NSR02' || id === 'NSR03' || id === 'TEA01') {
      sawUdf = true;
      continue; // UDF volume recognition sequence may follow the ISO descriptors
    }
    if (id !== 'CD001') {
      if (primary) break; // some writers omit the terminator; what we have is enough
      // A UDF volume is read by src/udf; reaching here means it names none (no NSR descriptor) either.
      if (sawUdf) throw bad('a UDF volume recognition sequence without an NSR descriptor, and no ISO9660 primary volume descriptor');
      throw bad(`no ISO9660 signature "CD001" at sector ${sector}`);
    }
    const type = b[0]!;
    if (type === 255) break;
    if (type === 0) bootRecord = parseBootRecord(b, sector);
    else if (type === 1 && !primary) primary = parsePrimary(b, sector, source.name, bothEndian);
    else if (type === 2 && !joliet) {
      const svd = parseSupplementary(b, sector, source.name, bothEndian);
      if (svd.jolietLevel !== undefined) joliet = svd;
    }
  }
  if (!primary) throw bad('no primary volume descriptor');
  const descriptorBytes = await readExactly(source, FIRST_DESCRIPTOR_SECTOR * SECTOR_SIZE, (sector - FIRST_DESCRIPTOR_SECTOR + 1) * SECTOR_SIZE, 'volume descriptors');
  return { primary, joliet, bootRecord, descriptorBytes };
}

function parseVolumeInfo(
  b: Buffer,
  sector: number,
  image: string,
  text: (o: number, l: number) => string,
  bothEndian: BothEndianReporter | undefined,
): VolumeInfo & { root: DirectoryRecord } {
  const bad = (msg: string) => new PxeError('ISO_INVALID', `${image}: not a valid ISO9660 image: ${msg}`, { file: image });
  const version = u8(b, 6);
  if (version !== 1 && version !== 2) throw bad(`volume descriptor at sector ${sector} has version ${version}`);
  const where = `${b[0] === 1 ? 'primary' : 'supplementary'} volume descriptor (sector ${sector})`;
  const onMismatch = bothEndian?.(where);
  const logicalBlockSize = u16both(b, 128, 'logical block size', onMismatch);
  // Every reader in use supports only 2048; other sizes are found only in corrupted images.
  if (logicalBlockSize !== SECTOR_SIZE) throw bad(`logical block size is ${logicalBlockSize}, expected 2048`);
  const volumeBlocks = u32both(b, 80, 'volume space size', onMismatch);
  // Root directory record: 34 bytes at offset 156. A 68-byte record (libarchive test_read_format_iso_3)
  // is tolerated by reading only what the field holds.
  const rootLength = u8(b, 156);
  if (rootLength < 34) throw bad(`root directory record length is ${rootLength}, expected 34`);
  const root = parseDirectoryRecord(b.subarray(156, 156 + Math.min(rootLength, SECTOR_SIZE - 156)), 0, image, 'root directory record', bothEndian?.(`root directory record in the ${where}`));
  if (!root.isDirectory) throw bad('root directory record is not flagged as a directory');
  return {
    systemId: text(8, 32),
    volumeId: text(40, 32),
    volumeSetId: text(190, 128),
    publisherId: text(318, 128),
    preparerId: text(446, 128),
    applicationId: text(574, 128),
    volumeBlocks,
    logicalBlockSize,
    created: decodeLongDate(b, 813),
    modified: decodeLongDate(b, 830),
    root,
  };
}

function parsePrimary(b: Buffer, sector: number, image: string, bothEndian: BothEndianReporter | undefined): PrimaryVolumeDescriptor {
  return { type: 'primary', sector, ...parseVolumeInfo(b, sector, image, (o, l) => strA(b, o, l), bothEndian) };
}

function parseSupplementary(b: Buffer, sector: number, image: string, bothEndian: BothEndianReporter | undefined): SupplementaryVolumeDescriptor {
  const escape = b.toString('latin1', 88, 91);
  const jolietLevel = JOLIET_ESCAPES[escape];
  const text = jolietLevel ? (o: number, l: number) => strUcs2be(b, o, l) : (o: number, l: number) => strA(b, o, l);
  return { type: 'supplementary', sector, jolietLevel, ...parseVolumeInfo(b, sector, image, text, bothEndian) };
}

function parseBootRecord(b: Buffer, sector: number): BootRecordDescriptor {
  const bootSystemId = strA(b, 7, 32);
  return {
    type: 'boot',
    sector,
    bootSystemId,
    // El Torito 1.0, section 2.0: absolute pointer to the boot catalog at offset 0x47.
    bootCatalogSector: bootSystemId === 'EL TORITO SPECIFICATION' ? u32le(b, 0x47) : undefined,
  };
}
