import { describeImage, type ImageDescription } from '../iso9660/describe.js';
import type { DiscImage, DiscTree } from './disc.js';
import type { UdfVolumeInfo } from './image.js';

/** What `inspect` reports of an image with its UDF volume; also its `--json` shape. */
export interface DiscDescription extends ImageDescription<DiscTree> {
  readonly udf: UdfDescription | undefined;
  readonly treeNote: string | undefined;
}

/** The UDF volume as `inspect --json` gives it: dates as ISO 8601 text. */
export type UdfDescription = Omit<UdfVolumeInfo, 'recorded'> & { readonly recorded: string | undefined };

export function describeDisc(image: DiscImage): DiscDescription {
  const u = image.trees.udf;
  return {
    ...describeImage(image),
    udf: u && { ...u, recorded: u.recorded?.toISOString() },
    treeNote: image.treeNote,
  };
}
