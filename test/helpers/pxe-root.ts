import { readdir, readFile, lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file pxe-import keeps outside the trees, with its inode and mtime: to prove a
 * re-run touches nothing. Directories are compared by their listing, not their mtime:
 * the lock file is created and removed in .pxe-import on every run.
 */
export async function snapshotOutsideTrees(root: string, extra: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (p.includes('/.pxe-import/versions/')) continue;
      const st = await lstat(p);
      if (e.isDirectory()) {
        out.set(p, `dir ${(await readdir(p)).sort().join(' ')}`);
      } else {
        const content = e.isSymbolicLink() ? `-> ${await readlink(p)}` : await readFile(p, 'utf8');
        out.set(p, `${st.ino} ${st.mtimeMs} ${content}`);
      }
      if (e.isDirectory() && !p.endsWith('/.pxe-import/versions')) await visit(p);
    }
  };
  await visit(root);
  for (const f of extra) {
    const st = await lstat(f);
    out.set(f, `${st.ino} ${st.mtimeMs} ${await readFile(f, 'utf8')}`);
  }
  return out;
}

/** Replaces version ids ("20261122T035300Z-3fa2b1c9") so golden files do not depend on the clock. */
export function stableVersions(text: string): string {
  return text.replace(/\d{8}T\d{6}Z-[0-9a-f]{8}/g, 'VERSION');
}
