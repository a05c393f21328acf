/**
 * What starting the CLI loads (src/cli/main.ts): commands load their work on use, so --version,
 * --help and a cron run that finds nothing to do start without the extractor, the ISO reader,
 * profile matching or listr2. Read from the compiled modules' static imports (what Node loads
 * before the first line runs; `import type` is gone by then), following them from file to file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const DIST = join(REPO_ROOT, 'dist/src');

/** Every module `entry` loads statically: src paths relative to dist/src, packages by name. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const key = relative(DIST, file);
    if (seen.has(key)) return;
    seen.add(key);
    const text = readFileSync(file, 'utf8');
    // import x from '…', import { … } from '…', export { … } from '…', export * from '…', import '…'
    for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) seen.add(spec);
    }
  };
  visit(join(DIST, entry));
  return seen;
}

/** Modules a run that extracts nothing and draws no task list has no use for. */
const HEAVY = [/^listr2$/, /^extract\/(atomic|extract|file-writer|kernel-copy)\.js$/, /^iso9660\/(image|read-file|zisofs|rock-ridge)\.js$/, /^profiles\/(index|detect|entries|tree-view)\.js$/, /^bootconfig\//];

function heavyIn(modules: Set<string>): string[] {
  return [...modules].filter((m) => HEAVY.some((h) => h.test(m))).sort();
}

describe('what the CLI loads before a command runs', () => {
  test('main.js (every command registered) loads no command implementation: no session, menus, extractor, ISO reader, profiles or listr2', () => {
    const loaded = staticClosure('cli/main.js');
    assert.ok(loaded.has('commander') && loaded.has('cli/commands/import.js') && loaded.has('cli/commands/sync.js'), 'the closure is read: commander and the commands are in it');
    const implementation = [...loaded].filter((m) => /^(import\/(session|apply|sync|derived)|menus\/|exports\/)/.test(m)).sort();
    assert.deepEqual([...heavyIn(loaded), ...implementation], []);
  });

  test('an unchanged re-import or sync (apply.js, sync.js) loads neither the extractor, the ISO reader, profile matching nor listr2', () => {
    for (const entry of ['import/apply.js', 'import/sync.js']) {
      const loaded = staticClosure(entry);
      assert.ok(loaded.has('import/session.js') && loaded.has('import/identify.js'), `${entry}: the closure is read`);
      assert.deepEqual(heavyIn(loaded), [], entry);
    }
  });

  test('the check itself finds what a static import brings in', () => {
    assert.deepEqual(heavyIn(staticClosure('profiles/index.js')).slice(0, 2), ['bootconfig/common.js', 'bootconfig/grub-commands.js']);
    assert.ok(heavyIn(staticClosure('extract/atomic.js')).includes('extract/kernel-copy.js'));
  });
});
