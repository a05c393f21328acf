/**
 * Limits of the UDF reader beyond those it shares with the ISO9660 reader (depth, entries,
 * directory bytes: ../iso9660/limits.ts), each checked by the same `checkLimit` / `Tally`.
 * Values sit far above what real images need.
 */

/** Indirect entries followed from one ICB (ECMA-167 4/14.7); strategy 4 images have none, 4096 ones one per rewrite. */
export const MAX_ICB_INDIRECTIONS = 64;
/** Allocation descriptors of one file, continuation blocks included: a 4 GiB file in 64 KiB pieces is 65,536. */
export const MAX_FILE_EXTENTS = 1_000_000;
/** Allocation descriptors read for one image. */
export const MAX_TOTAL_EXTENTS = 20_000_000;
/** A symbolic link's path components (Linux's PATH_MAX is 4096 bytes of result). */
export const MAX_SYMLINK_BYTES = 64 * 1024;
/** The virtual allocation table: 4 bytes per virtual block, so 16 million blocks. */
export const MAX_VAT_BYTES = 64 * 1024 * 1024;
/** Extents of the metadata file (UDF 2.50 2.2.13) that maps the metadata partition. */
export const MAX_METADATA_EXTENTS = 1_000_000;
