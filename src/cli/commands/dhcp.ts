import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PxeError } from '../../errors.js';
import { writeFileAtomic } from '../../import/fs-atomic.js';
import { readRootState } from '../../import/read.js';
import { resolveServer } from '../../import/settings.js';
import { GENERATED_DHCP_MARKER, defaultRange, renderDnsmasq, renderIscDhcpd, type BiosLoader, type DhcpSettings, type UefiLoader } from '../../server/dhcp.js';
import { rootRequest } from '../root-options.js';

export interface DhcpFlags {
  root?: string;
  config?: string;
  server?: string;
  subnet?: string;
  mode: string;
  range?: string;
  interface?: string;
  bios: string;
  uefi: string;
  ipxe?: boolean;
  isc?: boolean;
  write?: string;
  force?: boolean;
}

export function registerDhcp(program: Command): void {
  program
    .command('dhcp')
    .description('Print (or write) a dnsmasq configuration that boots clients from the PXE root; --isc for ISC dhcpd')
    .option('--root <dir>', 'PXE root = TFTP root; default: $PXE_ROOT, the config file, else /srv/pxe')
    .option('--config <file>', 'settings file (default: /etc/pxe-import/config.json when present)')
    .option('--mode <mode>', 'proxy: boot information only, beside an existing DHCP server; full: also hand out addresses', 'proxy')
    .option('--server <addr>', "this host's address on the clients' network (default: the root's recorded server, else this host's first IPv4)")
    .option('--subnet <cidr>', "the clients' network, e.g. 192.168.1.0/24 (default: the server address's)")
    .option('--range <start,end>', 'full mode: addresses to hand out (default: hosts .100 to .199 of the subnet)')
    .option('--interface <name>', 'answer only on this interface')
    .option('--bios <loader>', 'BIOS clients boot pxelinux (pxelinux.0) or ipxe (undionly.kpxe)', 'pxelinux')
    .option('--uefi <loader>', 'UEFI clients boot grub (grubnetx64.efi), shim (bootx64.efi, Secure Boot) or ipxe (snponly.efi)', 'grub')
    .option('--ipxe', 'chain through iPXE: --bios ipxe --uefi ipxe; iPXE clients then get boot.ipxe')
    .option('--isc', 'print an ISC dhcpd configuration instead (full mode only)')
    .option('--write <file>', 'write to FILE instead of printing (a file pxe-import did not write is kept unless --force)')
    .option('--force', 'with --write: replace a file pxe-import did not write')
    .action(async (flags: DhcpFlags) => {
      const { config, request } = await rootRequest({ root: flags.root, config: flags.config, server: flags.server }, {});
      // The same resolution as import: the flag, the config file, the root's recorded server, this host.
      const recorded = (await readRootState(request.root)).settings;
      const server = resolveServer(flags.server, config, recorded, request.network);
      const settings = dhcpSettings(flags, request.root, server, request.network.subnetOf(server));
      const text = flags.isc ? renderIscDhcpd(settings) : renderDnsmasq(settings);
      if (flags.write === undefined) {
        process.stdout.write(text);
        return;
      }
      const file = resolve(flags.write);
      const existing = await readFile(file, 'utf8').catch(() => undefined);
      if (existing !== undefined && !existing.includes(GENERATED_DHCP_MARKER) && !flags.force) {
        throw new PxeError('TARGET_EXISTS', `${file}: exists and was not written by pxe-import; pass --force to replace it`, { file });
      }
      const changed = await writeFileAtomic(file, text);
      process.stdout.write(`${file}: ${changed ? 'written' : 'unchanged'}\n`);
    });
}

/** The DHCP settings the flags give (serve --dhcp takes the same). */
export function dhcpSettings(flags: DhcpFlags, tftpRoot: string, server: string, serverSubnet: string | undefined): DhcpSettings {
  const mode = flags.mode;
  if (mode !== 'full' && mode !== 'proxy') throw new PxeError('USAGE', `--mode: expected proxy or full, got "${mode}"`);
  const bios = flags.ipxe ? 'ipxe' : flags.bios;
  const uefi = flags.ipxe ? 'ipxe' : flags.uefi;
  if (bios !== 'pxelinux' && bios !== 'ipxe') throw new PxeError('USAGE', `--bios: expected pxelinux or ipxe, got "${bios}"`);
  if (uefi !== 'grub' && uefi !== 'shim' && uefi !== 'ipxe') throw new PxeError('USAGE', `--uefi: expected grub, shim or ipxe, got "${uefi}"`);
  const subnet = flags.subnet ?? serverSubnet;
  if (!subnet) throw new PxeError('USAGE', `cannot tell the subnet of ${server}: pass --subnet (e.g. 192.168.1.0/24)`);
  let range: DhcpSettings['range'];
  if (flags.range !== undefined) {
    const [start, end, ...rest] = flags.range.split(',').map((x) => x.trim());
    if (!start || !end || rest.length > 0) throw new PxeError('USAGE', `--range: expected START,END, got "${flags.range}"`);
    range = { start, end };
  } else if (mode === 'full') {
    range = defaultRange(subnet);
  }
  return { mode, server, subnet, range, interface: flags.interface, tftpRoot, bios: bios as BiosLoader, uefi: uefi as UefiLoader, leaseTime: '12h' };
}
