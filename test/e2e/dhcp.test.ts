/**
 * `pxe-import init` + `pxe-import dhcp` against the real programs: the real dnsmasq, with the
 * configuration pxe-import generated, serves DHCP and TFTP on a tap device inside a private
 * network namespace (unshare -m -n), and QEMU clients (BIOS and UEFI, TCG) boot from it. The
 * dnsmasq log says which file each client was sent; the serial console shows the menu pxe-import
 * wrote, and the test initrd runs.
 *
 * QEMU's e1000 boot ROM is iPXE (it sends user class "iPXE"). The default mode does no iPXE
 * detection, so that client proves the architecture choice (BIOS → pxelinux.0, UEFI →
 * grubnetx64.efi). The chaining mode is proved with a UEFI client whose NIC has no ROM: OVMF's
 * own PXE stack gets snponly.efi (by architecture), which, now iPXE, gets boot.ipxe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { hasCommand, requirement } from '../helpers/requirements.js';
import { BIOS_SKIP, UEFI_SKIP, importForBoot, tail, uefi, workDir } from './harness.js';

const NETNS_SKIP =
  BIOS_SKIP ||
  requirement(
    'dnsmasq in a network namespace',
    hasCommand('dnsmasq') && hasCommand('ip') && hasCommand('unshare') && process.getuid?.() === 0,
    'the DHCP boot tests need root, dnsmasq, iproute2 and unshare; skipping',
  );
const UEFI_NETNS_SKIP = NETNS_SKIP || UEFI_SKIP;

/** A PXE root made by `pxe-import init`, the e2e ISO imported into it, and a generated dnsmasq config. */
async function prepare(dhcpArgs: readonly string[]) {
  const work = await workDir('pxe-import-dhcp-e2e-');
  const root = join(work, 'root');
  const init = await runCli(['init', '--root', root, '--exports-file', join(work, 'exports')]);
  assert.equal(init.code, 0, init.stderr);
  const imported = await importForBoot({ work, settings: { serialConsole: '0 115200' } });
  const conf = join(work, 'dnsmasq.conf');
  const r = await runCli(['dhcp', '--root', root, '--server', '10.0.2.2', '--subnet', '10.0.2.0/24', '--interface', 'tap0', '--write', conf, ...dhcpArgs]);
  assert.equal(r.code, 0, r.stderr);
  return { ...imported, conf };
}

/**
 * Runs, inside a fresh mount and network namespace: a tap device at 10.0.2.2/24, dnsmasq with
 * `conf` (plus logging, a private lease file, and root so it reads the temporary root), and
 * QEMU on the tap. Resolves with the serial log and dnsmasq's log once QEMU exits or is killed.
 */
async function bootOnTap(
  work: string,
  conf: string,
  qemuArgs: readonly string[],
  options: { existing?: string; timeoutMs?: number } = {},
): Promise<{ log: string; dhcp: string; existing: string; leases: string }> {
  const id = Math.random().toString(36).slice(2);
  const dhcpLog = join(work, `dnsmasq-${id}.log`);
  const existingLog = join(work, `existing-${id}.log`);
  const dnsmasq = (file: string, log: string, leases: string) =>
    `dnsmasq --keep-in-foreground --conf-file="${file}" --user=root --log-dhcp --log-facility="${log}" --dhcp-leasefile="${leases}" --pid-file="${log}.pid" >>"${log}" 2>&1 &`;
  const script = [
    'set -e',
    'ip link set lo up',
    'ip tuntap add dev tap0 mode tap',
    'ip addr add 10.0.2.2/24 dev tap0',
    'ip link set tap0 up',
    // The "existing" DHCP server of proxy mode: addresses only. Both bind port 67 on tap0
    // (dnsmasq's bind-interfaces sockets allow that) and both see every broadcast.
    options.existing ? dnsmasq(options.existing, existingLog, `${work}/existing-${id}.leases`) : ':',
    'EXISTING=$!',
    dnsmasq(conf, dhcpLog, `${work}/leases-${id}`),
    'DNSMASQ=$!',
    'sleep 1',
    'set +e',
    'qemu-system-x86_64 "$@"',
    'kill $DNSMASQ; wait $DNSMASQ',
    options.existing ? 'kill $EXISTING; wait $EXISTING' : ':',
  ].join('\n');
  const args = ['-accel', 'tcg', '-m', '512', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', ...qemuArgs];
  const log = await new Promise<string>((resolve, reject) => {
    const child = spawn('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.timeoutMs ?? 240_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
  const read = (f: string) => readFile(f, 'utf8').catch(() => '');
  return { log, dhcp: await read(dhcpLog), existing: await read(existingLog), leases: await read(`${work}/existing-${id}.leases`) };
}

const tap = (nic = 'e1000') => ['-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', `${nic},netdev=n0`, '-boot', 'n'];

/** Boot files dnsmasq's TFTP server sent, in order, as names relative to the root. */
function sentFiles(dhcp: string, root: string): string[] {
  return [...dhcp.matchAll(/dnsmasq-tftp\[\d+\]: sent (\S+) to /g)].map((m) => m[1]!.replace(`${root}/`, ''));
}

/** The boot file names dnsmasq put in its DHCP answers. */
function offeredBootfiles(dhcp: string): string[] {
  return [...new Set([...dhcp.matchAll(/option: 67 bootfile-name +(\S+)/g)].map((m) => m[1]!))];
}

describe('dnsmasq (full DHCP) with the generated configuration, clients on a tap device', { skip: NETNS_SKIP }, () => {
  test('a BIOS client is sent pxelinux.0 and shows the pxe-import menu', async () => {
    const { work, root, conf } = await prepare(['--mode', 'full']);
    const { log, dhcp } = await bootOnTap(work, conf, tap());
    assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    assert.deepEqual(offeredBootfiles(dhcp), ['pxelinux.0'], dhcp.slice(-2000));
    const sent = sentFiles(dhcp, root);
    assert.equal(sent[0], 'pxelinux.0');
    assert.ok(sent.includes('ldlinux.c32') && sent.includes('vesamenu.c32'), sent.join(' '));
    assert.ok(!sent.some((f) => f.endsWith('.efi')), sent.join(' '));
  });

  test('a UEFI client is sent grubnetx64.efi and shows the GRUB menu', { skip: UEFI_NETNS_SKIP }, async () => {
    const { work, root, conf } = await prepare(['--mode', 'full']);
    const firmware = await uefi(work, 'unused');
    const { log, dhcp } = await bootOnTap(work, conf, [...firmware.args, ...tap()]);
    assert.match(log, /Boot from local disk/, `GRUB menu not on the serial console:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    assert.deepEqual(offeredBootfiles(dhcp), ['grubnetx64.efi'], dhcp.slice(-2000));
    const sent = sentFiles(dhcp, root);
    assert.equal(sent[0], 'grubnetx64.efi');
    assert.ok(sent.includes('grub/grub.cfg'), sent.join(' '));
    assert.ok(!sent.includes('pxelinux.0'), sent.join(' '));
  });
});

describe('dnsmasq (full DHCP, --uefi shim): shim loads the netboot GRUB under the name it looks for', { skip: UEFI_NETNS_SKIP }, () => {
  test('a UEFI client is sent bootx64.efi (shim), which fetches grubx64.efi, which shows the GRUB menu', async () => {
    const { work, root, conf } = await prepare(['--mode', 'full', '--uefi', 'shim']);
    const firmware = await uefi(work, 'unused');
    const { log, dhcp } = await bootOnTap(work, conf, [...firmware.args, ...tap()]);
    assert.match(log, /Boot from local disk/, `GRUB menu not on the serial console:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    assert.deepEqual(offeredBootfiles(dhcp), ['bootx64.efi'], dhcp.slice(-2000));
    const sent = [...new Set(sentFiles(dhcp, root))];
    assert.deepEqual(sent.slice(0, 2), ['bootx64.efi', 'grubx64.efi'], sent.join(' '));
    assert.ok(sent.includes('grub/grub.cfg'), sent.join(' '));
  });
});

describe('dnsmasq (full DHCP, --ipxe) chaining through iPXE to boot.ipxe', { skip: NETNS_SKIP }, () => {
  test('an iPXE client (the e1000 ROM) is sent boot.ipxe, not iPXE again, and boots the menu default', async () => {
    const { work, root, conf } = await prepare(['--mode', 'full', '--ipxe']);
    const { log, dhcp } = await bootOnTap(work, conf, tap());
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.deepEqual(offeredBootfiles(dhcp), ['boot.ipxe'], dhcp.slice(-2000));
    assert.deepEqual(sentFiles(dhcp, root).slice(0, 1), ['boot.ipxe']);
  });

  test('a UEFI client without iPXE (OVMF PXE, NIC without ROM) is sent snponly.efi, which then gets boot.ipxe', { skip: UEFI_NETNS_SKIP }, async () => {
    const { work, root, conf } = await prepare(['--mode', 'full', '--ipxe']);
    const firmware = await uefi(work, 'unused');
    const { log, dhcp } = await bootOnTap(work, conf, [...firmware.args, ...tap('virtio-net-pci,romfile=')]);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}\n${dhcp.slice(-3000)}`);
    assert.deepEqual(offeredBootfiles(dhcp), ['snponly.efi', 'boot.ipxe'], dhcp.slice(-3000));
    // OVMF fetches its boot file twice (size, then data); the order is what matters.
    const sent = [...new Set(sentFiles(dhcp, root))];
    assert.deepEqual(sent.slice(0, 2), ['snponly.efi', 'boot.ipxe'], sent.join(' '));
  });
});

/** The install-fest network's own DHCP server: addresses, no boot information. */
async function existingServer(work: string): Promise<string> {
  const file = join(work, 'existing.conf');
  await writeFile(file, ['port=0', 'interface=tap0', 'bind-interfaces', 'dhcp-range=10.0.2.50,10.0.2.60,255.255.255.0,1h', ''].join('\n'));
  return file;
}

describe('dnsmasq in proxy mode beside an existing DHCP server', { skip: NETNS_SKIP }, () => {
  test('a BIOS client gets its address from the existing server and pxelinux.0 from pxe-import\'s proxy', async () => {
    const { work, root, conf } = await prepare([]);
    assert.match(await readFile(conf, 'utf8'), /^dhcp-range=10\.0\.2\.0,proxy,255\.255\.255\.0$/m, 'proxy is the default mode');
    const { log, dhcp, existing, leases } = await bootOnTap(work, conf, tap(), { existing: await existingServer(work) });
    assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    assert.match(existing, /DHCPACK\(tap0\) 10\.0\.2\.5\d /, existing.slice(-2000));
    assert.match(leases, /10\.0\.2\.5\d/);
    assert.doesNotMatch(existing, /option: 67 bootfile-name/, "the existing server sends no boot file");
    assert.doesNotMatch(dhcp, /DHCPACK\(tap0\) 10\.0\.2/, 'the proxy acknowledges no address');
    assert.equal(sentFiles(dhcp, root)[0], 'pxelinux.0', dhcp.slice(-2000));
  });

  test('a UEFI client gets grubnetx64.efi from the proxy and shows the GRUB menu', { skip: UEFI_NETNS_SKIP }, async () => {
    const { work, root, conf } = await prepare([]);
    const firmware = await uefi(work, 'unused');
    const { log, dhcp, existing } = await bootOnTap(work, conf, [...firmware.args, ...tap()], { existing: await existingServer(work) });
    assert.match(log, /Boot from local disk/, `GRUB menu not on the serial console:\n${tail(log)}\n${dhcp.slice(-2000)}`);
    assert.match(log, /INITRD-OK/, `the initrd did not run:\n${tail(log)}`);
    assert.match(existing, /DHCPACK\(tap0\) 10\.0\.2\.5\d /, existing.slice(-2000));
    const sent = sentFiles(dhcp, root);
    assert.equal(sent[0], 'grubnetx64.efi', dhcp.slice(-2000));
    assert.ok(!sent.includes('pxelinux.0'), sent.join(' '));
  });
});
