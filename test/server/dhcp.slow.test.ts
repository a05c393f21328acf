/**
 * The DHCP renderers, checked by the programs that read their output: every dnsmasq variant
 * passes `dnsmasq --test`, every ISC variant `dhcpd -t`, and the lines that choose a boot file
 * are the ones each mode needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';
import { defaultRange, renderDnsmasq, renderIscDhcpd, type DhcpSettings } from '../../src/server/dhcp.js';

const DNSMASQ_SKIP = requirement('dnsmasq', hasCommand('dnsmasq'), 'dnsmasq not installed (apt-get install dnsmasq); skipping its syntax checks');
const DHCPD_SKIP = requirement('dhcpd', hasCommand('dhcpd'), 'ISC dhcpd not installed (apt-get install isc-dhcp-server); skipping its syntax checks');

const base: DhcpSettings = {
  mode: 'full',
  server: '192.168.50.2',
  subnet: '192.168.50.0/24',
  range: { start: '192.168.50.100', end: '192.168.50.199' },
  interface: undefined,
  tftpRoot: '/srv/pxe',
  bios: 'pxelinux',
  uefi: 'grub',
  leaseTime: '12h',
};

const variants: Record<string, DhcpSettings> = {
  'full, pxelinux + grub': base,
  'full, iPXE chaining': { ...base, bios: 'ipxe', uefi: 'ipxe' },
  'full, shim, custom range, interface': { ...base, uefi: 'shim', range: { start: '192.168.50.10', end: '192.168.50.20' }, interface: 'eth1' },
  'full, /22 network': { ...base, subnet: '10.1.0.0/22', server: '10.1.3.1', range: { start: '10.1.1.0', end: '10.1.2.255' } },
  'proxy, pxelinux + grub': { ...base, mode: 'proxy', range: undefined },
  'proxy, iPXE chaining': { ...base, mode: 'proxy', range: undefined, bios: 'ipxe', uefi: 'ipxe' },
  'proxy, pxelinux BIOS + iPXE UEFI': { ...base, mode: 'proxy', range: undefined, uefi: 'ipxe', interface: 'br0' },
};

let work: string;
before(async () => {
  work = await tempDir('pxe-import-dhcp-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function check(command: string, args: (file: string) => string[], text: string, name: string) {
  const file = join(work, `${name.replace(/\W+/g, '-')}.conf`);
  await writeFile(file, text);
  const r = spawnSync(command, args(file), { encoding: 'utf8', timeout: 30_000 });
  return { ...r, file };
}

const dnsmasqTest = (text: string, name: string) => check('dnsmasq', (f) => ['--test', `--conf-file=${f}`], text, name);
const dhcpdTest = (text: string, name: string) => check('dhcpd', (f) => ['-t', '-cf', f], text, name);

describe('dnsmasq configurations', () => {
  for (const [name, s] of Object.entries(variants)) {
    test(`${name}: dnsmasq --test accepts it`, { skip: DNSMASQ_SKIP }, async () => {
      const r = await dnsmasqTest(renderDnsmasq(s), name);
      assert.equal(r.status, 0, `${r.file}: ${r.stderr}`);
      assert.match(r.stderr, /syntax check OK/);
    });
  }

  test('the checker is real: a broken line fails dnsmasq --test', { skip: DNSMASQ_SKIP }, async () => {
    const r = await dnsmasqTest(`${renderDnsmasq(base)}dhcp-boot=tag:efi-x86_64\ndhcp-range=nonsense\n`, 'broken');
    assert.notEqual(r.status, 0);
  });

  test('full mode: a range, arch matching, BIOS and UEFI files, no iPXE lines unless chaining', () => {
    const text = renderDnsmasq(base);
    assert.match(text, /^port=0$/m);
    assert.match(text, /^dhcp-range=192\.168\.50\.100,192\.168\.50\.199,255\.255\.255\.0,12h$/m);
    assert.match(text, /^tftp-root=\/srv\/pxe$/m);
    assert.match(text, /^dhcp-match=set:efi-x86_64,option:client-arch,7$/m);
    assert.match(text, /^dhcp-match=set:efi-x86_64,option:client-arch,9$/m);
    assert.match(text, /^dhcp-boot=tag:!efi-x86_64,pxelinux\.0$/m);
    assert.match(text, /^dhcp-boot=tag:efi-x86_64,grubnetx64\.efi$/m);
    assert.doesNotMatch(text, /ipxe/i);
    assert.doesNotMatch(text, /^interface=/m);
  });

  test('full mode with iPXE chaining: iPXE clients get boot.ipxe, the others iPXE itself', () => {
    const text = renderDnsmasq(variants['full, iPXE chaining']!);
    assert.match(text, /^dhcp-userclass=set:ipxe,iPXE$/m);
    assert.match(text, /^dhcp-boot=tag:!ipxe,tag:!efi-x86_64,undionly\.kpxe$/m);
    assert.match(text, /^dhcp-boot=tag:!ipxe,tag:efi-x86_64,snponly\.efi$/m);
    assert.match(text, /^dhcp-boot=tag:ipxe,boot\.ipxe$/m);
  });

  test('shim and an interface', () => {
    const text = renderDnsmasq(variants['full, shim, custom range, interface']!);
    assert.match(text, /^dhcp-boot=tag:efi-x86_64,bootx64\.efi$/m);
    assert.match(text, /^interface=eth1\nbind-interfaces$/m);
    assert.match(text, /^dhcp-range=192\.168\.50\.10,192\.168\.50\.20,/m);
  });

  test('proxy mode: no addresses, one pxe-service per client type; pxelinux.0 without its ".0" (dnsmasq adds it)', () => {
    const text = renderDnsmasq(variants['proxy, pxelinux + grub']!);
    assert.match(text, /^dhcp-range=192\.168\.50\.0,proxy,255\.255\.255\.0$/m);
    assert.match(text, /^pxe-service=x86PC,"pxe-import \(BIOS\)",pxelinux$/m);
    assert.match(text, /^pxe-service=X86-64_EFI,"pxe-import \(UEFI\)",grubnetx64\.efi$/m);
    assert.match(text, /^pxe-service=BC_EFI,"pxe-import \(UEFI\)",grubnetx64\.efi$/m);
    assert.doesNotMatch(text, /dhcp-boot|ipxe/);
    const chained = renderDnsmasq(variants['proxy, iPXE chaining']!);
    assert.match(chained, /^pxe-service=tag:!ipxe,x86PC,"pxe-import \(BIOS\)",undionly\.kpxe$/m);
    assert.match(chained, /^pxe-service=tag:ipxe,x86PC,"pxe-import \(iPXE\)",boot\.ipxe$/m);
    assert.match(chained, /^pxe-service=tag:ipxe,X86-64_EFI,"pxe-import \(iPXE\)",boot\.ipxe$/m);
  });

  test('settings that would write a broken or dangerous file are refused with one line', () => {
    const bad: [Partial<DhcpSettings>, RegExp][] = [
      [{ server: '10.9.9.9' }, /--server 10\.9\.9\.9 is not in 192\.168\.50\.0\/24/],
      [{ range: { start: '192.168.50.200', end: '192.168.50.100' } }, /--range .*START <= END/],
      [{ range: { start: '192.168.50.1', end: '192.168.50.9' } }, /contains the server's own address/],
      [{ range: undefined }, /needs an address range/],
      [{ mode: 'proxy' }, /proxy DHCP hands out no addresses/],
      [{ tftpRoot: '/srv/pxe,eth0' }, /TFTP root must be an absolute path/],
      [{ tftpRoot: 'relative' }, /TFTP root must be an absolute path/],
      [{ interface: 'eth0\nport=53' }, /not an interface name/],
      [{ subnet: '192.168.50.0/33' }, /expected NETWORK\/BITS/],
      [{ server: '192.168.50.256' }, /expected an IPv4 address/],
    ];
    for (const [change, message] of bad) assert.throws(() => renderDnsmasq({ ...base, ...change }), message, JSON.stringify(change));
  });

  test('default range: hosts 100-199, clipped to small networks', () => {
    assert.deepEqual(defaultRange('10.0.2.0/24'), { start: '10.0.2.100', end: '10.0.2.199' });
    assert.deepEqual(defaultRange('10.0.2.128/25'), { start: '10.0.2.228', end: '10.0.2.254' });
    assert.throws(() => defaultRange('10.0.2.0/26'), /too small/);
  });
});

describe('ISC dhcpd configurations', () => {
  for (const [name, s] of Object.entries(variants).filter(([, s]) => s.mode === 'full')) {
    test(`${name}: dhcpd -t accepts it`, { skip: DHCPD_SKIP }, async () => {
      const r = await dhcpdTest(renderIscDhcpd(s), name);
      assert.equal(r.status, 0, `${r.file}: ${r.stderr}`);
    });
  }

  test('the checker is real: a broken statement fails dhcpd -t', { skip: DHCPD_SKIP }, async () => {
    const r = await dhcpdTest(renderIscDhcpd(base).replace('next-server', 'next-servr'), 'broken-isc');
    assert.notEqual(r.status, 0);
  });

  test('next-server, the arch test and, when chaining, the iPXE user class first', () => {
    const text = renderIscDhcpd(base);
    assert.match(text, /^option pxe-import-arch code 93 = unsigned integer 16;$/m);
    assert.match(text, /^subnet 192\.168\.50\.0 netmask 255\.255\.255\.0 \{$/m);
    assert.match(text, /^ {2}next-server 192\.168\.50\.2;$/m);
    assert.match(text, /if option pxe-import-arch = 00:07 or option pxe-import-arch = 00:09 \{\n {4}filename "grubnetx64\.efi";\n {2}\} else \{\n {4}filename "pxelinux\.0";/);
    const chained = renderIscDhcpd(variants['full, iPXE chaining']!);
    assert.match(chained, /if exists user-class and option user-class = "iPXE" \{\n {4}filename "boot\.ipxe";\n {2}\} elsif option pxe-import-arch = 00:07 or option pxe-import-arch = 00:09 \{\n {4}filename "snponly\.efi";\n {2}\} else \{\n {4}filename "undionly\.kpxe";/);
  });

  test('proxy mode has no ISC equivalent: a usage error', () => {
    assert.throws(() => renderIscDhcpd({ ...base, mode: 'proxy', range: undefined }), /ISC dhcpd has no proxy-DHCP mode/);
  });
});

describe('pxe-import dhcp (CLI)', () => {
  const args = ['dhcp', '--server', '192.168.50.2', '--subnet', '192.168.50.0/24'];

  test('prints proxy mode by default, with the root as tftp-root; dnsmasq accepts it', { skip: DNSMASQ_SKIP }, async () => {
    const r = await runCli([...args, '--root', join(work, 'pxe')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dhcp-range=192\.168\.50\.0,proxy,255\.255\.255\.0$/m);
    assert.match(r.stdout, new RegExp(`^tftp-root=${join(work, 'pxe')}$`, 'm'));
    assert.equal((await dnsmasqTest(r.stdout, 'cli-proxy')).status, 0);
  });

  test('--mode full --ipxe --write FILE writes a file dnsmasq accepts; a second write is "unchanged"', { skip: DNSMASQ_SKIP }, async () => {
    const file = join(work, 'pxe-import.conf');
    const first = await runCli([...args, '--root', '/srv/pxe', '--mode', 'full', '--ipxe', '--write', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /written/);
    const r = spawnSync('dnsmasq', ['--test', `--conf-file=${file}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const second = await runCli([...args, '--root', '/srv/pxe', '--mode', 'full', '--ipxe', '--write', file]);
    assert.match(second.stdout, /unchanged/);
  });

  test('--write never replaces a file pxe-import did not write, unless --force', async () => {
    const file = join(work, 'admin.conf');
    await writeFile(file, 'dhcp-range=192.168.50.10,192.168.50.20\n');
    const r = await runCli([...args, '--write', file]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /admin\.conf: exists and was not written by pxe-import; pass --force/);
    assert.equal((await runCli([...args, '--write', file, '--force'])).code, 0);
  });

  test('--isc prints dhcpd text that dhcpd -t accepts', { skip: DHCPD_SKIP }, async () => {
    const r = await runCli([...args, '--mode', 'full', '--range', '192.168.50.30,192.168.50.40', '--isc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /range 192\.168\.50\.30 192\.168\.50\.40;/);
    assert.equal((await dhcpdTest(r.stdout, 'cli-isc')).status, 0);
  });

  test('bad flags are usage errors (exit 2, one line)', async () => {
    for (const bad of [['--mode', 'half'], ['--bios', 'grub'], ['--uefi', 'pxelinux'], ['--range', '1.2.3.4'], ['--isc']]) {
      const r = await runCli([...args, ...bad]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
