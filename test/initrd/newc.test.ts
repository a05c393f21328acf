import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPxeError } from '../../src/errors.js';
import { newcFileHeader, newcTrailer, padTo4 } from '../../src/initrd/newc.js';

/** The thirteen hex fields after the magic, by their names in the kernel's buffer-format.rst. */
function fields(header: Buffer) {
  const text = header.toString('latin1');
  const names = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  const values: Record<string, number> = Object.fromEntries(names.map((n, i) => [n, parseInt(text.slice(6 + i * 8, 14 + i * 8), 16)]));
  const namesize = values.namesize!;
  return { magic: text.slice(0, 6), values, namesize, name: text.slice(110, 110 + namesize - 1), nul: header[110 + namesize - 1] };
}

describe('newc cpio headers', () => {
  test('a file header carries the size, mode, mtime and name, NUL-terminated and padded to 4 bytes', () => {
    const h = newcFileHeader({ name: '/proxmox.iso', size: 1_234_567_890, mode: 0o444, mtime: 1_700_000_000, ino: 7 });
    const f = fields(h);
    assert.equal(f.magic, '070701');
    assert.equal(f.name, 'proxmox.iso', 'the leading slash is dropped: the kernel unpacks relative to its root');
    assert.equal(f.nul, 0);
    assert.equal(f.namesize, 'proxmox.iso'.length + 1);
    assert.equal(f.values.filesize, 1_234_567_890);
    assert.equal(f.values.mode, 0o100444);
    assert.equal(f.values.mtime, 1_700_000_000);
    assert.equal(f.values.ino, 7);
    assert.equal(f.values.nlink, 1);
    assert.equal(h.length % 4, 0);
    assert.equal(h.length, 110 + 12 + padTo4(110 + 12));
  });

  test('the trailer is the entry TRAILER!!!, padded', () => {
    const t = newcTrailer();
    assert.equal(fields(t).name, 'TRAILER!!!');
    assert.equal(fields(t).values.filesize, 0);
    assert.equal(t.length % 4, 0);
  });

  test('padTo4', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 2048].map(padTo4), [0, 3, 2, 1, 0, 0]);
  });

  test('refused: a name that leaves the root, an empty name, a size over 4 GiB - 1', () => {
    for (const name of ['../x', 'a/../b', '', '/', 'a//b', 'a\0b']) {
      assert.throws(() => newcFileHeader({ name, size: 1, mode: 0o444, mtime: 0, ino: 1 }), (e) => isPxeError(e) && /not a plain relative path/.test(e.message), name);
    }
    assert.throws(() => newcFileHeader({ name: 'big.iso', size: 2 ** 32, mode: 0o444, mtime: 0, ino: 1 }), /4 GiB - 1/);
    assert.doesNotThrow(() => newcFileHeader({ name: 'big.iso', size: 2 ** 32 - 1, mode: 0o444, mtime: 0, ino: 1 }));
  });
});
