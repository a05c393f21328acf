/**
 * Test helpers: an in-memory {@link BootConfigSource} built either from literal files or from a
 * fixture tree under test/bootconfig/fixtures/<name>/ (config text in iso/, the ISO's other,
 * binary, files listed one per line in files.txt).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootConfigSource, BootConfigWarning, BootMenuEntry } from '../../src/bootconfig/index.js';

/** Compiled tests live in dist/test/bootconfig/; fixtures stay in test/bootconfig/fixtures/. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/bootconfig/fixtures/', import.meta.url));

export interface MemorySource extends BootConfigSource {
  readonly reads: string[];
}

/** A source over `texts` (config files) plus `others` (paths that exist but are not read as text). */
export function memorySource(texts: Record<string, string>, others: readonly string[] = []): MemorySource {
  const files = new Map(Object.entries(texts));
  const present = new Set<string>([...files.keys(), ...others]);
  const dirs = new Set<string>(['/']);
  for (const p of present) {
    const parts = p.split('/').filter((s) => s !== '');
    for (let i = 1; i < parts.length; i++) dirs.add('/' + parts.slice(0, i).join('/'));
  }
  const reads: string[] = [];
  return {
    reads,
    readText(path: string): string | undefined {
      reads.push(path);
      return files.get(path);
    },
    exists(path: string): boolean {
      return present.has(path) || dirs.has(path);
    },
    list(dir: string): string[] | undefined {
      if (!dirs.has(dir)) return undefined;
      const prefix = dir === '/' ? '/' : dir + '/';
      const names = new Set<string>();
      for (const p of [...present, ...dirs]) {
        if (p.startsWith(prefix) && p !== dir) {
          const rest = p.slice(prefix.length);
          const name = rest.split('/')[0];
          if (name) names.add(name);
        }
      }
      return [...names].sort();
    },
  };
}

/** Load fixtures/<name>/iso/** as ISO config files and fixtures/<name>/files.txt as other files. */
export function fixtureSource(name: string): MemorySource {
  const root = join(FIXTURES_DIR, name);
  const texts: Record<string, string> = {};
  const walk = (dir: string, iso: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      const isoPath = iso + '/' + entry;
      if (statSync(full).isDirectory()) walk(full, isoPath);
      else texts[isoPath] = readFileSync(full, 'latin1');
    }
  };
  walk(join(root, 'iso'), '');
  let others: string[] = [];
  try {
    others = readFileSync(join(root, 'files.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    others = [];
  }
  return memorySource(texts, others);
}

/** The parts of an entry the tests compare (source file/line checked separately where it matters). */
export function brief(e: BootMenuEntry): {
  label: string;
  kernel: string;
  initrds: string[];
  append: string[];
  loader: string;
  isDefault: boolean;
  menuPath?: string[];
} {
  const out: ReturnType<typeof brief> = {
    label: e.label,
    kernel: e.kernel,
    initrds: e.initrds,
    append: e.append,
    loader: e.source.loader,
    isDefault: e.isDefault,
  };
  if (e.menuPath) out.menuPath = e.menuPath;
  return out;
}

export function codes(ws: readonly BootConfigWarning[]): string[] {
  return ws.map((w) => w.code);
}

export function withCode(ws: readonly BootConfigWarning[], code: BootConfigWarning['code']): BootConfigWarning[] {
  return ws.filter((w) => w.code === code);
}
