import { posix } from 'node:path';

/**
 * Canonical form for comparing export paths: duplicate and trailing slashes
 * and `.`/`..` removed, so `/srv/pxe/` and `/srv//pxe` compare equal. Only a
 * string operation: exportfs resolves symlinks too, which needs the disk.
 */
export function normalizeExportPath(p: string): string {
  if (p === '') return p;
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when `ancestor` is `path` itself or one of its parent directories. */
export function isSameOrAncestorPath(ancestor: string, path: string): boolean {
  const a = normalizeExportPath(ancestor);
  const p = normalizeExportPath(path);
  if (a === '' || p === '') return false;
  if (a === p) return true;
  return p.startsWith(a === '/' ? '/' : `${a}/`);
}
