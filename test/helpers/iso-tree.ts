/**
 * In-memory ISO trees for the profile tests: an IsoDirectory from a list of paths (and
 * symlinks), and the same for a distro skeleton's fixtures/distros/<release>/ folder
 * (layout.txt + iso/, the format fixtures/distros/build.py documents), without building the ISO.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoDirectory } from '../../src/iso9660/entry.js';
import { treeViewFrom, type TreeView } from '../../src/profiles/tree-view.js';
import { REPO_ROOT } from './paths.js';

type Node = { kind: string; name: string; path: string; children?: Node[] };

/** A tree holding `files` (1-byte files, parents created) and `links` (path -> target). */
export function isoTree(files: readonly string[], links: ReadonlyMap<string, string> = new Map()): IsoDirectory {
  const base = { mode: undefined, mtime: undefined, atime: undefined, uid: undefined, gid: undefined };
  const root: Node = { kind: 'directory', name: '', path: '', children: [], ...base };
  const add = (p: string, leaf: () => Node): void => {
    let dir = root;
    const parts = p.split('/').filter((x) => x !== '');
    parts.forEach((name, i) => {
      const path = parts.slice(0, i + 1).join('/');
      let next = dir.children?.find((c) => c.name === name);
      if (!next) {
        next = i === parts.length - 1 ? { ...leaf(), name, path } : { kind: 'directory', name, path, children: [], ...base };
        dir.children?.push(next);
      }
      dir = next;
    });
  };
  for (const f of files) {
    if (f.endsWith('/')) add(f, () => ({ kind: 'directory', name: '', path: '', children: [], ...base }));
    else add(f, () => ({ kind: 'file', name: '', path: '', size: 1, extents: [], zisofs: undefined, hardLinkGroup: undefined, ...base }) as Node);
  }
  for (const [p, target] of links) add(p, () => ({ kind: 'symlink', name: '', path: '', target, ...base }) as Node);
  return root as unknown as IsoDirectory;
}

/**
 * fixtures/distros/<release>/ as the TreeView its built ISO gives (layout.txt entries plus iso/
 * texts); `extra` adds empty files, for a variant of a real layout.
 */
export function distroView(release: string, extra: readonly string[] = []): TreeView {
  const folder = join(REPO_ROOT, 'fixtures/distros', release);
  let volid = '';
  const files: string[] = [];
  const links = new Map<string, string>();
  for (const raw of readFileSync(join(folder, 'layout.txt'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@volid ')) volid = line.slice('@volid '.length);
    else if (line.includes(' -> ')) {
      const [name, target] = line.split(' -> ');
      links.set(name ?? '', target ?? '');
    } else files.push(line.split(' ')[0] ?? '');
  }
  const texts = new Map<string, string>();
  const walk = (dir: string, iso: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${iso}/${entry}`);
      else {
        texts.set(`${iso}/${entry}`, readFileSync(full, 'utf8'));
        files.push(`${iso}/${entry}`.slice(1));
      }
    }
  };
  walk(join(folder, 'iso'), '');
  return treeViewFrom(isoTree([...new Set([...files, ...extra])], links), texts, volid);
}
