import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_CE_BYTES, Tally } from '../../src/iso9660/limits.js';
import { SectorCache } from '../../src/iso9660/sector-cache.js';
import { bufferSource } from '../../src/iso9660/source.js';
import { findSuspOffset, MAX_CE_PER_RECORD, readSuspEntries, type SuspContext } from '../../src/iso9660/susp.js';
import { ascii, both32, susp } from '../helpers/bytes.js';

const ce = (block: number, offset: number, length: number) => susp('CE', [...both32(block), ...both32(offset), ...both32(length)]);

function context(image: Uint8Array, warnings: string[] = []): SuspContext {
  const source = bufferSource(image, 'hostile.iso');
  return { image: 'hostile.iso', imageSize: image.length, sectors: new SectorCache(source), ceBytes: new Tally(MAX_CE_BYTES, 'hostile.iso', (max) => `more than ${max} CE bytes`), warn: (m) => warnings.push(m) };
}

/** An image of `blocks` sectors with `areas` written at block:offset. */
function image(blocks: number, areas: [number, number, number[]][]): Uint8Array {
  const b = new Uint8Array(blocks * 2048);
  for (const [block, offset, bytes] of areas) b.set(bytes, block * 2048 + offset);
  return b;
}

describe('SUSP continuation areas (CE)', () => {
  test('a chain is followed and its entries collected in order', async () => {
    const nm2 = susp('NM', [0, ...ascii('tail')]);
    const img = image(4, [[2, 100, [...susp('NM', [1, ...ascii('head-')]), ...ce(3, 0, nm2.length)]], [3, 0, nm2]]);
    const area = Uint8Array.from([...susp('PX', both32(0o644)), ...ce(2, 100, 200)]);
    const entries = await readSuspEntries(area, context(img), '/x');
    assert.deepEqual(entries.map((e) => e.signature), ['PX', 'NM', 'NM']);
  });

  test('a CE that points back at itself is refused (libarchive rockridge_ce_loop)', async () => {
    const img = image(3, [[2, 0, ce(2, 0, 28)]]);
    await assert.rejects(readSuspEntries(Uint8Array.from(ce(2, 0, 28)), context(img), '/AAA'), {
      code: 'ISO_LOOP',
      message: 'hostile.iso: /AAA: Rock Ridge continuation area (CE) at block 2 offset 0 loops back on itself',
    });
  });

  test('a two-area cycle is refused too', async () => {
    const img = image(4, [[2, 0, ce(3, 0, 28)], [3, 0, ce(2, 0, 28)]]);
    await assert.rejects(readSuspEntries(Uint8Array.from(ce(2, 0, 28)), context(img), '/x'), { code: 'ISO_LOOP' });
  });

  test('records may share one continuation area (VirtualBox writer, pycdlib #151)', async () => {
    const img = image(3, [[2, 0, susp('NM', [0, ...ascii('shared')])]]);
    const ctx = context(img);
    for (let i = 0; i < 3; i++) assert.equal((await readSuspEntries(Uint8Array.from(ce(2, 0, 11)), ctx, '/x')).length, 1);
  });

  test('a long chain is bounded', async () => {
    const areas: [number, number, number[]][] = [];
    for (let i = 0; i <= MAX_CE_PER_RECORD + 1; i++) areas.push([2, i * 28, ce(2, (i + 1) * 28, 28)]);
    await assert.rejects(readSuspEntries(Uint8Array.from(ce(2, 0, 28)), context(image(3, areas)), '/x'), { code: 'ISO_LIMIT' });
  });

  test('a continuation area outside the image or across its block is refused', async () => {
    await assert.rejects(readSuspEntries(Uint8Array.from(ce(50, 0, 28)), context(image(3, [])), '/x'), {
      code: 'ISO_TRUNCATED',
      message: 'hostile.iso: /x: continuation area (CE) at block 50 lies beyond the end of the image',
    });
    await assert.rejects(readSuspEntries(Uint8Array.from(ce(1, 2040, 28)), context(image(3, [])), '/x'), { code: 'ISO_INVALID', message: /crosses its block/ });
  });

  test('a damaged entry length stops the area with a warning instead of reading past it', async () => {
    const warnings: string[] = [];
    const area = Uint8Array.from([...susp('PX', both32(1)), 0x4e, 0x4d, 200, 1, 0]);
    const entries = await readSuspEntries(area, context(image(1, []), warnings), '/x');
    assert.deepEqual(entries.map((e) => e.signature), ['PX']);
    assert.match(warnings[0]!, /damaged System Use entry "NM" \(length 200\)/);
  });

  test('a CE whose big-endian halves disagree is reported and followed by its little-endian values', async () => {
    const nm = susp('NM', [0, ...ascii('name')]);
    const img = image(4, [[3, 8, nm]]);
    const area = Uint8Array.from(ce(3, 8, nm.length));
    area.set([0, 0, 0, 2], 8); // big-endian block: 2
    area.set([0, 0, 0, 9], 16); // big-endian offset: 9
    const seen: string[] = [];
    const ctx = { ...context(img), bothEndian: (where: string) => (field: string, le: number, be: number) => seen.push(`${where}: ${field} ${le}/${be}`) };
    const entries = await readSuspEntries(area, ctx, '/x');
    assert.equal(Buffer.from(entries[0]!.data.subarray(1)).toString(), 'name');
    assert.deepEqual(seen, ['/x: CE entry: SUSP CE block location 3/2', '/x: CE entry: SUSP CE offset 8/9']);
  });

  test('ST ends the area', async () => {
    const entries = await readSuspEntries(Uint8Array.from([...susp('ST', []), ...susp('PX', both32(1))]), context(image(1, [])), '/x');
    assert.equal(entries.length, 0);
  });
});

describe('SP: the SUSP indicator in the root "." record', () => {
  const sp = (skip: number) => susp('SP', [0xbe, 0xef, skip]);
  test('gives the skip length', () => assert.equal(findSuspOffset(Uint8Array.from(sp(0))), 0));
  test('honours LEN_SKP', () => assert.equal(findSuspOffset(Uint8Array.from(sp(5))), 5));
  test('is found after 14 bytes of CD-XA data', () => assert.equal(findSuspOffset(Uint8Array.from([...new Array(14).fill(0), ...sp(0)])), 14));
  test('is absent without the BE EF check bytes', () => assert.equal(findSuspOffset(Uint8Array.from(susp('SP', [0, 0, 0]))), undefined));
});
