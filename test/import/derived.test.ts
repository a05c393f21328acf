/**
 * The derived files and their diff against a disk snapshot: pure, no disk. What pxe-import owns is
 * written when it differs and removed when no longer derived; what it did not write is never touched.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveFiles, diffDerived, isEmptyChange, type DiskSnapshot } from '../../src/import/derived.js';
import { withHost, type State } from '../../src/import/state.js';
import { V, layout, menu, record, state } from '../helpers/sample-state.js';

function emptyDisk(over: Partial<DiskSnapshot> = {}): DiskSnapshot {
  return { files: new Map(), hostFiles: new Map(), exportsFile: '/etc/exports.d/x.exports', exports: undefined, rootEntries: new Map(), ...over };
}

/** The disk as it is once `changes` for `state` were applied to an empty one. */
function applied(s: State): DiskSnapshot {
  const derived = deriveFiles(s, layout, menu);
  const c = diffDerived(derived, emptyDisk(), layout);
  return emptyDisk({
    files: new Map(c.writes.map((w) => [w.path, w.text])),
    hostFiles: new Map([...derived.hostFiles]),
    exports: c.exports,
    rootEntries: new Map(c.links.map((l) => [l.path.slice('/srv/pxe/'.length), l.target])),
  });
}

describe('deriveFiles and diffDerived', () => {
  test('an empty disk gets the three menus, the link and one exports line per served version', () => {
    const c = diffDerived(deriveFiles(state, layout, menu), emptyDisk(), layout);
    assert.deepEqual(c.writes.map((w) => w.path), ['/srv/pxe/pxelinux.cfg/default', '/srv/pxe/grub/grub.cfg', '/srv/pxe/boot.ipxe']);
    assert.deepEqual(c.links, [{ path: '/srv/pxe/demo', target: `.pxe-import/versions/demo/${V}` }]);
    const lines = c.exports!.toString().trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), [record.exportPath, record.retained[0]!.exportPath]);
  });

  test('the same state on a disk that already has it: nothing to do', () => {
    assert.ok(isEmptyChange(diffDerived(deriveFiles(state, layout, menu), applied(state), layout)));
  });

  test('a hand-written menu is left alone: the include file goes beside it, with the line to add', () => {
    const disk = applied(state);
    const files = new Map(disk.files).set('/srv/pxe/pxelinux.cfg/default', 'DEFAULT mine\n');
    const c = diffDerived(deriveFiles(state, layout, menu), { ...disk, files }, layout);
    assert.deepEqual(c.writes.map((w) => w.path), ['/srv/pxe/pxelinux.cfg/pxe-import.menu']);
    assert.deepEqual(c.notes, ['/srv/pxe/pxelinux.cfg/default was not written by pxe-import and is left alone; add this line to it: INCLUDE pxelinux.cfg/pxe-import.menu']);
  });

  test('host files: ours are written and removed with the assignment; a same-named file of the admin is kept', () => {
    const assigned = withHost(state, { mac: '52:54:00:12:34:56', import: 'demo', entry: undefined, append: '' });
    const derived = deriveFiles(assigned, layout, menu);
    assert.deepEqual([...derived.hostFiles.keys()].sort(), [
      '/srv/pxe/grub/grub.cfg-01-52-54-00-12-34-56',
      '/srv/pxe/hosts/52-54-00-12-34-56.ipxe',
      '/srv/pxe/pxelinux.cfg/01-52-54-00-12-34-56',
    ]);
    const disk = applied(assigned);
    assert.deepEqual([...diffDerived(deriveFiles(state, layout, menu), disk, layout).removes].sort(), [...derived.hostFiles.keys()].sort());
    const admins = new Map(disk.hostFiles).set('/srv/pxe/pxelinux.cfg/01-52-54-00-12-34-56', 'DEFAULT by-hand\n');
    const c = diffDerived(deriveFiles(state, layout, menu), { ...disk, hostFiles: admins }, layout);
    assert.ok(!c.removes.includes('/srv/pxe/pxelinux.cfg/01-52-54-00-12-34-56'));
  });

  test("links: a user's file in the way is refused before anything is written; links of names no longer imported go, others stay", () => {
    const blocked = emptyDisk({ rootEntries: new Map([['demo', null]]) });
    assert.throws(() => diffDerived(deriveFiles(state, layout, menu), blocked, layout), /\/srv\/pxe\/demo: exists and is not pxe-import's symlink/);
    const disk = emptyDisk({ rootEntries: new Map([['gone', '.pxe-import/versions/gone/x'], ['mine', '/data/elsewhere'], ['demo', `.pxe-import/versions/demo/${V}`]]) });
    const c = diffDerived(deriveFiles(state, layout, menu), disk, layout);
    assert.deepEqual(c.unlinks, ['/srv/pxe/gone']);
    assert.deepEqual(c.links, []);
  });

  test('boot.ipxe follows the HTTP base the state records', () => {
    const http: State = { ...state, settings: { server: '192.0.2.10', clients: ['192.0.2.0/24'], httpBase: 'http://192.0.2.10:8080/', exportsFile: '/x' } };
    const ipxe = deriveFiles(http, layout, menu).menus.find((m) => m.path.endsWith('boot.ipxe'))!;
    assert.match(ipxe.text, /http:\/\/192\.0\.2\.10:8080\/\.pxe-import\/versions\/demo\//);
  });

  test('invalid recorded clients leave that import unexported, with a warning, instead of failing', () => {
    const bad: State = { format: 1, imports: { demo: { ...record, clients: ['192.0.2.0/24(rw)'] } } };
    const derived = deriveFiles(bad, layout, menu);
    assert.deepEqual(derived.exports, []);
    assert.equal(derived.warnings[0]?.code, 'STATE_CLIENTS_INVALID');
  });
});
