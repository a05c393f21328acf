import { PxeError } from '../errors.js';
import { FieldError, u16le, u32le, u8 } from '../iso9660/bytes.js';
import { readExactly, type ImageSource } from '../iso9660/source.js';
import { parseLongAd, type AllocationDescriptor } from './allocation-descriptor.js';
import type { AnchorVolumeDescriptorPointer, ExtentAd } from './anchor.js';
import { Cs0Error, decodeDstring } from './cs0.js';
import { parseTag, TagId } from './tag.js';
import { decodeTimestamp } from './timestamp.js';

/** Descriptors read from one volume descriptor sequence, pointers followed included; real ones have 6-8. */
const MAX_SEQUENCE_DESCRIPTORS = 256;

/** ECMA-167 1/7.4: an entity identifier, e.g. "*OSTA UDF Compliant" with the UDF revision in its suffix. */
export interface EntityId {
  readonly identifier: string;
  readonly suffix: Uint8Array;
}

/** ECMA-167 3/10.1. */
export interface PrimaryVolumeDescriptor {
  readonly volumeId: string;
  readonly volumeSetId: string;
  readonly applicationId: string;
  readonly implementationId: string;
  readonly recorded: Date | undefined;
}

/** ECMA-167 3/10.5. */
export interface PartitionDescriptor {
  readonly number: number;
  /** "+NSR02" or "+NSR03" for a UDF file system. */
  readonly contents: string;
  /** 1 read-only, 2 write-once, 3 rewritable, 4 overwritable. */
  readonly accessType: number;
  /** First sector of the partition. */
  readonly start: number;
  /** Sectors. */
  readonly length: number;
}

/** OSTA UDF 2.2.4-2.2.10: the partition maps a logical volume may hold. */
export type PartitionMap =
  | { readonly type: 'physical'; readonly partition: number }
  | { readonly type: 'sparable'; readonly partition: number }
  | { readonly type: 'virtual'; readonly partition: number }
  | {
      readonly type: 'metadata';
      readonly partition: number;
      readonly metadataFile: number;
      readonly mirrorFile: number;
      readonly duplicated: boolean;
    };

/** ECMA-167 3/10.6. */
export interface LogicalVolumeDescriptor {
  readonly logicalVolumeId: string;
  readonly blockSize: number;
  readonly domainId: EntityId;
  /** OSTA UDF revision from the domain identifier, e.g. 0x0102, 0x0250. */
  readonly udfRevision: number | undefined;
  readonly fileSet: AllocationDescriptor;
  readonly partitionMaps: readonly PartitionMap[];
}

export interface VolumeDescriptorSequence {
  readonly primary: PrimaryVolumeDescriptor;
  readonly logicalVolume: LogicalVolumeDescriptor;
  /** By partition number. */
  readonly partitions: ReadonlyMap<number, PartitionDescriptor>;
  /** The sequence's raw descriptors: a fingerprint of the volume. */
  readonly bytes: Buffer;
}

export function parseEntityId(b: Uint8Array, o: number): EntityId {
  const raw = Buffer.from(b.subarray(o + 1, o + 24));
  return { identifier: raw.toString('latin1').replace(/[\0 ]+$/, ''), suffix: b.subarray(o + 24, o + 32) };
}

export function parsePrimaryVolumeDescriptor(b: Uint8Array): PrimaryVolumeDescriptor {
  return {
    volumeId: decodeDstring(b, 24, 32),
    volumeSetId: decodeDstring(b, 72, 128),
    applicationId: parseEntityId(b, 344).identifier,
    recorded: decodeTimestamp(b, 376),
    implementationId: parseEntityId(b, 388).identifier,
  };
}

export function parsePartitionDescriptor(b: Uint8Array): PartitionDescriptor {
  return {
    number: u16le(b, 22),
    contents: parseEntityId(b, 24).identifier,
    accessType: u32le(b, 184),
    start: u32le(b, 188),
    length: u32le(b, 192),
  };
}

const TYPE2_MAPS: Record<string, 'virtual' | 'sparable' | 'metadata'> = {
  '*UDF Virtual Partition': 'virtual',
  '*UDF Sparable Partition': 'sparable',
  '*UDF Metadata Partition': 'metadata',
};

/** Parses the partition maps (ECMA-167 3/10.7, OSTA UDF 2.2.8-2.2.10) in `table`. Throws a plain message on a bad map. */
export function parsePartitionMaps(table: Uint8Array, count: number): PartitionMap[] {
  const maps: PartitionMap[] = [];
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 2 > table.length) throw new FieldError(`partition map ${i} lies past the end of the ${table.length}-byte map table`);
    const type = u8(table, o);
    const length = u8(table, o + 1);
    if (length < 6 || o + length > table.length) throw new FieldError(`partition map ${i} has length ${length}, which does not fit the ${table.length}-byte map table`);
    if (type === 1) {
      if (length !== 6) throw new FieldError(`type 1 partition map ${i} has length ${length}, not 6`);
      maps.push({ type: 'physical', partition: u16le(table, o + 4) });
    } else if (type === 2) {
      if (length !== 64) throw new FieldError(`type 2 partition map ${i} has length ${length}, not 64`);
      const id = parseEntityId(table, o + 4).identifier;
      const kind = TYPE2_MAPS[id];
      if (!kind) throw new FieldError(`partition map ${i} is of unknown type ${JSON.stringify(id)}`);
      const partition = u16le(table, o + 38);
      if (kind === 'metadata') {
        maps.push({ type: 'metadata', partition, metadataFile: u32le(table, o + 40), mirrorFile: u32le(table, o + 44), duplicated: (u8(table, o + 58) & 1) !== 0 });
      } else maps.push({ type: kind, partition });
    } else throw new FieldError(`partition map ${i} has type ${type} (expected 1 or 2)`);
    o += length;
  }
  return maps;
}

export function parseLogicalVolumeDescriptor(b: Uint8Array): LogicalVolumeDescriptor {
  const domainId = parseEntityId(b, 216);
  const tableLength = u32le(b, 264);
  const count = u32le(b, 268);
  if (440 + tableLength > b.length) throw new FieldError(`partition map table of ${tableLength} bytes runs past the descriptor's block`);
  if (count > 64) throw new FieldError(`${count} partition maps (at most 64 are read)`);
  return {
    logicalVolumeId: decodeDstring(b, 84, 128),
    blockSize: u32le(b, 212),
    domainId,
    udfRevision: domainId.identifier === '*OSTA UDF Compliant' ? u16le(domainId.suffix, 0) : undefined,
    fileSet: parseLongAd(b, 248),
    partitionMaps: parsePartitionMaps(b.subarray(440, 440 + tableLength), count),
  };
}

/**
 * Reads a volume descriptor sequence (ECMA-167 3/8.4): the main one, else the reserve one if
 * the main one is damaged. Follows volume descriptor pointers (bounded, never twice to one place).
 */
export async function readVolumeDescriptorSequence(source: ImageSource, anchor: AnchorVolumeDescriptorPointer): Promise<VolumeDescriptorSequence> {
  try {
    return await readSequence(source, anchor.mainSequence, anchor.blockSize, 'main');
  } catch (main) {
    if (!(main instanceof PxeError)) throw main;
    try {
      return await readSequence(source, anchor.reserveSequence, anchor.blockSize, 'reserve');
    } catch {
      throw main; // the main sequence's problem is the one to name
    }
  }
}

async function readSequence(source: ImageSource, start: ExtentAd, blockSize: number, which: string): Promise<VolumeDescriptorSequence> {
  const image = source.name;
  let primary: PrimaryVolumeDescriptor | undefined;
  let logicalVolume: LogicalVolumeDescriptor | undefined;
  const partitions = new Map<number, PartitionDescriptor>();
  const raw: Buffer[] = [];
  const seen = new Set<number>();
  let extent: ExtentAd | undefined = start;
  let read = 0;
  sequence: while (extent) {
    const current: ExtentAd = extent;
    extent = undefined;
    const blocks = Math.floor(current.length / blockSize);
    for (let i = 0; i < blocks; i++) {
      const sector = current.location + i;
      const where = `${which} volume descriptor sequence, sector ${sector}`;
      if (seen.has(sector)) throw new PxeError('ISO_LOOP', `${image}: ${where}: the volume descriptor sequence loops`, { file: image });
      seen.add(sector);
      if (++read > MAX_SEQUENCE_DESCRIPTORS) throw new PxeError('ISO_LIMIT', `${image}: ${which} volume descriptor sequence holds more than ${MAX_SEQUENCE_DESCRIPTORS} descriptors`, { file: image });
      const b = await readExactly(source, sector * blockSize, blockSize, where);
      const tag = parseTag(
        b,
        0,
        { ids: [TagId.primaryVolume, TagId.volumePointer, TagId.implementationUse, TagId.partition, TagId.logicalVolume, TagId.unallocatedSpace, TagId.terminating, 0], location: b.readUInt16LE(0) === 0 ? undefined : sector },
        image,
        where,
      );
      if (tag.id === 0 || tag.id === TagId.terminating) break sequence; // an all-zero block also ends the sequence
      raw.push(b);
      try {
        if (tag.id === TagId.primaryVolume) primary ??= parsePrimaryVolumeDescriptor(b);
        else if (tag.id === TagId.partition) {
          const pd = parsePartitionDescriptor(b);
          if (!partitions.has(pd.number)) partitions.set(pd.number, pd);
        } else if (tag.id === TagId.logicalVolume) logicalVolume ??= parseLogicalVolumeDescriptor(b);
        else if (tag.id === TagId.volumePointer) {
          extent = { length: u32le(b, 20), location: u32le(b, 24) };
          continue sequence;
        }
      } catch (e) {
        if (e instanceof Cs0Error || e instanceof FieldError) throw new PxeError('ISO_INVALID', `${image}: ${where}: ${e.message}`, { file: image });
        throw e;
      }
    }
  }
  const missing = !primary ? 'primary volume descriptor' : !logicalVolume ? 'logical volume descriptor' : partitions.size === 0 ? 'partition descriptor' : undefined;
  if (missing || !primary || !logicalVolume) throw new PxeError('ISO_INVALID', `${image}: ${which} UDF volume descriptor sequence at sector ${start.location} has no ${missing}`, { file: image });
  if (logicalVolume.blockSize !== blockSize) {
    throw new PxeError('ISO_INVALID', `${image}: logical volume descriptor: block size ${logicalVolume.blockSize} differs from the ${blockSize} bytes the anchor was found with`, { file: image });
  }
  return { primary, logicalVolume, partitions, bytes: Buffer.concat(raw) };
}
