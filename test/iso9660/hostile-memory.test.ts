/**
 * Hostile variants of a real genisoimage image, patched in memory: structures a
 * writer never produces but an attacker can, each refused with a precise error.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readIsoImage } from '../../src/iso9660/image.js';
import { bufferSource } from '../../src/iso9660/source.js';
import { FIXTURES } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const base = join(FIXTURES, 'rr-genisoimage.iso');
const SKIP = requirement('fixture images', existsSync(base), 'fixture images not built (run: bash fixtures/build.sh); skipping');

/** Offsets of every SUSP entry with this signature, version 1 and this length. */
function findEntries(image: Buffer, signature: string, length: number): number[] {
  const needle = Buffer.from([signature.charCodeAt(0), signature.charCodeAt(1), length, 1]);
  const found: number[] = [];
  for (let i = image.indexOf(needle); i >= 0; i = image.indexOf(needle, i + 1)) found.push(i);
  return found;
}

function writeBoth32(b: Buffer, offset: number, value: number): void {
  b.writeUInt32LE(value, offset);
  b.writeUInt32BE(value, offset + 4);
}

/** The root directory's extent, from the primary volume descriptor's root record. */
const rootExtent = (image: Buffer) => image.readUInt32LE(16 * 2048 + 156 + 2);

describe('hostile structures patched into a real image', { skip: SKIP }, () => {
  test('the unpatched image reads', async () => {
    const image = readFileSync(base);
    assert.ok(findEntries(image, 'CL', 12).length > 0, 'the fixture relocates deep directories');
    await readIsoImage(bufferSource(image, 'rr-genisoimage.iso'));
  });

  test('a CL (child link) pointing back at the root is a directory loop and is refused', async () => {
    const image = Buffer.from(readFileSync(base));
    writeBoth32(image, findEntries(image, 'CL', 12)[0]! + 4, rootExtent(image));
    await assert.rejects(readIsoImage(bufferSource(image, 'cl-cycle.iso')), {
      code: 'ISO_LOOP',
      message: /^cl-cycle\.iso: directory \/deep\/(level\d+\/)+level\d+ \(block \d+\) is reached twice: the directory structure loops$/,
    });
  });

  test('a CL pointing past the end of the image is refused', async () => {
    const image = Buffer.from(readFileSync(base));
    writeBoth32(image, findEntries(image, 'CL', 12)[0]! + 4, 0x7ffffff0);
    await assert.rejects(readIsoImage(bufferSource(image, 'cl-far.iso')), { code: 'ISO_TRUNCATED', message: /^cl-far\.iso: relocated directory .* lies beyond the end of the image/ });
  });

  test('a CL pointing at file data (no "." record there) is refused', async () => {
    const image = Buffer.from(readFileSync(base));
    writeBoth32(image, findEntries(image, 'CL', 12)[0]! + 4, Math.floor(image.length / 2048) - 2);
    await assert.rejects(readIsoImage(bufferSource(image, 'cl-data.iso')), { code: 'ISO_INVALID', message: /does not start with its "\." record|bad directory record length/ });
  });

  test('a PX serial number shared by unrelated files does not make them hard links', async () => {
    // RRIP 1.09 images have no serial numbers; links come only from shared extents, so
    // the two vmlinuz copies are linked and nothing else is.
    const img = await readIsoImage(bufferSource(readFileSync(base), 'rr-genisoimage.iso'));
    const groups = [...img.hardLinks.values()].map((g) => g.map((f) => f.path));
    assert.deepEqual(groups, [['casper/vmlinuz', 'isolinux/vmlinuz']]);
  });
});
