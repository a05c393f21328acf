import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionId } from '../../src/import/layout.js';

test('version ids sort by time and never reuse a taken id (a --force re-import within the same second)', () => {
  const at = new Date('2026-11-22T07:12:19.345Z');
  assert.equal(versionId(at, '444d124bdeadbeef'), '20261122T071219Z-444d124b');
  const taken = new Set(['20261122T071219Z-444d124b', '20261122T071219Z-444d124b.2']);
  assert.equal(versionId(at, '444d124bdeadbeef', (id) => taken.has(id)), '20261122T071219Z-444d124b.3');
  assert.ok(versionId(new Date('2026-11-22T07:12:20Z'), '00000000') > '20261122T071219Z-444d124b.3');
});
