/**
 * What every real-boot test shares: QEMU (TCG) with its serial console on a pipe, keystrokes
 * typed when a pattern appears, the boot-loader files copied from where Debian installs them,
 * and an import through the real CLI whose recorded entries the booted kernel is compared with.
 * Every VM is bounded in time; failures show the tail of its serial log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { splitKernelCommandLine } from '../../src/kernel-cmdline.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

/** Built by fixtures/e2e/build.sh: a real Debian kernel, the test initrd, and ISOs carrying both. */
export const E2E = join(FIXTURES, 'e2e');
export const PXELINUX = '/usr/lib/PXELINUX/pxelinux.0';
export const BIOS_MODULES = '/usr/lib/syslinux/modules/bios';
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';
export const GRUBNET = '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed';

export const BIOS_SKIP = requirement(
  'boot-test tools',
  hasCommand('qemu-system-x86_64') && existsSync(PXELINUX) && existsSync(join(BIOS_MODULES, 'vesamenu.c32')) &&
    existsSync(join(E2E, 'ubuntu-e2e.iso')),
  'boot tests need qemu-system-x86, pxelinux, syslinux-common and fixtures/out/e2e (bash fixtures/e2e/build.sh); skipping',
);
export const UEFI_SKIP = requirement(
  'UEFI boot-test tools',
  BIOS_SKIP === false && existsSync(OVMF_CODE) && existsSync(GRUBNET),
  'UEFI boot tests need ovmf and grub-efi-amd64-signed (and the BIOS requirements); skipping',
);

/** Keys typed on the serial console once `when` appears in the output (after the previous step). */
export interface KeyStep {
  readonly when: RegExp;
  readonly send: string;
}

export interface Firmware {
  /** The file DHCP (QEMU's slirp) hands out. */
  readonly bootfile: string;
  /** Extra QEMU arguments (OVMF flash for UEFI). */
  readonly args: readonly string[];
}

export const BIOS: Firmware = { bootfile: 'pxelinux.0', args: [] };

/** UEFI firmware with a private copy of the OVMF variable store (OVMF writes to it). */
export async function uefi(work: string, bootfile: string): Promise<Firmware> {
  const vars = join(work, `OVMF_VARS-${Math.random().toString(36).slice(2)}.fd`);
  await copyFile(OVMF_VARS, vars);
  return { bootfile, args: ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`] };
}

export interface BootOptions {
  readonly keys?: readonly KeyStep[];
  readonly timeoutMs?: number;
  /** Extra `-netdev user` options, e.g. `guestfwd=…`. */
  readonly netdev?: string;
  /** NIC MAC address (QEMU's default otherwise). */
  readonly mac?: string;
}

/** PXE-boots from QEMU's built-in TFTP server (slirp, guest isolated) and returns the serial log. */
export function boot(tftpRoot: string, firmware: Firmware, options: BootOptions = {}): Promise<string> {
  const netdev = `user,id=n0,restrict=on,tftp=${tftpRoot},bootfile=${firmware.bootfile}${options.netdev ? `,${options.netdev}` : ''}`;
  const nic = `e1000,netdev=n0${options.mac ? `,mac=${options.mac}` : ''}`;
  return runVm([...firmware.args, '-netdev', netdev, '-device', nic, '-boot', 'n'], options);
}

/**
 * Runs qemu-system-x86_64 with the serial console on stdio; any machine arguments. Resolves with
 * the serial log when the VM powers off, or is killed at the timeout.
 */
export function runVm(args: readonly string[], options: Pick<BootOptions, 'keys' | 'timeoutMs'> & { memoryMb?: number } = {}): Promise<string> {
  const keys = options.keys ?? [];
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', String(options.memoryMb ?? 512), '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let log = '';
    let step = 0;
    let seen = 0;
    const timer = setTimeout(() => qemu.kill('SIGKILL'), options.timeoutMs ?? 150_000);
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

/** The end of a serial log, terminal escapes blanked, for failure messages. */
export const tail = (log: string) => log.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ').slice(-1500);

/** The command line the test initrd printed, or undefined when it never ran. */
export const kernelCmdline = (log: string) => /CMDLINE: (.*)/.exec(log)?.[1]?.trim();

/** A fixed MAC, so the BOOTIF= that SYSAPPEND 2 adds can be predicted. */
export const MAC = '52:54:00:e2:e0:01';
export const BOOTIF = `BOOTIF=01-${MAC.replace(/:/g, '-')}`;
/** The host as QEMU's slirp guests see it. */
export const SERVER = '10.0.2.2';

/** An entry as `inspect --json` predicts it: what `list --json` records, and the SYSAPPEND bits. */
export interface PredictedEntry extends BootEntryRecord {
  readonly sysappend: number;
}

/** `inspect --json` for the image as imported into ROOT under NAME: the profile and its entries. */
export async function predict(image: string, root: string, name: string, args: readonly string[] = []) {
  const r = await runCli(['inspect', '--json', '--root', root, '--as', name, '--server', SERVER, ...args, image]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { serve: { pathKind: string }; profile: { id: string; entries: PredictedEntry[] } | null };
  assert.ok(d.profile, `${image}: no profile matched`);
  // The import is in ROOT already: the prediction names its real version directory, as the menus do.
  assert.equal(d.serve.pathKind, 'version');
  return d.profile;
}

/** What pxelinux passes: BOOT_IMAGE= first, the APPEND line, initrd= with the INITRD list, then SYSAPPEND's words. */
export function pxelinuxCmdline(tree: string, e: PredictedEntry): string {
  assert.equal(e.sysappend & ~2, 0, 'only SYSAPPEND 2 (BOOTIF=) is predicted here');
  const words = [`BOOT_IMAGE=${tree}/${e.kernel}`, e.nfs ?? e.http, `initrd=${e.initrds.map((f) => `${tree}/${f}`).join(',')}`];
  if (e.sysappend & 2) words.push(BOOTIF);
  return words.join(' ');
}

/**
 * GRUB adds BOOT_IMAGE= (and, unlike pxelinux, no initrd=), then passes the menu's line (NFS, else
 * HTTP) the way its loader builds every command line: quotes removed, a word that holds a blank
 * wrapped whole in double quotes (seen on Debian's signed grubnetx64: `"ocs_live_run=ocs-sr -g …"`,
 * and `ocs_live_extra_param=` for `ocs_live_extra_param=""`). The kernel parses both forms into the
 * same parameter, and booting the ISO's own GRUB menu from the disc gives the same line.
 */
export function grubCmdline(tree: string, e: Pick<BootEntryRecord, 'kernel' | 'nfs' | 'http'>): string {
  const words = splitKernelCommandLine(e.nfs ?? e.http ?? '').map((w) => w.replace(/"/g, '')).map((w) => (/ /.test(w) ? `"${w}"` : w));
  return [`BOOT_IMAGE=/${tree}/${e.kernel}`, ...words].join(' ');
}

export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The start of a label, as a pattern: vesamenu cuts long labels at the menu's width. */
export const labelStart = (label: string) => new RegExp(escape(label.slice(0, 40)));

export interface BootEntryRecord {
  readonly label: string;
  readonly kernel: string;
  readonly initrds: readonly string[];
  readonly nfs: string;
  readonly http?: string;
  readonly isDefault: boolean;
}

/** Temporary directories made here, removed when the test file ends. */
const workDirs: string[] = [];
after(async () => {
  for (const dir of workDirs) await rm(dir, { recursive: true, force: true });
});

export async function workDir(prefix = 'pxe-import-e2e-'): Promise<string> {
  const dir = await tempDir(prefix);
  workDirs.push(dir);
  return dir;
}

export interface ImportForBoot {
  /** Image to import (default: the casper e2e ISO). */
  readonly iso?: string;
  /** --as NAME (default "ubuntu"). */
  readonly name?: string;
  /** Config-file settings merged over a 2-second menu whose default is NAME. */
  readonly settings?: Record<string, unknown>;
  /** More CLI arguments (e.g. --http-base). */
  readonly args?: readonly string[];
  /** Reuse this work directory (and its root) instead of a fresh one. */
  readonly work?: string;
}

/**
 * Imports an ISO through the CLI into a PXE root served at 10.0.2.2 (the host as QEMU's slirp
 * guests see it), and reads back what pxe-import recorded for it.
 */
export async function importForBoot(options: ImportForBoot = {}) {
  const name = options.name ?? 'ubuntu';
  const work = options.work ?? (await workDir());
  const root = join(work, 'root');
  const config = join(work, 'config.json');
  await writeFile(config, JSON.stringify({ menuTitle: 'pxe-import e2e', timeout: 2, defaultEntry: name, ...options.settings }));
  const common = ['--root', root, '--exports-file', join(work, 'exports'), '--config', config];
  const iso = options.iso ?? join(E2E, 'ubuntu-e2e.iso');
  const r = await runCli([iso, '--as', name, ...common, '--server', '10.0.2.2', '--clients', '10.0.2.0/24', '--quiet', ...(options.args ?? [])]);
  assert.equal(r.code, 0, r.stderr);
  const records = JSON.parse((await runCli(['list', '--json', ...common])).stdout) as { name: string; version: string; entries: BootEntryRecord[] }[];
  const record = records.find((x) => x.name === name)!;
  const byLabel = (label: string) => {
    const entry = record.entries.find((e) => e.label === label);
    assert.ok(entry, `no entry "${label}" in ${record.entries.map((e) => e.label).join(', ')}`);
    return entry;
  };
  return { work, root, common, record, byLabel, defaultEntry: record.entries.find((e) => e.isDefault)!, tree: `.pxe-import/versions/${name}/${record.version}` };
}

/** pxelinux and the vesamenu modules it loads, copied into the TFTP root. */
export async function installPxelinux(root: string): Promise<void> {
  for (const f of [PXELINUX, ...['ldlinux.c32', 'vesamenu.c32', 'libcom32.c32', 'libutil.c32'].map((m) => join(BIOS_MODULES, m))]) {
    await copyFile(f, join(root, f.split('/').pop()!));
  }
}

/** Signed grubnetx64: its built-in prefix reads grub/grub.cfg from the TFTP root. */
export async function installGrubnet(root: string): Promise<void> {
  await copyFile(GRUBNET, join(root, 'grubnetx64.efi'));
}

/** A VM that keeps running while the test works: its console can be waited on and typed into. */
export interface Vm {
  /** Everything the serial console (and QEMU's stderr) printed so far. */
  log(): string;
  /**
   * Resolves with the first match of `pattern` after the previous wait's match; rejects with the
   * log's tail when it does not appear within `timeoutMs` or the VM ends first.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Types on the serial console. */
  type(text: string): void;
  /**
   * Runs one command in the shell on the serial console (the test initrd's `pxetest.hold=1`) and
   * returns what it printed and its exit status.
   */
  shell(command: string, timeoutMs?: number): Promise<{ readonly status: number; readonly output: string }>;
  /** Resolves with the whole log when QEMU has exited (powered off, or killed at its time limit). */
  readonly exited: Promise<string>;
  /** True when QEMU was killed at its time limit rather than the guest powering off. */
  killedAtLimit(): boolean;
  /** Kills QEMU now (cleanup after a failed assertion). */
  kill(): void;
}

export interface StartVmOptions {
  /** Hard limit: QEMU is killed after this long (default 300 s). */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  /** Command the QEMU command line is appended to, e.g. nsenter into a server's network namespace. */
  readonly prefix?: readonly string[];
}

/** Starts qemu-system-x86_64 (TCG, serial console on a pipe) with any machine arguments. */
export function startVm(args: readonly string[], options: StartVmOptions = {}): Vm {
  const [command, ...prefixArgs] = [...(options.prefix ?? []), 'qemu-system-x86_64'];
  const qemu = spawn(
    command!,
    [...prefixArgs, '-accel', 'tcg', '-m', String(options.memoryMb ?? 512), '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let log = '';
  let cursor = 0;
  let ended = false;
  let atLimit = false;
  const listeners = new Set<() => void>();
  const changed = () => { for (const l of listeners) l(); };
  const timer = setTimeout(() => {
    atLimit = true;
    qemu.kill('SIGKILL');
  }, options.timeoutMs ?? 300_000);
  qemu.stdout.on('data', (d: Buffer) => { log += d.toString('latin1'); changed(); });
  qemu.stderr.on('data', (d: Buffer) => { log += d.toString('latin1'); changed(); });
  const exited = new Promise<string>((resolve, reject) => {
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      ended = true;
      changed();
      resolve(log);
    });
  });
  exited.catch(() => undefined); // a spawn error also rejects every waitFor

  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      const check = () => {
        const m = re.exec(log.slice(cursor));
        if (m) {
          m.index += cursor;
          cursor = m.index + m[0].length;
          done();
          resolve(m);
        } else if (ended) {
          done();
          reject(new Error(`VM ended before ${pattern} appeared:\n${tail(log)}`));
        }
      };
      const limit = setTimeout(() => {
        done();
        reject(new Error(`${pattern} did not appear within ${timeoutMs / 1000} s:\n${tail(log)}`));
      }, timeoutMs);
      const done = () => { clearTimeout(limit); listeners.delete(check); };
      listeners.add(check);
      check();
    });

  let commands = 0;
  return {
    log: () => log,
    waitFor,
    type: (text) => void qemu.stdin.write(text),
    async shell(command, timeoutMs = 60_000) {
      const end = `@@END${++commands}`;
      const start = cursor;
      // The terminal echoes the typed line, where `$?` is still literal: only the real status matches.
      qemu.stdin.write(`${command}; echo "${end} $?"\n`);
      const m = await waitFor(new RegExp(`${end} (\\d+)\\r?\\n`), timeoutMs);
      // What follows the echo of the typed line (which line editing may have redrawn or wrapped).
      const printed = log.slice(start, m.index);
      const echoed = printed.lastIndexOf(`${end} $?"`);
      const output = echoed < 0 ? printed : printed.slice(printed.indexOf('\n', echoed) + 1);
      return { status: Number(m[1]), output: output.replace(/\r/g, '').trim() };
    },
    exited,
    killedAtLimit: () => atLimit,
    kill: () => void qemu.kill('SIGKILL'),
  };
}

/** QEMU arguments for a PXE boot from slirp's built-in TFTP server; `restrict=off` lets the guest reach 10.0.2.2. */
export function pxeArgs(tftpRoot: string, firmware: Firmware, options: { readonly restrict?: boolean; readonly mac?: string } = {}): string[] {
  const netdev = `user,id=n0,restrict=${options.restrict === false ? 'off' : 'on'},tftp=${tftpRoot},bootfile=${firmware.bootfile}`;
  return [...firmware.args, '-netdev', netdev, '-device', `e1000,netdev=n0${options.mac ? `,mac=${options.mac}` : ''}`, '-boot', 'n'];
}
