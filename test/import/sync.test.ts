/** sync's pure parts: names from a folder or its map file, and the prune policy. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_PRUNE_SHARE, parseSyncMap, planPrune, syncEntries } from '../../src/import/sync.js';
import type { ImportRecord, State } from '../../src/import/state.js';

const record = (name: string, path: string): ImportRecord => ({
  name,
  label: name,
  source: { path, size: 1, mtimeMs: 1, fingerprint: 'f' },
  profile: { id: 'casper', family: 'casper', release: undefined },
  version: 'v',
  exportPath: `/srv/pxe/.pxe-import/versions/${name}/v`,
  clients: ['*'],
  entries: [],
  retained: [],
  importedAt: '2026-01-01T00:00:00.000Z',
});

const state = (n: number): State => ({ format: 1, imports: Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, record(`i${i}`, `/isos/i${i}.iso`)])) });

describe('syncEntries', () => {
  test('every *.iso by its file name, sorted; other files ignored', () => {
    assert.deepEqual(syncEntries(['b.ISO', 'notes.txt', 'Ubuntu 22.04.iso'], undefined, 'm').entries, [
      { file: 'Ubuntu 22.04.iso', name: 'ubuntu-22.04' },
      { file: 'b.ISO', name: 'b' },
    ]);
  });
  test('two files that come to the same name: the second is refused, never imported', () => {
    const r = syncEntries(['a b.iso', 'a-b.iso'], undefined, 'm');
    assert.deepEqual(r.entries, [{ file: 'a b.iso', name: 'a-b' }]);
    assert.equal(r.refused.length, 1);
    assert.match(r.refused[0]!.reason, /^a-b\.iso and a b\.iso both become "a-b"; name one of them in pxe-import\.map/);
  });
  test('the map file: "FILE NAME" lines, comments, CRLF; a bad line names the file and line', () => {
    assert.deepEqual(parseSyncMap('# mine\r\nx.iso one\r\n\r\ny.iso two # second\n', 'DIR/pxe-import.map'), [
      { file: 'x.iso', name: 'one' },
      { file: 'y.iso', name: 'two' },
    ]);
    assert.throws(() => parseSyncMap('x.iso\n', 'DIR/pxe-import.map'), /DIR\/pxe-import\.map:1: expected "FILE\.iso NAME"/);
  });
});

describe('planPrune', () => {
  test('a folder now on another file system than at the last sync (its disk not mounted) is not pruned', () => {
    const s: State = { ...state(2), syncFolders: { '/isos': { device: 7 } } };
    const r = planPrune(s, '/isos', new Set(['/isos/i0.iso', '/isos/stray.iso']), false, 8);
    assert.deepEqual(r.remove, []);
    assert.match(r.refusal!, /^\/isos is on another file system than at the last sync \(device 8, was 7\)/);
    assert.deepEqual(planPrune(s, '/isos', new Set(['/isos/i0.iso']), false, 7).remove, ['i1']);
  });
  test('imports whose ISO is gone are removed; other folders are not touched', () => {
    const s: State = { format: 1, imports: { ...state(4).imports, other: record('other', '/elsewhere/o.iso') } };
    const present = new Set(['/isos/i0.iso', '/isos/i1.iso', '/isos/i2.iso']);
    assert.deepEqual(planPrune(s, '/isos', present, false, 7), { remove: ['i3'], refusal: undefined });
  });
  test('an empty folder prunes nothing without --force (unmounted, mistyped)', () => {
    const r = planPrune(state(2), '/isos', new Set(), false, 7);
    assert.deepEqual(r.remove, []);
    assert.match(r.refusal!, /^\/isos holds no ISO image: not pruning the 2 import\(s\) from it/);
    assert.deepEqual(planPrune(state(2), '/isos', new Set(), true, 7).remove, ['i0', 'i1']);
  });
  test(`more than ${MAX_PRUNE_SHARE * 100}% of the folder's imports is refused without --force`, () => {
    const r = planPrune(state(4), '/isos', new Set(['/isos/i0.iso']), false, 7);
    assert.deepEqual(r.remove, []);
    assert.match(r.refusal!, /pruning would remove 3 of its 4 imports \(i1, i2, i3\)/);
    assert.deepEqual(planPrune(state(4), '/isos', new Set(['/isos/i0.iso', '/isos/i1.iso']), false, 7).remove, ['i2', 'i3']);
  });
});
