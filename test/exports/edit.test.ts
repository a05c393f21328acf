import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PxeError } from '../../src/errors.js';
import {
  encodeExports,
  findCoveringExports,
  parseExports,
  parseExportsBytes,
  removeExport,
  renderExports,
  upsertExport,
  type ExportsFile,
} from '../../src/exports/index.js';
import { readFixture } from './support.js';

const OPTS = ['ro', 'no_subtree_check', 'no_root_squash', 'async', 'insecure'];
const MARK = 'pxe-import:ubuntu-24.04';

function load(name: string): { text: string; file: ExportsFile } {
  const text = readFixture(name);
  return { text, file: parseExports(text, `/etc/exports.d/${name}`) };
}

/** Raw text (terminator included) of each logical line, for before/after comparisons. */
function raws(f: ExportsFile): string[] {
  return f.lines.map((l) => l.raw + l.eol);
}

test('upsert appends a marked line and leaves every existing byte alone', () => {
  const { text, file } = load('ltsp.exports');
  const r = upsertExport(file, '/srv/pxe/ubuntu-24.04', ['192.168.1.0/24'], OPTS, MARK);
  assert.equal(r.action, 'added');
  assert.equal(
    renderExports(r.file),
    `${text}/srv/pxe/ubuntu-24.04 192.168.1.0/24(ro,no_subtree_check,no_root_squash,async,insecure) # ${MARK}\n`,
  );
});

test('a second identical upsert is a no-op', () => {
  const { file } = load('ltsp.exports');
  const once = upsertExport(file, '/srv/pxe/ubuntu-24.04', ['192.168.1.0/24'], OPTS, MARK).file;
  const twice = upsertExport(once, '/srv/pxe/ubuntu-24.04/', ['192.168.1.0/24'], OPTS, MARK);
  assert.equal(twice.action, 'unchanged');
  assert.equal(twice.file, once);
});

test('upsert updates only the marked line, even with a user line for the same path', () => {
  const text = [
    '# user line, not ours',
    '/srv/pxe/ubuntu-24.04   10.9.9.9(rw)',
    `/srv/pxe/ubuntu-24.04 192.168.1.0/24(ro) # ${MARK}`,
    '/srv/other \\',
    '\t*(ro)',
    '',
  ].join('\n');
  const file = parseExports(text, '/etc/exports');
  const r = upsertExport(file, '/srv/pxe/ubuntu-24.04', ['192.168.1.0/24', 'fd00::/64'], OPTS, MARK);
  assert.equal(r.action, 'updated');
  assert.deepEqual(r.lines, [3]);
  const before = raws(file);
  const after = raws(r.file);
  assert.equal(after.length, before.length);
  assert.deepEqual(after.filter((_, i) => i !== 2), before.filter((_, i) => i !== 2));
  assert.equal(
    after[2],
    `/srv/pxe/ubuntu-24.04 192.168.1.0/24(ro,no_subtree_check,no_root_squash,async,insecure) fd00::/64(ro,no_subtree_check,no_root_squash,async,insecure) # ${MARK}\n`,
  );
});

test('without a marker, a continued multi-line entry is replaced in place and keeps its comment', () => {
  const { file } = load('continuation.exports');
  const r = upsertExport(file, '/srv/pxe/ubuntu-24.04', ['192.168.1.0/24'], ['ro', 'no_subtree_check']);
  assert.equal(r.action, 'updated');
  assert.deepEqual(r.lines, [2, 3, 4, 5]);
  const before = raws(file);
  const after = raws(r.file);
  assert.deepEqual(after.slice(2), before.slice(2));
  assert.equal(after[0], before[0]);
  assert.equal(after[1], '/srv/pxe/ubuntu-24.04 192.168.1.0/24(ro,no_subtree_check)\n');

  const x = upsertExport(file, '/srv/pxe/x', ['10.0.0.0/8'], ['ro']);
  assert.equal(
    renderExports(x.file).split('\n')[8],
    '/srv/pxe/x 10.0.0.0/8(ro) # a backslash ending a comment continues nothing \\',
  );
});

test('an existing user line that already says the same thing is not reformatted', () => {
  const { file } = load('ltsp.exports');
  const r = upsertExport(file, '/srv/ltsp/', ['*'], ['ro', 'async', 'crossmnt', 'no_subtree_check', 'no_root_squash', 'insecure']);
  assert.equal(r.action, 'unchanged');
  assert.equal(r.file, file);
});

test('appending to a file without a final newline adds only the missing newline', () => {
  const { text, file } = load('no-final-newline.exports');
  const r = upsertExport(file, '/srv/pxe/new', ['*'], ['ro'], MARK);
  assert.equal(renderExports(r.file), `${text}\n/srv/pxe/new *(ro) # ${MARK}\n`);
});

test('appending to a CRLF file uses CRLF', () => {
  const { text, file } = load('crlf.exports');
  const r = upsertExport(file, '/srv/pxe/new', ['*'], ['ro']);
  assert.equal(renderExports(r.file), `${text}/srv/pxe/new *(ro)\r\n`);
});

test('appending to an empty file', () => {
  const r = upsertExport(parseExports('', '/etc/exports.d/pxe-import.exports'), '/srv/pxe/a b', ['*'], ['ro'], MARK);
  assert.equal(renderExports(r.file), `/srv/pxe/a\\040b *(ro) # ${MARK}\n`);
});

test('removeExport cuts exactly the entry lines, continuations included', () => {
  const { text, file } = load('continuation.exports');
  const r = removeExport(file, '/srv/pxe/ubuntu-24.04/');
  assert.equal(r.action, 'removed');
  assert.deepEqual(r.lines, [2, 3, 4, 5]);
  const physical = text.split('\n');
  assert.equal(renderExports(r.file), [...physical.slice(0, 1), ...physical.slice(5)].join('\n'));

  assert.equal(removeExport(file, '/srv/pxe/nothing').action, 'absent');
});

test('removeExport with a marker spares user lines for the same path', () => {
  const text = `/srv/pxe/a 10.0.0.1(rw)\n/srv/pxe/a *(ro) # ${MARK}\n# end\n`;
  const r = removeExport(parseExports(text, 'x'), '/srv/pxe/a', MARK);
  assert.equal(renderExports(r.file), '/srv/pxe/a 10.0.0.1(rw)\n# end\n');
});

test('removing the last line of a file without a final newline', () => {
  const { file } = load('no-final-newline.exports');
  const r = removeExport(file, '/srv/pxe/last');
  assert.equal(renderExports(r.file), '/srv/pxe/first\t*(ro,no_subtree_check)\n');
});

test('findCoveringExports returns the path itself and its ancestors, not siblings', () => {
  const text = [
    '/ 10.0.0.1(ro)',
    '/srv *(ro)',
    '/srv/pxe/ 10.0.0.0/8(ro)',
    '/srv/pxe-other *(ro)',
    '"/srv/pxe/ubuntu 24.04" *(ro)',
    '/srv/pxe/ubuntu *(ro)',
    '',
  ].join('\n');
  const f = parseExports(text, 'x');
  assert.deepEqual(
    findCoveringExports(f, '/srv/pxe/ubuntu 24.04/casper').map((e) => e.line),
    [1, 2, 3, 5],
  );
  assert.deepEqual(findCoveringExports(f, '/srv/pxe').map((e) => e.line), [1, 2, 3]);
  assert.deepEqual(findCoveringExports(f, '/srvx').map((e) => e.line), [1]);
});

test('edit errors are USAGE PxeErrors naming file and line', () => {
  const dup = parseExports(`/a *(ro) # ${MARK}\n/b *(ro) # ${MARK}\n`, '/etc/exports');
  assert.throws(
    () => upsertExport(dup, '/a', ['*'], ['ro'], MARK),
    (e: unknown) =>
      e instanceof PxeError &&
      e.code === 'USAGE' &&
      e.message === `/etc/exports:2: marker "${MARK}" is on more than one line (lines 1, 2)`,
  );
  const trailing = parseExports('/a *(ro) \\', '/etc/exports');
  assert.throws(
    () => upsertExport(trailing, '/b', ['*'], ['ro']),
    (e: unknown) => e instanceof PxeError && e.message === '/etc/exports:1: last line ends with a backslash; fix it by hand',
  );
  assert.throws(
    () => upsertExport(dup, '/c', ['*'], ['ro'], ' padded '),
    (e: unknown) => e instanceof PxeError && e.code === 'USAGE',
  );
  assert.throws(
    () => upsertExport(dup, 'relative', ['*'], ['ro']),
    (e: unknown) => e instanceof PxeError && e.message === 'export path "relative" is not absolute',
  );
});

test('edits of a file read as bytes keep bytes that are not UTF-8', () => {
  const user = Buffer.from('/srv/caf\xe9 10.0.0.1(rw) # \xff\n/srv/pxe/a *(ro) # old\n', 'latin1');
  const file = parseExportsBytes(user, '/etc/exports');
  const added = upsertExport(file, '/srv/pxe/b', ['*'], ['ro'], MARK);
  assert.equal(added.file.source, 'bytes');
  assert.deepEqual(Buffer.from(encodeExports(added.file)), Buffer.concat([user, Buffer.from(`/srv/pxe/b *(ro) # ${MARK}\n`)]));
  const updated = upsertExport(added.file, '/srv/pxe/a', ['*'], ['ro', 'async']);
  assert.deepEqual(
    Buffer.from(encodeExports(updated.file)),
    Buffer.from(`/srv/caf\xe9 10.0.0.1(rw) # \xff\n/srv/pxe/a *(ro,async) # old\n/srv/pxe/b *(ro) # ${MARK}\n`, 'latin1'),
  );
  const removed = removeExport(updated.file, '/srv/pxe/a');
  assert.deepEqual(Buffer.from(encodeExports(removed.file)), Buffer.from(`/srv/caf\xe9 10.0.0.1(rw) # \xff\n/srv/pxe/b *(ro) # ${MARK}\n`, 'latin1'));
});
