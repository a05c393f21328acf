/**
 * The tree view (src/profiles/tree-view.ts) of a tree already extracted into a directory, so that
 * `pxe-import repair` can plan a version's boot entries again from what is on disk, exactly as the
 * import planned them from the image: the same paths, kinds and symlink targets, and the same small
 * text files (readTextFiles: the TEXT_FILE pattern and size limits). Symlinks are read, never
 * followed. The edge: everything that decides on the view stays pure.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PxeError } from '../errors.js';
import type { IsoDirectory, IsoEntry } from '../iso9660/entry.js';
import { MAX_DEPTH, MAX_ENTRIES } from '../iso9660/limits.js';
import { readTextFiles, treeViewFrom, type TreeView } from '../profiles/tree-view.js';
import { ioError } from './fs-atomic.js';

/**
 * The view of the tree in `dir`. Its volume id is not kept on disk, so it is '' (labels then fall
 * back to the release or the name). The tree came from an image, so the image reader's limits on
 * depth and entries bound it too.
 */
export async function treeViewOfDirectory(dir: string, imageBytes?: number): Promise<TreeView> {
  const counter = { entries: 0 };
  const root = await readTree(dir, '', 0, counter);
  const texts = await readTextFiles(root, (file) =>
    readFile(join(dir, file.path)).catch((e) => {
      throw ioError(join(dir, file.path), 'cannot read', e);
    }),
  );
  return treeViewFrom(root, texts, '', imageBytes);
}

/** One directory of the tree as the image reader gives it: extents, modes and times are not needed by a view. */
async function readTree(dir: string, path: string, depth: number, counter: { entries: number }): Promise<IsoDirectory> {
  const abs = path === '' ? dir : join(dir, path);
  if (depth > MAX_DEPTH) throw new PxeError('ISO_LIMIT', `${abs}: more than ${MAX_DEPTH} directory levels`, { file: abs });
  const listing = await readdir(abs, { withFileTypes: true }).catch((e) => {
    throw ioError(abs, 'cannot list the tree', e);
  });
  const children: IsoEntry[] = [];
  for (const d of listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (++counter.entries > MAX_ENTRIES) throw new PxeError('ISO_LIMIT', `${dir}: more than ${MAX_ENTRIES} entries`, { file: dir });
    const childPath = path === '' ? d.name : `${path}/${d.name}`;
    const base = { name: d.name, path: childPath, mode: undefined, mtime: undefined, atime: undefined, uid: undefined, gid: undefined };
    if (d.isDirectory()) children.push(await readTree(dir, childPath, depth + 1, counter));
    else if (d.isSymbolicLink()) children.push({ ...base, kind: 'symlink', target: await readlink(join(dir, childPath)) });
    else if (d.isFile()) {
      const st = await lstat(join(dir, childPath));
      children.push({ ...base, kind: 'file', size: st.size, extents: [], zisofs: undefined, hardLinkGroup: undefined });
    }
    // Extraction creates no device node, FIFO or socket; anything else here is not the image's.
  }
  return { name: path.slice(path.lastIndexOf('/') + 1), path, mode: undefined, mtime: undefined, atime: undefined, uid: undefined, gid: undefined, kind: 'directory', children };
}
