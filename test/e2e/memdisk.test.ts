/**
 * Whole-ISO boot paths with a small real ISO from the third-party corpus (Debian's
 * grub-rescue-cdrom.iso, GRUB 2.06 made by grub-mkrescue):
 *  - memdisk: `--profile memdisk` copies the ISO whole; pxelinux loads memdisk with the ISO as its
 *    initrd (`iso raw`), and the ISO's own GRUB starts from the RAM disk;
 *  - sanboot: `--profile sanboot` with --http-base; QEMU's iPXE runs boot.ipxe, attaches the ISO
 *    over HTTP from a server in this test (range requests, which it records) and boots its GRUB.
 * The ISO's GRUB draws on the VGA screen only, so the screen is read (screen.ts).
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { describe, test } from 'node:test';
import { CORPUS, CORPUS_SKIP } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { BIOS_SKIP, importForBoot, installPxelinux, runVm, tail, workDir } from './harness.js';
import { qmpArgs, waitForScreen } from './screen.js';

const ISO = join(CORPUS, 'images/debian/grub-rescue-cdrom.iso');
const MEMDISK = '/usr/lib/syslinux/memdisk';
const SKIP =
  BIOS_SKIP ||
  CORPUS_SKIP ||
  requirement('memdisk', existsSync(MEMDISK) && existsSync(ISO), `whole-ISO boot tests need ${MEMDISK} (syslinux-common) and ${ISO}; skipping`);

/** The rescue ISO's GRUB menu header, e.g. "GNU GRUB  version 2.06-13+deb12u2". */
const ISO_GRUB = /GNU GRUB +version 2\.06/;

/** BIOS PXE boot with a QMP socket; returns the serial log and what the screen showed. */
async function bootWatchingScreen(work: string, root: string, bootfile: string, netdev: string) {
  const socket = join(work, `qmp-${Math.random().toString(36).slice(2)}.sock`);
  const vm = runVm(['-netdev', `user,id=n0,tftp=${root},bootfile=${bootfile},${netdev}`, '-device', 'e1000,netdev=n0', '-boot', 'n', ...qmpArgs(socket)], {
    timeoutMs: 240_000,
  });
  const screen = await waitForScreen(socket, work, ISO_GRUB, 200_000);
  return { ...screen, log: await vm };
}

describe('memdisk: the whole ISO in RAM under pxelinux', { skip: SKIP }, () => {
  test("pxelinux loads memdisk and the ISO, and the ISO's own GRUB starts", async () => {
    const { work, root, record, tree } = await importForBoot({ iso: ISO, name: 'rescue', args: ['--profile', 'memdisk'], settings: { serialConsole: '0 115200' } });
    assert.equal(record.entries.length, 1);
    await installPxelinux(root);
    await copyFile(MEMDISK, join(root, 'memdisk'));

    const { seen, screen, log } = await bootWatchingScreen(work, root, 'pxelinux.0', 'restrict=on');
    assert.match(log, /Loading memdisk\.\.\. ?ok/, `pxelinux did not load memdisk:\n${tail(log)}`);
    assert.ok(log.includes(`Loading ${tree}/rescue.iso...ok`), `pxelinux did not load the ISO:\n${tail(log)}`);
    assert.ok(seen, `the ISO's GRUB never showed; last screen:\n${screen}\nserial:\n${tail(log)}`);
  });
});

/** A static file server over `root` that honours single Range requests and records them. */
async function rangeServer(root: string): Promise<{ server: Server; base: string; ranges: string[] }> {
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = join(root, path);
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile() || path.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(200, { 'content-length': st.size, 'accept-ranges': 'bytes' });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
        return;
      }
      ranges.push(`${path} ${m[0]}`);
      const start = Number(m[1]);
      const end = m[2] === '' ? st.size - 1 : Math.min(Number(m[2]), st.size - 1);
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${st.size}`, 'accept-ranges': 'bytes' });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file, { start, end }).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // A slirp guest reaches the host's 127.0.0.1 at 10.0.2.2 (restrict=off).
  return { server, base: `http://10.0.2.2:${port}/`, ranges };
}

describe('sanboot: iPXE attaches the ISO over HTTP', { skip: SKIP }, () => {
  test("boot.ipxe's sanboot entry reads the ISO with range requests and boots its own GRUB", async () => {
    const work = await workDir();
    const http = await rangeServer(join(work, 'root'));
    try {
      const { root, tree } = await importForBoot({ work, iso: ISO, name: 'rescue', args: ['--profile', 'sanboot', '--http-base', http.base] });
      // QEMU's NIC ROM is iPXE: handing it boot.ipxe runs the menu, whose default is the sanboot entry.
      const { seen, screen, log } = await bootWatchingScreen(work, root, 'boot.ipxe', 'restrict=off');
      assert.ok(seen, `the ISO's GRUB never showed; last screen:\n${screen}\nserial:\n${tail(log)}`);
      assert.ok(http.ranges.length > 0, 'iPXE read no byte ranges');
      assert.ok(
        http.ranges.every((r) => r.startsWith(`/${tree}/rescue.iso bytes=`)),
        `unexpected range requests: ${http.ranges.slice(0, 5).join(', ')}`,
      );
    } finally {
      http.server.closeAllConnections();
      http.server.close();
    }
  });
});
