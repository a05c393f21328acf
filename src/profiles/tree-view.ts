import type { BootConfigSource } from '../bootconfig/index.js';
import { findEntry, walkEntries, type IsoDirectory, type IsoEntry, type IsoFile } from '../iso9660/entry.js';
import type { ImageTree } from '../iso9660/image.js';
import { readFileContent } from '../iso9660/read-file.js';

/**
 * What profiles and boot-config parsers see of an ISO: its names, and the text of
 * its small configuration files, read once up front. Everything that decides on
 * this view is pure and synchronous, and can be tested with an in-memory tree.
 */
export interface TreeView extends BootConfigSource {
  /** Absolute ISO paths ("/casper/vmlinuz") of all entries, directories with a trailing "/". */
  readonly paths: readonly string[];
  readonly volumeId: string;
  /** Size of the ISO file the tree comes from; undefined when not known (a tree read from disk). */
  readonly imageBytes: number | undefined;
  isDirectory(path: string): boolean;
  isSymlink(path: string): boolean;
}

/** Files likely to hold boot configuration or release information, read into memory. */
export const TEXT_FILE = /(\.(cfg|conf|txt|env|seed|treeinfo|ini|menu)|\/grubenv|\/version|\/info|\/\.treeinfo|\/README\.diskdefines|\/Release|\/os-release|-release|\/CHANGES|Version|\/\.disk\/[^/]+|\/media\.1\/(?:media|products)|^\/content|\/\.cd-info)$/i;
export const MAX_TEXT_BYTES = 256 * 1024;
export const MAX_TOTAL_TEXT = 16 * 1024 * 1024;

/** Builds the view of an opened image, reading its small text files (bounded in size and number). */
export async function treeViewOf(image: ImageTree): Promise<TreeView> {
  const texts = await readTextFiles(image.root, (file) => readFileContent(image.source, file));
  return treeViewFrom(image.root, texts, image.volume.volumeId, image.source.size);
}

/**
 * The small text files of a tree the profiles read (TEXT_FILE, bounded in size and number), by
 * absolute path: `read` gives a file's bytes, from an image or from a tree extracted from one.
 */
export async function readTextFiles(root: IsoDirectory, read: (file: IsoFile) => Promise<Buffer>): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  let total = 0;
  for (const e of walkEntries(root)) {
    if (e.kind !== 'file' || e.size > MAX_TEXT_BYTES || !TEXT_FILE.test(`/${e.path}`)) continue;
    if (total + e.size > MAX_TOTAL_TEXT) break;
    total += e.size;
    texts.set(`/${e.path}`, (await read(e)).toString('utf8'));
  }
  return texts;
}

/** The view over a tree and already-read texts. Also what tests build directly. */
export function treeViewFrom(root: IsoDirectory, texts: ReadonlyMap<string, string>, volumeId: string, imageBytes?: number): TreeView {
  const byPath = new Map<string, IsoEntry>();
  for (const e of walkEntries(root)) byPath.set(`/${e.path}`, e);
  const resolve = (path: string, depth = 0): IsoEntry | undefined => {
    const p = normalize(path);
    const direct = byPath.get(p) ?? findEntry(root, p);
    if (direct?.kind !== 'symlink' || depth > 8) return direct;
    const target = direct.target.startsWith('/') ? direct.target : `${p.slice(0, p.lastIndexOf('/'))}/${direct.target}`;
    return resolve(target, depth + 1);
  };
  return {
    volumeId,
    imageBytes,
    paths: [...byPath.entries()].filter(([p]) => p !== '/').map(([p, e]) => (e.kind === 'directory' ? `${p}/` : p)),
    readText: (path) => {
      const p = normalize(path);
      const e = resolve(p);
      return e ? texts.get(`/${e.path}`) ?? texts.get(p) : undefined;
    },
    exists: (path) => resolve(path) !== undefined,
    isDirectory: (path) => resolve(path)?.kind === 'directory',
    isSymlink: (path) => byPath.get(normalize(path))?.kind === 'symlink',
    list: (dir) => {
      const e = resolve(dir);
      return e?.kind === 'directory' ? e.children.map((c) => c.name) : undefined;
    },
  };
}

/** "/a/./b/../c" -> "/a/c"; case is kept (ISO names from Rock Ridge are case-sensitive). */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Matches "/casper*\/vmlinuz*" style globs against the view's paths: "*" within a name, "**" across directories. */
export function globPaths(view: TreeView, pattern: string): string[] {
  const re = globToRegExp(pattern.startsWith('/') ? pattern : `/${pattern}`);
  return view.paths.filter((p) => re.test(p.endsWith('/') ? p.slice(0, -1) : p) || re.test(p));
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
