import { lstat, mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeSystemError, PxeError } from '../errors.js';
import type { ImageTree } from '../iso9660/image.js';
import { stagingOwner, stagingPath } from './staging-name.js';
import { processAlive } from '../pid.js';
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
 * Removes the staging directories in `parent` whose extraction was killed (SIGKILL, power
 * cut): those whose pid is not alive. One whose pid is alive is another extraction still
 * running, and is left alone. Returns the names removed.
 */
export async function removeStaleStaging(parent: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
    const owner = stagingOwner(entry.name);
    if (owner === undefined || !entry.isDirectory() || processAlive(owner)) continue;
    await removeTree(join(parent, entry.name));
    removed.push(entry.name);
  }
  return removed;
}

export interface AtomicExtractOptions extends ExtractOptions {
  /** Adds to the finished tree before it is renamed into place (files the import derives from it). */
  readonly beforeCommit?: (staging: string) => Promise<void>;
}

/**
 * Extracts into a hidden staging directory beside `dir` and renames it into place
 * at the end, so `dir` either does not exist or holds the complete tree. `dir` must
 * not exist, or be an empty directory.
 */
export async function extractImageTo(image: ImageTree, dir: string, options: AtomicExtractOptions = {}): Promise<ExtractResult> {
  const { target, parent, existing } = await checkExtractTarget(dir);

  const staging = stagingPath(target);
  try {
    await mkdir(staging, 0o700);
  } catch (e) {
    throw new PxeError('IO', `${parent}: cannot create a directory here: ${describeSystemError(e)}`, { file: parent, cause: e });
  }
  try {
    const result = await extractTree(image, staging, { ...options, applyRootAttributes: false });
    await options.beforeCommit?.(staging);
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
