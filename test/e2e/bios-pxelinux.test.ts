/**
 * Real boot: QEMU (BIOS, TCG) PXE-boots over its built-in TFTP server from the PXE
 * root pxe-import wrote. pxelinux shows the generated menu on the serial console, the
 * timeout boots the default entry, a real Debian kernel starts the test initrd
 * (fixtures/e2e), and the command line the kernel received is compared with what
 * pxe-import recorded for that entry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

const iso = join(FIXTURES, 'e2e/ubuntu-e2e.iso');
const PXELINUX = '/usr/lib/PXELINUX/pxelinux.0';
const MODULES = '/usr/lib/syslinux/modules/bios';
const SKIP = requirement(
  'boot-test tools',
  hasCommand('qemu-system-x86_64') && existsSync(PXELINUX) && existsSync(join(MODULES, 'vesamenu.c32')) && existsSync(iso),
  'boot tests need qemu-system-x86, pxelinux, syslinux-common and fixtures/out/e2e (bash fixtures/e2e/build.sh); skipping',
);

/** Keys typed on the serial console once `when` appears in the output (after the previous step). */
interface KeyStep {
  readonly when: RegExp;
  readonly send: string;
}

/** Boots and returns the serial log; bounded in time, and the log tail is shown on failure. */
function boot(tftpRoot: string, keys: readonly KeyStep[] = [], timeoutMs = 150_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', '512', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
        '-netdev', `user,id=n0,restrict=on,tftp=${tftpRoot},bootfile=pxelinux.0`, '-device', 'e1000,netdev=n0', '-boot', 'n'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let log = '';
    let step = 0;
    let seen = 0;
    const timer = setTimeout(() => qemu.kill('SIGKILL'), timeoutMs);
    qemu.stdout.on('data', (d: Buffer) => {
      log += d.toString('latin1');
      const next = keys[step];
      if (next && next.when.test(log.slice(seen))) {
        seen = log.length;
        step++;
        qemu.stdin.write(next.send);
      }
    });
    qemu.stderr.on('data', (d: Buffer) => (log += d.toString('latin1')));
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve(log);
    });
  });
}

const tail = (log: string) => log.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ').slice(-1500);

describe('BIOS: pxelinux + vesamenu over TFTP, real kernel', { skip: SKIP }, () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-e2e-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the menu pxe-import wrote is shown, its timeout boots the default entry, and the kernel gets the recorded command line', async () => {
    const root = join(work, 'root');
    const config = join(work, 'config.json');
    await writeFile(config, JSON.stringify({ menuTitle: 'pxe-import e2e', timeout: 2, defaultEntry: 'ubuntu', serialConsole: '0 115200' }));
    const common = ['--root', root, '--exports-file', join(work, 'exports'), '--config', config];
    const r = await runCli([iso, '--as', 'ubuntu', ...common, '--server', '10.0.2.2', '--clients', '10.0.2.0/24', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of [PXELINUX, ...['ldlinux.c32', 'vesamenu.c32', 'libcom32.c32', 'libutil.c32'].map((m) => join(MODULES, m))]) {
      await copyFile(f, join(root, f.split('/').pop()!));
    }
    const list = JSON.parse((await runCli(['list', '--json', ...common])).stdout);
    const record = list[0];
    const entry = record.entries.find((e: { isDefault: boolean }) => e.isDefault);
    const tree = `.pxe-import/versions/ubuntu/${record.version}`;

    const log = await boot(root);
    assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}`);
    assert.match(log, /Automatic boot in/, 'the timeout counted down');
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    const cmdline = /CMDLINE: (.*)/.exec(log)?.[1]?.trim();
    // pxelinux adds BOOT_IMAGE= before and initrd= after the APPEND line; the rest is ours, verbatim.
    assert.equal(cmdline, `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
    assert.equal(entry.label, 'Try or Install Ubuntu');
    assert.match(entry.nfs, /^boot=casper netboot=nfs nfsroot=10\.0\.2\.2:\S+ ip=dhcp /);

    // Keystrokes: Enter opens the submenu, Down and Enter choose its second entry.
    const list2 = JSON.parse((await runCli(['list', '--json', ...common])).stdout);
    const safe = list2[0].entries.find((e: { label: string }) => e.label === 'Ubuntu (safe graphics)');
    const chosen = await boot(root, [
      { when: /Automatic boot in/, send: '\r' },
      { when: /safe graphics/, send: '\x1b[B' },
      { when: /.+/, send: '\r' },
    ]);
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(/CMDLINE: (.*)/.exec(chosen)?.[1]?.trim(), `BOOT_IMAGE=${tree}/${safe.kernel} ${safe.nfs} initrd=${tree}/${safe.initrds[0]}`);
    assert.match(safe.nfs, / nomodeset /);
  });
});
