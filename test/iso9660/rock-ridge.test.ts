import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRockRidge } from '../../src/iso9660/rock-ridge.js';
import type { SuspEntry } from '../../src/iso9660/susp.js';
import { ascii, both32 } from '../helpers/bytes.js';

const entry = (signature: string, data: number[]): SuspEntry => ({ signature, version: 1, data: Uint8Array.from(data) });
const rr = (...entries: SuspEntry[]) => {
  const warnings: string[] = [];
  return { ...parseRockRidge(entries, (w) => warnings.push(w)), warnings };
};
/** SL component: flags, length, content. */
const component = (flags: number, text = '') => [flags, text.length, ...ascii(text)];
const sl = (...components: number[][]) => entry('SL', [0, ...components.flat()]);
const target = (...entries: SuspEntry[]) => Buffer.from(rr(...entries).symlinkTarget ?? []).toString();

describe('Rock Ridge SL symbolic links (targets from libarchive test_read_format_iso_rockridge)', () => {
  test('absolute: /tmp', () => assert.equal(target(sl(component(8), component(0, 'tmp'))), '/tmp'));
  test('parent after root: /tmp/..', () => assert.equal(target(sl(component(8), component(0, 'tmp'), component(4))), '/tmp/..'));
  test('relative with . and ..: .././../tmp', () => assert.equal(target(sl(component(4), component(2), component(4), component(0, 'tmp'))), '.././../tmp'));
  test('empty components survive: .///file', () => assert.equal(target(sl(component(2), component(0), component(0), component(0, 'file'))), './//file'));
  test('trailing slash: /tmp/', () => assert.equal(target(sl(component(8), component(0, 'tmp'), component(0))), '/tmp/'));
  test('a continued component is joined without "/"', () => assert.equal(target(sl(component(1, 'long'), component(0, 'name'))), 'longname'));
  test('components continue across SL entries of one record', () => {
    assert.equal(target(entry('SL', [1, ...component(0, 'dir')]), entry('SL', [0, ...component(0, 'file')])), 'dir/file');
    assert.equal(target(entry('SL', [1, ...component(1, 'na')]), entry('SL', [0, ...component(0, 'me')])), 'name');
  });
});

describe('Rock Ridge NM names', () => {
  test('continuation pieces are joined', () => {
    assert.equal(Buffer.from(rr(entry('NM', [1, ...ascii('casper_')]), entry('NM', [0, ...ascii('pop-os')])).name!).toString(), 'casper_pop-os');
  });
  test('CURRENT and PARENT flags give no name (the ISO name is used)', () => {
    assert.equal(rr(entry('NM', [2])).name, undefined);
    assert.equal(rr(entry('NM', [4, ...ascii('x')])).name, undefined);
  });
});

describe('Rock Ridge PX, TF, PN, CL/PL/RE, ZF', () => {
  test('36-byte PX (RRIP 1.10) has no serial number; 44-byte PX (1.12) has one', () => {
    const px = [...both32(0o100644), ...both32(1), ...both32(1000), ...both32(100)];
    assert.deepEqual({ ...rr(entry('PX', px)), times: undefined, warnings: undefined }, {
      mode: 0o100644,
      nlink: 1,
      uid: 1000,
      gid: 100,
      times: undefined,
      relocated: false,
      present: true,
      warnings: undefined,
    });
    assert.equal(rr(entry('PX', [...px, ...both32(77)])).inode, 77);
  });
  test('a short PX is ignored with a warning', () => {
    const r = rr(entry('PX', both32(0o644)));
    assert.equal(r.mode, undefined);
    assert.match(r.warnings[0]!, /short PX entry/);
  });
  test('TF short form: modify and access follow creation in flag order', () => {
    const d = (s: number) => [124, 1, 2, 3, 4, s, 0];
    const r = rr(entry('TF', [0x01 | 0x02 | 0x04, ...d(1), ...d(2), ...d(3)]));
    assert.equal(r.times.created?.getUTCSeconds(), 1);
    assert.equal(r.times.modified?.getUTCSeconds(), 2);
    assert.equal(r.times.accessed?.getUTCSeconds(), 3);
  });
  test('TF long form (17-byte dates)', () => {
    const r = rr(entry('TF', [0x80 | 0x02, ...ascii('2021020304050600'), 0]));
    assert.equal(r.times.modified?.toISOString(), '2021-02-03T04:05:06.000Z');
  });
  test('PN device numbers, CL/PL/RE relocation markers', () => {
    const r = rr(entry('PN', [...both32(0), ...both32(0x0805)]), entry('CL', both32(99)), entry('PL', both32(20)), entry('RE', []));
    assert.deepEqual(r.device, { high: 0, low: 0x0805 });
    assert.equal(r.childLink, 99);
    assert.equal(r.parentLink, 20);
    assert.equal(r.relocated, true);
  });
  test('ZF parameters, and a short ZF is ignored with a warning (libarchive rockridge_zf_overflow)', () => {
    const z = rr(entry('ZF', [...ascii('pz'), 4, 15, ...both32(12345)]));
    assert.deepEqual(z.zisofs, { algorithm: 'pz', headerSize: 16, log2BlockSize: 15, uncompressedSize: 12345 });
    const short = rr(entry('ZF', [0x70]));
    assert.equal(short.zisofs, undefined);
    assert.match(short.warnings[0]!, /short ZF entry \(5 bytes\)/);
  });
  test('both-endian fields of PX, PN, CL, PL and ZF report a wrong big-endian half and keep the little-endian one', () => {
    /** A both-endian field whose big-endian half says `be`. */
    const bad = (le: number, be: number) => [...both32(le).slice(0, 4), ...both32(be).slice(4)];
    const seen: string[] = [];
    const r = parseRockRidge(
      [
        entry('PX', [...bad(0o100644, 0o100755), ...bad(1, 2), ...bad(1000, 0), ...bad(100, 0), ...bad(77, 78)]),
        entry('PN', [...bad(0, 1), ...bad(0x0805, 0x0806)]),
        entry('CL', bad(99, 98)),
        entry('PL', bad(20, 21)),
        entry('ZF', [...ascii('pz'), 4, 15, ...bad(12345, 0)]),
      ],
      (w) => assert.fail(w),
      (field, le, be) => seen.push(`${field} ${le}/${be}`),
    );
    assert.deepEqual(seen, [
      'PX file mode 33188/33261',
      'PX link count 1/2',
      'PX user id 1000/0',
      'PX group id 100/0',
      'PX serial number 77/78',
      'PN device number (high word) 0/1',
      'PN device number (low word) 2053/2054',
      'CL child link 99/98',
      'PL parent link 20/21',
      'ZF uncompressed size 12345/0',
    ]);
    assert.deepEqual([r.mode, r.nlink, r.uid, r.gid, r.inode, r.childLink, r.parentLink, r.zisofs?.uncompressedSize], [0o100644, 1, 1000, 100, 77, 99, 20, 12345]);
    assert.deepEqual(r.device, { high: 0, low: 0x0805 });
  });
  test('entries of other extensions do not count as Rock Ridge', () => {
    assert.equal(rr(entry('ER', [1, 2, 3]), entry('AA', [])).present, false);
  });
});
