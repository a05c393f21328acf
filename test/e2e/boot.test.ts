/**
 * Real boots: QEMU (BIOS and UEFI, TCG) PXE-boots over its built-in TFTP server from the PXE
 * root pxe-import wrote. pxelinux or GRUB shows the generated menu on the serial console, the
 * timeout boots the default entry, a real Debian kernel starts the test initrd
 * (fixtures/e2e), and the command line the kernel received is compared with what
 * pxe-import recorded for that entry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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

interface Firmware {
  /** The file DHCP (QEMU's slirp) hands out. */
  readonly bootfile: string;
  /** Extra QEMU arguments (OVMF flash for UEFI). */
  readonly args: readonly string[];
}

const BIOS: Firmware = { bootfile: 'pxelinux.0', args: [] };

/** Boots and returns the serial log; bounded in time, and the log tail is shown on failure. */
function boot(tftpRoot: string, firmware: Firmware, keys: readonly KeyStep[] = [], timeoutMs = 150_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', '512', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', ...firmware.args,
        '-netdev', `user,id=n0,restrict=on,tftp=${tftpRoot},bootfile=${firmware.bootfile}`, '-device', 'e1000,netdev=n0', '-boot', 'n'],
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

interface BootEntryRecord {
  readonly label: string;
  readonly kernel: string;
  readonly initrds: readonly string[];
  readonly nfs: string;
  readonly isDefault: boolean;
}

/** Temporary directories made by importForBoot, removed when the file's tests end. */
const workDirs: string[] = [];
after(async () => {
  for (const dir of workDirs) await rm(dir, { recursive: true, force: true });
});

/**
 * Imports the e2e ISO through the CLI into a fresh PXE root, with a 2-second menu whose
 * default is the import, and reads back what pxe-import recorded for it.
 */
async function importForBoot(settings: Record<string, unknown>) {
  const work = await tempDir('pxe-import-e2e-');
  workDirs.push(work);
  const root = join(work, 'root');
  const config = join(work, 'config.json');
  await writeFile(config, JSON.stringify({ menuTitle: 'pxe-import e2e', timeout: 2, defaultEntry: 'ubuntu', ...settings }));
  const common = ['--root', root, '--exports-file', join(work, 'exports'), '--config', config];
  const r = await runCli([iso, '--as', 'ubuntu', ...common, '--server', '10.0.2.2', '--clients', '10.0.2.0/24', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const record = JSON.parse((await runCli(['list', '--json', ...common])).stdout)[0] as { version: string; entries: BootEntryRecord[] };
  const byLabel = (label: string) => record.entries.find((e) => e.label === label)!;
  return { work, root, record, byLabel, defaultEntry: record.entries.find((e) => e.isDefault)! };
}

describe('BIOS: pxelinux + vesamenu over TFTP, real kernel', { skip: SKIP }, () => {
  test('the menu pxe-import wrote is shown, its timeout boots the default entry, and the kernel gets the recorded command line', async () => {
    const { root, record, byLabel, defaultEntry: entry } = await importForBoot({ serialConsole: '0 115200' });
    for (const f of [PXELINUX, ...['ldlinux.c32', 'vesamenu.c32', 'libcom32.c32', 'libutil.c32'].map((m) => join(MODULES, m))]) {
      await copyFile(f, join(root, f.split('/').pop()!));
    }
    const tree = `.pxe-import/versions/ubuntu/${record.version}`;

    const log = await boot(root, BIOS);
    assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}`);
    assert.match(log, /Automatic boot in/, 'the timeout counted down');
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    const cmdline = /CMDLINE: (.*)/.exec(log)?.[1]?.trim();
    // pxelinux adds BOOT_IMAGE= before and initrd= after the APPEND line; the rest is ours, verbatim.
    assert.equal(cmdline, `BOOT_IMAGE=${tree}/${entry.kernel} ${entry.nfs} initrd=${tree}/${entry.initrds[0]}`);
    assert.equal(entry.label, 'Try or Install Ubuntu');
    assert.match(entry.nfs, /^boot=casper netboot=nfs nfsroot=10\.0\.2\.2:\S+ ip=dhcp /);

    // Keystrokes: Enter opens the submenu, Down and Enter choose its second entry.
    const safe = byLabel('Ubuntu (safe graphics)');
    const chosen = await boot(root, BIOS, [
      { when: /Automatic boot in/, send: '\r' },
      { when: /safe graphics/, send: '\x1b[B' },
      { when: /.+/, send: '\r' },
    ]);
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(/CMDLINE: (.*)/.exec(chosen)?.[1]?.trim(), `BOOT_IMAGE=${tree}/${safe.kernel} ${safe.nfs} initrd=${tree}/${safe.initrds[0]}`);
    assert.match(safe.nfs, / nomodeset /);
  });
});

describe('BIOS: iPXE (the NIC ROM) runs boot.ipxe over TFTP, real kernel', { skip: SKIP }, () => {
  test("the script's timeout boots the default entry with its initrd named on the command line", async () => {
    const { root, defaultEntry: entry } = await importForBoot({});
    // QEMU's NIC boot ROM is iPXE: handing it boot.ipxe runs the script pxe-import wrote.
    const log = await boot(root, { bootfile: 'boot.ipxe', args: [] });
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    // initrd=NAME comes first, as iPXE needs it under UEFI; the rest is ours, verbatim.
    assert.equal(/CMDLINE: (.*)/.exec(log)?.[1]?.trim(), `initrd=initrd ${entry.nfs}`);
  });
});

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';
const GRUBNET = '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed';
const UEFI_SKIP = requirement(
  'UEFI boot-test tools',
  SKIP === false && existsSync(OVMF_CODE) && existsSync(GRUBNET),
  'UEFI boot tests need ovmf and grub-efi-amd64-signed (and the BIOS requirements); skipping',
);

describe('UEFI: OVMF + grubnetx64 over TFTP, real kernel', { skip: UEFI_SKIP }, () => {
  test('GRUB reads the grub.cfg pxe-import wrote; the timeout and a keystroke-chosen entry boot with the recorded command lines', async () => {
    const { work, root, record, byLabel } = await importForBoot({ serialConsole: '0 115200' });
    // grubnetx64's built-in prefix reads grub/grub.cfg from the TFTP root: exactly where pxe-import writes it.
    await copyFile(GRUBNET, join(root, 'grubnetx64.efi'));
    const vars = join(work, 'OVMF_VARS.fd');
    await copyFile(OVMF_VARS, vars);
    const uefi: Firmware = {
      bootfile: 'grubnetx64.efi',
      args: ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`],
    };
    const tree = `/.pxe-import/versions/ubuntu/${record.version}`;

    const log = await boot(root, uefi);
    assert.match(log, /Boot from local disk/, `GRUB menu not on the serial console:\n${tail(log)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    const main = byLabel('Try or Install Ubuntu');
    // GRUB adds BOOT_IMAGE= (and, unlike pxelinux, no initrd=); the rest is ours, verbatim.
    assert.equal(/CMDLINE: (.*)/.exec(log)?.[1]?.trim(), `BOOT_IMAGE=${tree}/${main.kernel} ${main.nfs}`);

    const safe = byLabel('Ubuntu (safe graphics)');
    const chosen = await boot(root, uefi, [
      { when: /automatically in/, send: '\r' },
      { when: /safe graphics/, send: '\x1b[B' },
      { when: /.+/, send: '\r' },
    ]);
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(/CMDLINE: (.*)/.exec(chosen)?.[1]?.trim(), `BOOT_IMAGE=${tree}/${safe.kernel} ${safe.nfs}`);
  });
});
