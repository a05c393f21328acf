/**
 * The pipeline in the folder names, enforced: a folder imports only from folders below it
 * (bytes -> tree -> boot entries -> files -> import -> cli), never from one above or beside it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers/paths.js';

/** Lower numbers are lower layers; top-level files of src/ (errors.ts, kernel-cmdline.ts) are layer 0. */
const LAYERS: Readonly<Record<string, number>> = {
  '': 0,
  iso9660: 1,
  // Reads the UDF side of an image with the ISO9660 reader's source, limits and entry model.
  udf: 1.5,
  bootconfig: 1,
  initrd: 1,
  exports: 1,
  loaders: 1,
  extract: 2,
  profiles: 2,
  menus: 3,
  server: 3,
  import: 4,
  cli: 5,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const src = join(REPO_ROOT, 'src');
const folderOf = (file: string) => (relative(src, file).includes('/') ? relative(src, file).split('/')[0]! : '');

test('every folder of src/ has a layer, and imports only from lower layers (or itself)', () => {
  const wrong: string[] = [];
  for (const file of sources(src)) {
    const from = folderOf(file);
    assert.ok(from in LAYERS, `src/${from}/ has no layer in test/layering.test.ts`);
    // Static imports, and the dynamic ones commands load on use (src/cli/main.ts).
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), m[1]!));
      if (to !== from && !(LAYERS[to]! < LAYERS[from]!)) wrong.push(`${relative(REPO_ROOT, file)} imports ${m[1]} (${to || 'src'}: layer ${LAYERS[to]}, not below ${from}: layer ${LAYERS[from]})`);
    }
  }
  assert.deepEqual(wrong, []);
});
