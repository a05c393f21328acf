/**
 * The trees on disk: what `ROOT/.pxe-import/versions/` holds, whatever the state says. The session
 * prunes and reports from it, read.ts refuses a root whose state was lost while trees exist, and
 * repair.ts rebuilds the state from it.
 */
import { readdir } from 'node:fs/promises';
import { stagingOwner } from '../extract/staging-name.js';
import { isVersionId, type Layout } from './layout.js';

/**
 * What an interrupted extraction or copy leaves in a versions folder (extract/atomic.ts, apply.ts
 * name them). Under the lock no other run extracts there, so whatever pid it names is gone.
 *
 * A version id (layout.ts) is what imports name their trees, and never such a leftover. The
 * staging names come from extract/staging-name.ts, which loads nothing of the extractor.
 */
export function isLeftover(name: string): boolean {
  if (isVersionId(name)) return false;
  if (/\.partial$/.test(name)) return true;
  return stagingOwner(name) !== undefined;
}

/**
 * Every version directory under the versions folder, by import name (names and versions sorted):
 * directories only, leftovers of killed runs left out. Names and versions are not checked: a
 * directory someone put there by hand is a tree too, and never removed unnamed.
 */
export async function listVersionDirs(layout: Layout): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const names = await readdir(layout.versionsDir, { withFileTypes: true }).catch(() => []);
  for (const name of names.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const versions: string[] = [];
    for (const e of await readdir(layout.versionsOf(name), { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && !isLeftover(e.name)) versions.push(e.name);
    }
    versions.sort();
    if (versions.length > 0) out.set(name, versions);
  }
  return out;
}

/** How many version directories `listVersionDirs` found. */
export function countTrees(trees: ReadonlyMap<string, readonly string[]>): number {
  let n = 0;
  for (const versions of trees.values()) n += versions.length;
  return n;
}
