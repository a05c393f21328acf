/** Shared test helpers for the exports(5) module (not a test file itself). */

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExportEntry, ExportsFile } from '../../src/exports/index.js';

/** Fixtures stay in the source tree; tests run from dist/test/exports/. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../test/exports/fixtures/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith('.exports'))
    .sort();
}

export function readFixture(name: string): string {
  // latin1 would hide UTF-8 bugs; fixtures are UTF-8 text.
  return readFileSync(FIXTURE_DIR + name, 'utf8');
}

/** Fixtures exportfs reads without errors (everything except the deliberately broken ones). */
export const VALID_FIXTURES: readonly string[] = [
  'clients.exports',
  'continuation.exports',
  'crlf.exports',
  'debian-default.exports',
  'defaults.exports',
  'ltsp.exports',
  'messy-whitespace.exports',
  'no-final-newline.exports',
  'quoting.exports',
  'rpi-pxe.exports',
];

export function entriesOf(f: ExportsFile): ExportEntry[] {
  return f.lines.filter((l): l is ExportEntry => l.kind === 'entry');
}

/** Compact, exact view of an entry: `host(opt,opt)` or a bare `host` per client. */
export function summarize(f: ExportsFile): { line: number; path: string; defaults?: readonly string[]; clients: string[] }[] {
  return entriesOf(f).map((e) => ({
    line: e.line,
    path: e.path,
    ...(e.defaultOptions === undefined ? {} : { defaults: e.defaultOptions }),
    clients: e.clients.map((c) => (c.options === undefined ? c.host : `${c.host}(${c.options.join(',')})`)),
  }));
}

/** Small deterministic PRNG so fuzz failures can be replayed from the seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
