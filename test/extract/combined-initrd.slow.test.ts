/**
 * The combined initrd (an initrd with the ISO appended as a newc archive) checked with the real
 * GNU cpio: the distribution's initrd comes first byte for byte, and the appended archive unpacks
 * to the ISO, byte-exact, under the name the installer looks for.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeCombinedInitrd } from '../../src/extract/combined-initrd.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

const ISO = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const SKIP = requirement('cpio', hasCommand('cpio'), 'the combined-initrd test needs GNU cpio (apt-get install cpio); skipping');

test('an initrd with the ISO appended: the initrd first, then a newc archive cpio unpacks to proxmox.iso, byte-exact', { skip: SKIP }, async () => {
  const work = await tempDir();
  // A distribution-like initrd: a gzip-compressed newc archive of an odd length (so padding is needed).
  const tree = join(work, 'tree');
  await mkdir(tree);
  await writeFile(join(tree, 'init'), '#!/bin/sh\necho installer\n');
  const archive = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: tree, input: 'init\n' });
  const initrd = Buffer.concat([gzipSync(archive), Buffer.from('x')]);
  assert.notEqual(initrd.length % 4, 0);
  await writeFile(join(work, 'initrd.img'), initrd);

  const out = join(work, 'combined.img');
  const { bytes } = await writeCombinedInitrd({ initrd: join(work, 'initrd.img'), file: ISO, name: 'proxmox.iso', out });
  const combined = await readFile(out);
  assert.equal(combined.length, bytes);
  assert.ok(combined.subarray(0, initrd.length).equals(initrd), 'the original initrd comes first, unchanged');
  const start = initrd.length + ((4 - (initrd.length % 4)) % 4);
  assert.ok(combined.subarray(initrd.length, start).every((b) => b === 0), 'zero padding to the next 4-byte boundary');

  const unpacked = join(work, 'unpacked');
  await mkdir(unpacked);
  const listing = execFileSync('cpio', ['-i', '-t', '--quiet'], { input: combined.subarray(start) }).toString();
  assert.equal(listing, 'proxmox.iso\n');
  execFileSync('cpio', ['-i', '--quiet', '--no-absolute-filenames'], { cwd: unpacked, input: combined.subarray(start) });
  assert.ok((await readFile(join(unpacked, 'proxmox.iso'))).equals(await readFile(ISO)), 'the embedded ISO is byte-exact');

  // A second run replaces the file; a leftover .partial from an interrupted run is no obstacle.
  await writeFile(`${out}.partial`, 'leftover');
  await writeCombinedInitrd({ initrd: join(work, 'initrd.img'), file: ISO, name: 'proxmox.iso', out });
  assert.ok((await readFile(out)).equals(combined));
});
