import { parseLongAd, type AllocationDescriptor } from './allocation-descriptor.js';
import { decodeDstring } from './cs0.js';
import { parseTag, TagId } from './tag.js';
import { decodeTimestamp } from './timestamp.js';

/** ECMA-167 4/14.1: the file set descriptor, which names the root directory. */
export interface FileSetDescriptor {
  readonly recorded: Date | undefined;
  readonly logicalVolumeId: string;
  readonly fileSetId: string;
  readonly root: AllocationDescriptor;
}

export function parseFileSetDescriptor(block: Uint8Array, location: number, image: string, where: string): FileSetDescriptor {
  parseTag(block, 0, { ids: [TagId.fileSet], location }, image, where);
  return {
    recorded: decodeTimestamp(block, 16),
    logicalVolumeId: decodeDstring(block, 112, 128),
    fileSetId: decodeDstring(block, 304, 32),
    root: parseLongAd(block, 400),
  };
}
