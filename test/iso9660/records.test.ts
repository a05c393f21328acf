import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Warning } from '../../src/errors.js';
import { decodeLongDate, decodeShortDate, reportBothEndian, u16both, u32both } from '../../src/iso9660/bytes.js';
import { isSelfOrParent, parseDirectoryRecord, plainIsoName } from '../../src/iso9660/directory-record.js';
import { checkEntryName } from '../../src/iso9660/names.js';
import { ascii, both32, directoryRecord } from '../helpers/bytes.js';

describe('both-endian fields', () => {
  test('reads the little-endian half and reports a mismatch instead of failing', () => {
    const b = Uint8Array.from([0x10, 0, 0, 0, 0, 0, 0, 0x11]);
    const seen: [string, number, number][] = [];
    assert.equal(u32both(b, 0, 'x', (field, le, be) => seen.push([field, le, be])), 16);
    assert.deepEqual(seen, [['x', 16, 17]]);
  });
  test('refuses to read past its view', () => {
    assert.throws(() => u32both(new Uint8Array(7), 0, 'extent'), /extent: field at offset 0 \(\+8\) is outside the 7-byte record/);
  });
  test('a 16-bit field compares its halves too (logical block size 2048 / 2049)', () => {
    const seen: [string, number, number][] = [];
    assert.equal(u16both(Uint8Array.from([0x00, 0x08, 0x08, 0x01]), 0, 'logical block size', (f, le, be) => seen.push([f, le, be])), 2048);
    assert.deepEqual(seen, [['logical block size', 2048, 2049]]);
    assert.equal(u16both(Uint8Array.from([0x00, 0x08, 0x08, 0x00]), 0, 'logical block size', () => assert.fail('halves agree')), 2048);
  });
  test('a directory record reports a wrong big-endian extent location and reads the little-endian one', () => {
    const bytes = Uint8Array.from(directoryRecord({ extent: 30, size: 2048, identifier: ascii('A;1') }));
    bytes.set([0, 0, 0, 31], 6); // big-endian half of the extent location (bytes 6-9)
    const seen: [string, number, number][] = [];
    const r = parseDirectoryRecord(bytes, 0, 'x.iso', 'dir', (f, le, be) => seen.push([f, le, be]));
    assert.equal(r.extent, 30);
    assert.deepEqual(seen, [['directory record extent location', 30, 31]]);
  });
  test('the data length of a directory record is not cross-checked (pycdlib: real ISOs get it wrong); little-endian wins', () => {
    const bytes = Uint8Array.from(directoryRecord({ extent: 30, size: 5000, identifier: ascii('A;1') }));
    bytes.set(both32(7777).slice(4), 14); // big-endian half of the data length (bytes 14-17)
    const r = parseDirectoryRecord(bytes, 0, 'x.iso', 'dir', (f) => assert.fail(`${f} reported`));
    assert.equal(r.dataLength, 5000);
  });
  test('mismatches become one ISO_BOTH_ENDIAN warning per kind of field, naming the structure and both values', () => {
    const warnings: Warning[] = [];
    const at = reportBothEndian((w) => warnings.push(w));
    at('/a')('PX file mode', 0o100644, 0o100755);
    at('/b')('PX file mode', 1, 2);
    at('/b')('directory record extent location', 30, 31);
    assert.deepEqual(warnings, [
      {
        code: 'ISO_BOTH_ENDIAN',
        message: '/a: the little-endian and big-endian halves of the PX file mode disagree (33188 and 33261); using 33188 (further mismatches of this field are not reported)',
      },
      {
        code: 'ISO_BOTH_ENDIAN',
        message: '/b: the little-endian and big-endian halves of the directory record extent location disagree (30 and 31); using 30 (further mismatches of this field are not reported)',
      },
    ]);
  });
});

describe('dates', () => {
  test('7-byte recording date with a GMT offset', () => {
    // 2024-01-02 03:04:05 at GMT+1 (4 x 15 minutes)
    assert.equal(decodeShortDate(Uint8Array.from([124, 1, 2, 3, 4, 5, 4]), 0)?.toISOString(), '2024-01-02T02:04:05.000Z');
  });
  test('a GMT offset outside -48..+52 is ignored, as Linux and libarchive do (genisoimage writes -74 after 2038)', () => {
    assert.equal(decodeShortDate(Uint8Array.from([199, 12, 31, 5, 30, 0, 0xb6]), 0)?.toISOString(), '2099-12-31T05:30:00.000Z');
  });
  test('an impossible or zero date is undefined, not invented', () => {
    assert.equal(decodeShortDate(new Uint8Array(7), 0), undefined);
    assert.equal(decodeShortDate(Uint8Array.from([124, 13, 2, 3, 4, 5, 0]), 0), undefined);
  });
  test('17-byte volume date', () => {
    const b = Uint8Array.from([...ascii('2023101612345678'), 0]);
    assert.equal(decodeLongDate(b, 0)?.toISOString(), '2023-10-16T12:34:56.780Z');
    assert.equal(decodeLongDate(Uint8Array.from([...ascii('0000000000000000'), 0]), 0), undefined);
  });
});

describe('directory records', () => {
  test('parses fields, skips the padding byte of an even-length identifier, and exposes the System Use area', () => {
    const bytes = Uint8Array.from(directoryRecord({ extent: 30, size: 4096, flags: 0x82, identifier: ascii('AB'), systemUse: [1, 2, 3, 4] }));
    const r = parseDirectoryRecord(bytes, 0, 'x.iso', 'test');
    assert.equal(r.extent, 30);
    assert.equal(r.dataLength, 4096);
    assert.equal(r.isDirectory, true);
    assert.equal(r.isMultiExtent, true);
    assert.equal(Buffer.from(r.identifier).toString(), 'AB');
    assert.deepEqual([...r.systemUse], [1, 2, 3, 4]);
  });
  test('a record that crosses the end of its sector is refused with its location', () => {
    const bytes = Uint8Array.from(directoryRecord({ extent: 30, size: 0, identifier: ascii('A') }));
    assert.throws(() => parseDirectoryRecord(bytes.subarray(0, 30), 0, 'x.iso', 'root directory'), {
      message: 'x.iso: root directory: directory record of 34 bytes crosses the end of its sector',
    });
  });
  test('a length byte below the minimum is refused', () => {
    const bytes = Uint8Array.from([2, 0, 0, 0]);
    assert.throws(() => parseDirectoryRecord(bytes, 0, 'x.iso', 'dir'), { message: 'x.iso: dir: bad directory record length 2 (minimum is 34)' });
  });
  test('an identifier longer than its record is refused', () => {
    const bytes = Uint8Array.from(directoryRecord({ extent: 1, size: 0, identifier: ascii('ABC') }));
    bytes[32] = 40;
    assert.throws(() => parseDirectoryRecord(bytes, 0, 'x.iso', 'dir'), /file identifier of 40 bytes overflows the 36-byte record/);
  });
  test('"." and ".." records', () => {
    const self = parseDirectoryRecord(Uint8Array.from(directoryRecord({ extent: 1, size: 0, identifier: [0] })), 0, 'x', 'x');
    const parent = parseDirectoryRecord(Uint8Array.from(directoryRecord({ extent: 1, size: 0, identifier: [1] })), 0, 'x', 'x');
    assert.equal(isSelfOrParent(self), 'self');
    assert.equal(isSelfOrParent(parent), 'parent');
  });
  test('plain ISO9660 names lose the version and the dot of an extension-less name', () => {
    assert.equal(plainIsoName(Uint8Array.from(ascii('README.TXT;1'))), 'README.TXT');
    assert.equal(plainIsoName(Uint8Array.from(ascii('VMLINUZ.;1'))), 'VMLINUZ');
    assert.equal(plainIsoName(Uint8Array.from(ascii('NOVERSION'))), 'NOVERSION');
  });
});

describe('entry names are checked as strings before any file-system call', () => {
  for (const [name, reason] of [
    ['', /empty/],
    ['.', /outside/],
    ['..', /outside/],
    ['a/b', /contains "\/"/],
    ['../../etc', /contains "\/"/],
    ['a\0b', /NUL/],
    ['x'.repeat(256), /longer than 255 bytes/],
  ] as const) {
    test(`refuses ${JSON.stringify(name.slice(0, 12))}`, () => assert.match(checkEntryName(name) ?? '', reason));
  }
  test('accepts dot-names and unicode', () => {
    for (const name of ['.disk', '..hidden', 'café-ñ.txt', 'x'.repeat(255)]) assert.equal(checkEntryName(name), undefined);
  });
});
