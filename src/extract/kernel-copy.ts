import { createRequire } from 'node:module';

/**
 * The optional sendfile addon (native/sendfile.c, built at install by native/build.mjs).
 * read()+write() moves every byte through user memory twice; sendfile copies page-cache
 * pages once, which on a live ISO's multi-gigabyte squashfs is most of the work.
 */
export interface KernelCopy {
  /** Copies `length` bytes from `inFd` at `inPosition` to `outFd` at `outPosition`; returns the bytes copied (short only at end of input). */
  copyRange(outFd: number, outPosition: number, inFd: number, inPosition: number, length: number): number;
}

function load(): KernelCopy | undefined {
  if (process.env.PXE_IMPORT_NO_SENDFILE === '1') return undefined;
  try {
    // From dist/src/extract/ to the repository's native/ folder.
    return createRequire(import.meta.url)('../../../native/build/Release/pxe_sendfile.node') as KernelCopy;
  } catch {
    return undefined;
  }
}

export const kernelCopy: KernelCopy | undefined = load();
