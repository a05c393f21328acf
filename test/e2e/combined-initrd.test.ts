/**
 * The combined initrd booted for real: the e2e kernel with the test initrd plus an ISO appended by
 * src/extract/combined-initrd.ts (QEMU's own loader, no PXE: what is tested is the initramfs, which
 * every boot loader hands over the same way). The kernel must unpack both archives, so that the
 * test initrd's /init finds /proxmox.iso, the way Proxmox's installer looks for its ISO.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeCombinedInitrd } from '../../src/extract/combined-initrd.js';
import { requirement } from '../helpers/requirements.js';
import { BIOS_SKIP, E2E, runVm, tail, workDir } from './harness.js';

const KERNEL = join(E2E, 'vmlinuz');
const INITRD = join(E2E, 'initrd.img');
/** Any ISO will do; this one is several MiB, so the appended archive spans many pages. */
const ISO = join(E2E, 'ubuntu-e2e.iso');
const SKIP = BIOS_SKIP || requirement('e2e kernel and ISO', [KERNEL, INITRD, ISO].every((f) => existsSync(f)), 'needs fixtures/out/e2e (bash fixtures/e2e/build.sh); skipping');

test('the kernel unpacks the initrd and the appended ISO: /init finds /proxmox.iso with the ISO\'s size and MD5', { skip: SKIP }, async () => {
  const work = await workDir();
  const combined = join(work, 'initrd-with-iso.img');
  await writeCombinedInitrd({ initrd: INITRD, file: ISO, name: 'proxmox.iso', out: combined });
  const log = await runVm(['-kernel', KERNEL, '-initrd', combined, '-append', 'console=ttyS0 panic=-1'], { memoryMb: 768 });
  assert.match(log, /INITRD-OK/, `the test initrd did not run:\n${tail(log)}`);
  const md5 = createHash('md5').update(await readFile(ISO)).digest('hex');
  const m = /EMBEDDED-ISO: \/proxmox\.iso (\d+) ([0-9a-f]{32})/.exec(log);
  assert.ok(m, `/proxmox.iso not found by the test initrd:\n${tail(log)}`);
  assert.equal(Number(m[1]), (await stat(ISO)).size);
  assert.equal(m[2], md5);
});
