import { PxeError } from '../errors.js';

/**
 * Hard limits of the image reader. A hostile image can make any structure point anywhere,
 * so every kind of work the reader does for an image is bounded here, and every bound is
 * checked by `checkLimit` (or a `Tally` for a running total), which refuses with ISO_LIMIT
 * and one line naming the image. Values sit far above what real images need.
 */

/** Deeper than any real image (libarchive's fuzz image is 200 levels); bounds hostile ones. */
export const MAX_DEPTH = 1024;
/** One directory's extent. A directory of 64 MiB holds about a million records. */
export const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
/** Bytes of directory extents read for one image. Extents may not overlap either, so this is also at most the image's size. */
export const MAX_TOTAL_DIRECTORY_BYTES = 1024 * 1024 * 1024;
/** Directory records parsed for one image, "." and ".." and the parts of multi-extent files included. */
export const MAX_DIRECTORY_RECORDS = 10_000_000;
/** Entries of one image's tree (files, directories, links, device nodes). */
export const MAX_ENTRIES = 5_000_000;
/**
 * Bytes of Rock Ridge continuation areas (CE) read for one image. Records may share an area
 * (pycdlib #151), so a hostile image could make every record read the same 32-area chain again.
 */
export const MAX_CE_BYTES = 64 * 1024 * 1024;
/**
 * What a zisofs file may inflate to, and what the whole tree may extract to, as a multiple of
 * the image's size. zisofs stores a block of zeros as 4 bytes of block table, so a tiny image can
 * declare gigabytes (libarchive's zisofs test image declares 34 times its size, in zeros).
 */
export const MAX_EXPANSION = 256;

/** The one guard: a value over its limit is refused. `what` completes "IMAGE: …" and names the value and the limit. */
export function checkLimit(value: number, max: number, image: string, what: () => string): void {
  if (value > max) throw new PxeError('ISO_LIMIT', `${image}: ${what()}`, { file: image });
}

/** A running total checked against its limit on every addition. */
export class Tally {
  #total = 0;

  constructor(
    readonly max: number,
    readonly image: string,
    readonly what: (max: number) => string,
  ) {}

  get total(): number {
    return this.#total;
  }

  add(n: number): void {
    this.#total += n;
    checkLimit(this.#total, this.max, this.image, () => this.what(this.max));
  }
}

/** The most a zisofs file, or the whole tree, may extract to for an image of `imageSize` bytes. */
export function expansionLimit(imageSize: number): number {
  return MAX_EXPANSION * imageSize;
}
