import { PxeError } from '../errors.js';
import { u32le } from '../iso9660/bytes.js';
import { readExactly, type ImageSource } from '../iso9660/source.js';
import { parseTag, TagId, TAG_SIZE } from './tag.js';

/** ECMA-167 2/9.1: the volume recognition sequence starts at byte 32768. */
const VRS_START = 32768;
/** Descriptors of the recognition sequence read at most; real images have 3 (BEA01, NSR0x, TEA01) after the ISO9660 ones. */
const MAX_VRS_DESCRIPTORS = 64;
/** The block sizes UDF media use, most common first: optical discs and images 2048, hard disks 512 and 4096. */
const BLOCK_SIZES = [2048, 512, 4096, 1024] as const;

/** An extent_ad (ECMA-167 3/7.1): a length in bytes and a first sector. */
export interface ExtentAd {
  readonly length: number;
  readonly location: number;
}

/** ECMA-167 3/10.2: the anchor volume descriptor pointer, at sector 256 (or N-256, N-1). */
export interface AnchorVolumeDescriptorPointer {
  readonly blockSize: number;
  /** Where the anchor was found. */
  readonly sector: number;
  readonly mainSequence: ExtentAd;
  readonly reserveSequence: ExtentAd;
  /** NSR02 (ECMA-167 2nd edition, UDF 1.02-1.50) or NSR03 (3rd edition, UDF 2.00+). */
  readonly standard: 'NSR02' | 'NSR03';
}

/**
 * Whether the volume recognition sequence names a UDF volume (an NSR02 or NSR03 descriptor),
 * and which. Reads at most 64 sectors; undefined when there is none.
 */
export async function readVolumeRecognition(source: ImageSource): Promise<'NSR02' | 'NSR03' | undefined> {
  for (let i = 0; i < MAX_VRS_DESCRIPTORS; i++) {
    const position = VRS_START + i * 2048;
    if (position + 2048 > source.size) return undefined;
    const b = await readExactly(source, position, 8, 'volume recognition sequence');
    const id = b.toString('latin1', 1, 6);
    if (id === 'NSR02' || id === 'NSR03') return id;
    if (id === 'TEA01') return undefined;
    // 4096-byte blocks put each descriptor in its own block, so a zero gap between them is normal.
    if (id !== 'CD001' && id !== 'BEA01' && id !== 'BOOT2' && id !== 'CDW02' && !b.every((x) => x === 0)) return undefined;
  }
  return undefined;
}

/**
 * Finds the anchor (ECMA-167 3/8.4.2.1: at sector 256, else at N-256 or N-1) and with it the
 * block size: the first block size at which a valid anchor tag is found. The recognition
 * sequence must have named the volume first.
 */
export async function readAnchor(source: ImageSource, standard: 'NSR02' | 'NSR03'): Promise<AnchorVolumeDescriptorPointer> {
  for (const blockSize of BLOCK_SIZES) {
    const blocks = Math.floor(source.size / blockSize);
    for (const sector of [256, blocks - 256, blocks - 1]) {
      if (sector < 256 || (sector + 1) * blockSize > source.size) continue;
      const b = await readExactly(source, sector * blockSize, 512, 'anchor volume descriptor pointer');
      if (b.readUInt16LE(0) !== TagId.anchor) continue;
      try {
        parseTag(b, 0, { ids: [TagId.anchor], location: sector }, source.name, `anchor volume descriptor pointer at sector ${sector}`);
      } catch {
        continue; // a block that merely starts with 02 00; another place may hold the anchor
      }
      return {
        blockSize,
        sector,
        mainSequence: { length: u32le(b, TAG_SIZE), location: u32le(b, TAG_SIZE + 4) },
        reserveSequence: { length: u32le(b, TAG_SIZE + 8), location: u32le(b, TAG_SIZE + 12) },
        standard,
      };
    }
  }
  throw new PxeError('ISO_INVALID', `${source.name}: UDF ${standard} volume without an anchor volume descriptor pointer at sector 256, N-256 or N-1`, { file: source.name });
}
