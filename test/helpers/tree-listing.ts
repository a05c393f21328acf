import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The corpus's listing.py in TypeScript, for fixture tests that must also run
 * where ../shared is absent. Same columns: path type size mode mtime data hlink.
 */
export interface ListedEntry {
  path: string;
  type: 'f' | 'd' | 'l' | 'b' | 'c' | 'p' | 's' | '?';
  size: string;
  mode: string;
  mtime: string;
  data: string;
  hlink: string;
}

export async function listEntries(root: string, options: { now?: number } = {}): Promise<ListedEntry[]> {
  const out: (ListedEntry & { ino: string; isDir: boolean })[] = [];
  const visit = async (rel: string) => {
    const abs = rel === '.' ? root : join(root, rel);
    const st = await lstat(abs, { bigint: true });
    const mode = Number(st.mode);
    let type: ListedEntry['type'] = '?';
    let size = '-';
    let data = '-';
    if (st.isFile()) {
      type = 'f';
      size = String(st.size);
      data = await sha256(abs);
    } else if (st.isDirectory()) type = 'd';
    else if (st.isSymbolicLink()) {
      type = 'l';
      data = await readlink(abs);
      size = String(Buffer.byteLength(data));
    } else if (st.isBlockDevice()) type = 'b';
    else if (st.isCharacterDevice()) type = 'c';
    else if (st.isFIFO()) type = 'p';
    else if (st.isSocket()) type = 's';
    const seconds = Number(st.mtimeMs / 1000n);
    out.push({
      path: rel,
      type,
      size,
      mode: (mode & 0o7777).toString(8).padStart(4, '0'),
      mtime: options.now !== undefined && seconds >= options.now ? '?' : String(seconds),
      data,
      hlink: '-',
      ino: `${st.dev}:${st.ino}`,
      isDir: st.isDirectory(),
    });
    if (st.isDirectory()) for (const name of await readdir(abs)) await visit(rel === '.' ? name : `${rel}/${name}`);
  };
  await visit('.');
  const groups = new Map<string, string[]>();
  for (const e of out) if (!e.isDir && e.path !== '.') groups.set(e.ino, [...(groups.get(e.ino) ?? []), e.path]);
  for (const e of out) {
    const g = groups.get(e.ino);
    if (g && g.length > 1 && !e.isDir) e.hlink = [...g].sort(byteOrder)[0]!;
  }
  return out
    .sort((a, b) => (a.path === '.' ? -1 : b.path === '.' ? 1 : byteOrder(a.path, b.path)))
    .map(({ ino: _i, isDir: _d, ...e }) => e);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
