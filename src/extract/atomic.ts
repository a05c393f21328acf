import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PxeError } from '../errors.js';
import type { IsoImage } from '../iso9660/image.js';
import { extractTree, setDirectoryAttributes, type ExtractOptions, type ExtractResult } from './extract.js';
import { removeTree } from './remove.js';

/** Refuses a target that holds anything, before any work is done. */
export async function checkExtractTarget(dir: string): Promise<{ target: string; parent: string; existing: boolean }> {
  const target = resolve(dir);
  const parent = dirname(target);
  const existing = await lstat(target).catch(() => undefined);
  if (existing) {
    if (!existing.isDirectory()) throw new PxeError('TARGET_EXISTS', `${target}: exists and is not a directory`, { file: target });
    if ((await readdir(target)).length > 0) throw new PxeError('TARGET_EXISTS', `${target}: directory is not empty; choose a new directory`, { file: target });
  }
  const parentStat = await lstat(parent).catch(() => undefined);
  if (!parentStat?.isDirectory()) throw new PxeError('USAGE', `${parent}: parent directory does not exist`, { file: parent });
  return { target, parent, existing: existing !== undefined };
}

/**
 * Extracts into a hidden staging directory beside `dir` and renames it into place
 * at the end, so `dir` either does not exist or holds the complete tree. `dir` must
 * not exist, or be an empty directory.
 */
export async function extractImageTo(image: IsoImage, dir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const { target, parent, existing } = await checkExtractTarget(dir);

  const staging = join(parent, `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, 0o700);
  } catch (e) {
    throw new PxeError('IO', `${parent}: cannot create a directory here: ${(e as NodeJS.ErrnoException).code}`, { file: parent, cause: e });
  }
  try {
    const result = await extractTree(image, staging, { ...options, applyRootAttributes: false });
    if (existing) await rmdir(target);
    await rename(staging, target);
    // Applied after the rename: a read-only root could not be moved into another directory.
    setDirectoryAttributes(image.root, target);
    return result;
  } catch (e) {
    await removeTree(staging).catch(() => {});
    throw e;
  }
}
