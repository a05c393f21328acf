/** The UDF structures on literal bytes: tags and their CRC, CS0 names, timestamps, allocation descriptors, path components, partition maps. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldError } from '../../src/iso9660/bytes.js';
import { AdForm, ExtentType } from '../../src/udf/allocation-descriptor.js';
import { Cs0Error, decodeCs0, decodeDstring, encodeCs0 } from '../../src/udf/cs0.js';
import { parseAllocationDescriptors, parseFileEntry, posixMode } from '../../src/udf/file-entry.js';
import { decodeSymlinkTarget } from '../../src/udf/path-component.js';
import { crcItu, encodeTag, parseTag, TagId } from '../../src/udf/tag.js';
import { decodeTimestamp } from '../../src/udf/timestamp.js';
import { parsePartitionMaps } from '../../src/udf/volume-descriptors.js';

describe('descriptor tag', () => {
  test('the CRC is CRC-ITU-T with initial value 0 (check value of "123456789" is 0x31C3, ECMA-167 1/7.2.6)', () => {
    assert.equal(crcItu(Buffer.from('123456789')), 0x31c3);
  });

  const descriptor = () => {
    const b = new Uint8Array(64);
    b.set(Buffer.from('some descriptor body'), 20);
    encodeTag(b, TagId.fileSet, 33);
    return b;
  };

  test('a good tag parses, with its location and CRC length', () => {
    const tag = parseTag(descriptor(), 0, { ids: [TagId.fileSet], location: 33 }, 'img.iso', 'file set descriptor');
    assert.deepEqual([tag.id, tag.location, tag.crcLength], [256, 33, 48]);
  });

  test('a bad checksum, a wrong identifier, a wrong location and a bad CRC are each refused in one line naming the structure', () => {
    const check = (b: Uint8Array, location: number, message: RegExp) =>
      assert.throws(() => parseTag(b, 0, { ids: [TagId.fileSet], location }, 'img.iso', 'file set descriptor at block 33'), (e: Error) => {
        assert.match(e.message, /^img\.iso: file set descriptor at block 33: /);
        assert.match(e.message, message);
        return true;
      });
    const sum = descriptor();
    sum[4]! ^= 1;
    check(sum, 33, /bad descriptor tag checksum/);
    check(descriptor(), 34, /recorded at block 33, but it was read from block 34/);
    const crc = descriptor();
    crc[30]! ^= 0x40;
    check(crc, 33, /bad descriptor CRC/);
    assert.throws(() => parseTag(descriptor(), 0, { ids: [TagId.fileEntry], location: 33 }, 'img.iso', 'x'), /identifier 256, expected 261/);
    const long = descriptor();
    new DataView(long.buffer).setUint16(10, 100, true);
    long[4] = 0;
    let s = 0;
    for (let i = 0; i < 16; i++) if (i !== 4) s += long[i]!;
    long[4] = s & 0xff;
    check(long, 33, /CRC covers 100 bytes, past the end/);
  });
});

describe('CS0 (OSTA compressed Unicode)', () => {
  test('8-bit and 16-bit forms decode, a surrogate pair included', () => {
    assert.equal(decodeCs0(Uint8Array.from([8, 0x46, 0xe9, 0x65])), 'Fée');
    assert.equal(decodeCs0(Uint8Array.from([16, 0x04, 0x36, 0x03, 0x98])), 'жΘ');
    assert.equal(decodeCs0(encodeCs0('a😀b')), 'a😀b');
    assert.equal(decodeCs0(encodeCs0('plain', true)), 'plain');
  });

  test('an unknown compression ID and an odd 16-bit length are refused', () => {
    assert.throws(() => decodeCs0(Uint8Array.from([7, 0x41])), Cs0Error);
    assert.throws(() => decodeCs0(Uint8Array.from([16, 0x00, 0x41, 0x00])), /odd number/);
  });

  test('a dstring takes its length from its last byte, and may not claim more than its field', () => {
    const field = new Uint8Array(32);
    field.set(encodeCs0('VOLUME'));
    field[31] = 7;
    assert.equal(decodeDstring(field, 0, 32), 'VOLUME');
    field[31] = 0;
    assert.equal(decodeDstring(field, 0, 32), '');
    field[31] = 40;
    assert.throws(() => decodeDstring(field, 0, 32), /uses 40 bytes of a 32-byte field/);
  });
});

describe('timestamp', () => {
  test('local time with a zone offset, and with none given (-2047)', () => {
    const t = (zone: number, ...f: number[]) => {
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      v.setUint16(0, (1 << 12) | (zone & 0xfff), true);
      v.setUint16(2, f[0]!, true);
      b.set(f.slice(1), 4);
      return decodeTimestamp(b, 0);
    };
    assert.equal(t(60, 2014, 2, 20, 2, 25, 12, 50, 0, 0)?.toISOString(), '2014-02-20T01:25:12.500Z');
    assert.equal(t(-2047, 2014, 2, 20, 2, 25, 12, 0, 0, 0)?.toISOString(), '2014-02-20T02:25:12.000Z');
    assert.equal(t(0, 2014, 13, 20, 2, 25, 12, 0, 0, 0), undefined);
    assert.equal(decodeTimestamp(new Uint8Array(12), 0), undefined);
  });
});

describe('allocation descriptors', () => {
  const ads = (...list: [number, number, number][]) => {
    const b = new Uint8Array(list.length * 8);
    const v = new DataView(b.buffer);
    list.forEach(([type, length, block], i) => (v.setUint32(i * 8, ((type << 30) | length) >>> 0, true), v.setUint32(i * 8 + 4, block, true)));
    return b;
  };

  test('short_ads carry the ICB partition, their extent type, and end at a zero length', () => {
    const r = parseAllocationDescriptors(ads([0, 4096, 10], [ExtentType.unallocated, 2048, 0], [0, 0, 0], [0, 99, 99]), AdForm.short, 3);
    assert.deepEqual(r.extents, [
      { type: 0, length: 4096, location: { block: 10, partition: 3 } },
      { type: 2, length: 2048, location: { block: 0, partition: 3 } },
    ]);
    assert.equal(r.next, undefined);
  });

  test('a type 3 descriptor is the continuation, returned for the caller to follow', () => {
    const r = parseAllocationDescriptors(ads([0, 2048, 5], [ExtentType.continuation, 2048, 77]), AdForm.short, 0);
    assert.equal(r.extents.length, 1);
    assert.deepEqual(r.next?.location, { block: 77, partition: 0 });
  });

  test('long_ads name their own partition', () => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, 100, true);
    v.setUint32(4, 9, true);
    v.setUint16(8, 1, true);
    assert.deepEqual(parseAllocationDescriptors(b, AdForm.long, 0).extents, [{ type: 0, length: 100, location: { block: 9, partition: 1 } }]);
  });

  test('UDF permissions become POSIX modes, setuid from the ICB flags', () => {
    // owner rwx (bits 10-12), group r-x (5, 7), other r (2)
    assert.equal(posixMode({ permissions: (7 << 10) | (5 << 5) | 4, icb: { strategy: 4, fileType: 5, flags: 0x40 } }), 0o4754);
  });
});

describe('symbolic link path components (ECMA-167 4/14.16)', () => {
  const pc = (type: number, name = '') => {
    const id = name ? encodeCs0(name) : new Uint8Array(0);
    return Uint8Array.from([type, id.length, 0, 0, ...id]);
  };
  test('root, parent, current and named components join like a POSIX path', () => {
    assert.equal(decodeSymlinkTarget(Buffer.concat([pc(2), pc(5, 'usr'), pc(5, 'lib')])), '/usr/lib');
    assert.equal(decodeSymlinkTarget(Buffer.concat([pc(3), pc(5, 'x'), pc(4)])), '../x/.');
  });
  test('a component running past the data, or of an unknown type, is refused', () => {
    assert.throws(() => decodeSymlinkTarget(Uint8Array.from([5, 9, 0, 0, 8, 0x41])), FieldError);
    assert.throws(() => decodeSymlinkTarget(pc(9)), /unknown type 9/);
  });
});

describe('partition maps', () => {
  test('type 1 and the metadata map of UDF 2.50', () => {
    const t = new Uint8Array(6 + 64);
    t.set([1, 6, 1, 0, 0, 0]);
    t.set([2, 64], 6);
    t.set(Buffer.from('*UDF Metadata Partition'), 6 + 5);
    const v = new DataView(t.buffer);
    v.setUint16(6 + 38, 0, true);
    v.setUint32(6 + 40, 32, true);
    v.setUint32(6 + 44, 900, true);
    assert.deepEqual(parsePartitionMaps(t, 2), [
      { type: 'physical', partition: 0 },
      { type: 'metadata', partition: 0, metadataFile: 32, mirrorFile: 900, duplicated: false },
    ]);
  });
  test('a map longer than the table is refused', () => {
    assert.throws(() => parsePartitionMaps(Uint8Array.from([1, 6, 1, 0]), 1), /does not fit/);
  });
});

describe('file entries', () => {
  test('an extended file entry (UDF 2.00+) has its times, lengths and descriptors at its own offsets', () => {
    const b = new Uint8Array(2048);
    const v = new DataView(b.buffer);
    b[16 + 11] = 5;
    v.setUint16(16 + 18, 3, true); // embedded
    v.setUint32(36, 1000, true);
    v.setUint32(40, 0xffffffff, true);
    v.setUint32(56, 5, true);
    v.setUint32(60, 0, true);
    v.setUint16(92, 0x1000, true); // modification time: local, UTC+0
    v.setUint16(94, 2024, true);
    b.set([6, 30, 12, 0, 0], 96);
    v.setUint32(208, 8, true); // 8 bytes of extended attributes
    v.setUint32(212, 5, true);
    b.set(Buffer.from('hello'), 224);
    encodeTag(b.subarray(0, 229), TagId.extendedFileEntry, 9);
    const e = parseFileEntry(b, 9, 'img.iso', 'file entry');
    assert.deepEqual([e.extended, e.uid, e.gid, e.informationLength, e.adForm, e.adOffset, e.adLength], [true, 1000, undefined, 5, 3, 224, 5]);
    assert.equal(e.modified?.toISOString(), '2024-06-30T12:00:00.000Z');
  });

  test('descriptors that do not fit the block, and a 64-bit length of 2^53 or more, are refused', () => {
    const b = new Uint8Array(2048);
    const v = new DataView(b.buffer);
    v.setUint32(168, 0, true);
    v.setUint32(172, 4000, true);
    encodeTag(b.subarray(0, 176), TagId.fileEntry, 3);
    assert.throws(() => parseFileEntry(b, 3, 'img.iso', 'file entry'), /do not fit the 2048-byte block/);
    v.setUint32(172, 0, true);
    v.setUint32(60, 0x200000, true);
    encodeTag(b.subarray(0, 176), TagId.fileEntry, 3);
    assert.throws(() => parseFileEntry(b, 3, 'img.iso', 'file entry'), /too large/);
  });
});
