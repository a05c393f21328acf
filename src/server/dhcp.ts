/**
 * DHCP configuration for booting from a PXE root: pure renderers from a DhcpSettings model to
 * dnsmasq and ISC dhcpd text.
 *
 * Facts this relies on (dnsmasq(8), RFC 4578, iPXE docs):
 *  - Option 93 (client architecture) is 0 for BIOS and 7 or 9 for x86-64 UEFI; dnsmasq's
 *    `dhcp-match=set:TAG,option:client-arch,N` tags those clients.
 *  - iPXE sends user class "iPXE" (`dhcp-userclass=set:ipxe,iPXE`), so a client that already runs
 *    iPXE gets the menu script instead of iPXE again: without that, chaining loops forever.
 *  - Proxy DHCP (`dhcp-range=NET,proxy`) answers only the PXE part while another server hands out
 *    addresses; boot files then come from `pxe-service` lines, one per client system type (CSA).
 *    With one service per CSA and no pxe-prompt the client boots it at once. For x86PC dnsmasq
 *    adds the ".0" layer suffix unless the name already has a suffix.
 *  - `port=0` turns dnsmasq's DNS off: a DHCP/TFTP-only server never clashes with a resolver.
 */
import { PxeError } from '../errors.js';

export const GENERATED_DHCP_MARKER = 'written by pxe-import dhcp';

export type BiosLoader = 'pxelinux' | 'ipxe';
export type UefiLoader = 'grub' | 'shim' | 'ipxe';

/** The file each choice hands to clients that do not run iPXE yet; all are laid out by `pxe-import init`. */
export const BIOS_FILES: Readonly<Record<BiosLoader, string>> = { pxelinux: 'pxelinux.0', ipxe: 'undionly.kpxe' };
export const UEFI_FILES: Readonly<Record<UefiLoader, string>> = { grub: 'grubnetx64.efi', shim: 'bootx64.efi', ipxe: 'snponly.efi' };
export const IPXE_SCRIPT = 'boot.ipxe';

export interface DhcpSettings {
  /** full: hand out addresses too; proxy: boot information only, beside an existing DHCP server. */
  readonly mode: 'full' | 'proxy';
  /** This host's address: the TFTP server (next-server). */
  readonly server: string;
  /** The clients' network, e.g. "192.168.1.0/24". */
  readonly subnet: string;
  /** Full mode: the addresses handed out. */
  readonly range: { readonly start: string; readonly end: string } | undefined;
  /** Listen only on this interface. */
  readonly interface: string | undefined;
  readonly tftpRoot: string;
  readonly bios: BiosLoader;
  readonly uefi: UefiLoader;
  readonly leaseTime: string;
}

/** iPXE clients get boot.ipxe whenever an iPXE loader is handed out (else they would load iPXE again). */
export function chainsIpxe(s: Pick<DhcpSettings, 'bios' | 'uefi'>): boolean {
  return s.bios === 'ipxe' || s.uefi === 'ipxe';
}

export function parseIpv4(text: string, what: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  const octets = m?.slice(1).map(Number);
  if (!octets || octets.some((o) => o > 255)) throw new PxeError('USAGE', `${what}: expected an IPv4 address, got "${text}"`);
  return octets.reduce((n, o) => n * 256 + o, 0);
}

export const formatIpv4 = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export interface Subnet {
  readonly network: number;
  readonly bits: number;
  readonly mask: number;
}

export function parseSubnet(text: string, what = '--subnet'): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  const bits = Number(m?.[2]);
  if (!m || bits < 8 || bits > 30) throw new PxeError('USAGE', `${what}: expected NETWORK/BITS such as 192.168.1.0/24 (8 to 30 bits), got "${text}"`);
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return { network: (parseIpv4(m[1]!, what) & mask) >>> 0, bits, mask };
}

const inside = (ip: number, s: Subnet) => ((ip & s.mask) >>> 0) === s.network;

/** The default full-mode range: host addresses 100 to 199 of the subnet, clipped to it. */
export function defaultRange(subnet: string): { start: string; end: string } {
  const s = parseSubnet(subnet);
  const last = (s.network | (~s.mask >>> 0)) >>> 0;
  const start = s.network + 100;
  if (start >= last) throw new PxeError('USAGE', `${subnet} is too small for the default range: pass --range START,END`);
  return { start: formatIpv4(start), end: formatIpv4(Math.min(s.network + 199, last - 1)) };
}

/** Checks a settings model before rendering: every value lands in a config file verbatim. */
export function checkSettings(s: DhcpSettings): Subnet {
  const subnet = parseSubnet(s.subnet);
  const server = parseIpv4(s.server, '--server');
  if (!inside(server, subnet)) throw new PxeError('USAGE', `--server ${s.server} is not in ${s.subnet}: clients could not reach it (pass --subnet)`);
  if (s.mode === 'full') {
    if (!s.range) throw new PxeError('USAGE', 'full DHCP needs an address range (--range START,END)');
    const start = parseIpv4(s.range.start, '--range');
    const end = parseIpv4(s.range.end, '--range');
    if (!inside(start, subnet) || !inside(end, subnet) || start > end) throw new PxeError('USAGE', `--range ${s.range.start},${s.range.end}: expected START <= END, both in ${s.subnet}`);
    if (server >= start && server <= end) throw new PxeError('USAGE', `--range ${s.range.start},${s.range.end} contains the server's own address ${s.server}`);
  } else if (s.range) {
    throw new PxeError('USAGE', '--range: proxy DHCP hands out no addresses (use --mode full)');
  }
  if (s.interface !== undefined && !/^[A-Za-z0-9_.:@-]{1,15}$/.test(s.interface)) throw new PxeError('USAGE', `--interface: not an interface name: "${s.interface}"`);
  // dnsmasq reads "tftp-root=DIR[,INTERFACE]" and dhcpd quotes nothing here: keep the path plain.
  if (!s.tftpRoot.startsWith('/') || /[,\s"\\]/.test(s.tftpRoot)) throw new PxeError('USAGE', `${s.tftpRoot}: the TFTP root must be an absolute path without blanks, commas, quotes or backslashes`);
  if (!/^\d+[smhd]?$|^infinite$/.test(s.leaseTime)) throw new PxeError('USAGE', `lease time: expected e.g. 12h, got "${s.leaseTime}"`);
  return subnet;
}

function summary(s: DhcpSettings): string[] {
  const lines = [
    `#   BIOS clients:        ${BIOS_FILES[s.bios]}`,
    `#   UEFI x86-64 clients: ${UEFI_FILES[s.uefi]}`,
  ];
  if (chainsIpxe(s)) lines.push(`#   iPXE clients:        ${IPXE_SCRIPT} (the pxe-import menu)`);
  return lines;
}

/** A dnsmasq configuration file (conf-file or /etc/dnsmasq.d/ snippet). */
export function renderDnsmasq(s: DhcpSettings): string {
  const subnet = checkSettings(s);
  const netmask = formatIpv4(subnet.mask);
  const ipxe = chainsIpxe(s);
  const out = [
    `# pxe-import: dnsmasq configuration ${GENERATED_DHCP_MARKER} (${s.mode === 'full' ? 'full DHCP' : 'proxy DHCP, beside an existing DHCP server'}).`,
    `# Boot files from ${s.tftpRoot} (lay them out with pxe-import init):`,
    ...summary(s),
    '',
    '# DHCP and TFTP only: no DNS.',
    'port=0',
  ];
  if (s.interface !== undefined) out.push(`interface=${s.interface}`, 'bind-interfaces');
  out.push(s.mode === 'full' ? `dhcp-range=${s.range!.start},${s.range!.end},${netmask},${s.leaseTime}` : `dhcp-range=${formatIpv4(subnet.network)},proxy,${netmask}`);
  out.push('enable-tftp', `tftp-root=${s.tftpRoot}`);
  if (ipxe) out.push('', '# iPXE says so in its user class; it gets the menu script, not iPXE again.', 'dhcp-userclass=set:ipxe,iPXE');
  const notIpxe = ipxe ? 'tag:!ipxe,' : '';
  const bios = BIOS_FILES[s.bios];
  const uefi = UEFI_FILES[s.uefi];
  if (s.mode === 'full') {
    out.push(
      '',
      '# Client architecture (option 93): 7 and 9 are x86-64 UEFI, anything else boots the BIOS loader.',
      'dhcp-match=set:efi-x86_64,option:client-arch,7',
      'dhcp-match=set:efi-x86_64,option:client-arch,9',
      `dhcp-boot=${notIpxe}tag:!efi-x86_64,${bios}`,
      `dhcp-boot=${notIpxe}tag:efi-x86_64,${uefi}`,
    );
    if (ipxe) out.push(`dhcp-boot=tag:ipxe,${IPXE_SCRIPT}`);
  } else {
    // x86PC gets the ".0" layer suffix added by dnsmasq unless the name has a suffix of its own.
    const biosService = bios.endsWith('.0') ? bios.slice(0, -2) : bios;
    out.push(
      '',
      '# One boot service per client system type: PXE boots it without a prompt.',
      `pxe-service=${notIpxe}x86PC,"pxe-import (BIOS)",${biosService}`,
      `pxe-service=${notIpxe}X86-64_EFI,"pxe-import (UEFI)",${uefi}`,
      `pxe-service=${notIpxe}BC_EFI,"pxe-import (UEFI)",${uefi}`,
    );
    if (ipxe) {
      out.push(
        `pxe-service=tag:ipxe,x86PC,"pxe-import (iPXE)",${IPXE_SCRIPT}`,
        `pxe-service=tag:ipxe,X86-64_EFI,"pxe-import (iPXE)",${IPXE_SCRIPT}`,
        `pxe-service=tag:ipxe,BC_EFI,"pxe-import (iPXE)",${IPXE_SCRIPT}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The ISC dhcpd equivalent: one subnet declaration with next-server and a filename chosen by
 * user class (iPXE) and client architecture. dhcpd has no proxy mode; beside another DHCP server,
 * copy next-server and the filename block into that server's subnet.
 */
export function renderIscDhcpd(s: DhcpSettings): string {
  if (s.mode === 'proxy') throw new PxeError('USAGE', '--isc: ISC dhcpd has no proxy-DHCP mode; use --mode full (or dnsmasq for proxy DHCP)');
  const subnet = checkSettings(s);
  const ipxe = chainsIpxe(s);
  const out = [
    `# pxe-import: ISC dhcpd configuration ${GENERATED_DHCP_MARKER} (full DHCP).`,
    `# Boot files are served by a TFTP server whose root is ${s.tftpRoot} (lay them out with pxe-import init):`,
    ...summary(s),
    '',
    '# RFC 4578 client system architecture: 7 and 9 are x86-64 UEFI.',
    'option pxe-import-arch code 93 = unsigned integer 16;',
    '',
    `subnet ${formatIpv4(subnet.network)} netmask ${formatIpv4(subnet.mask)} {`,
    `  range ${s.range!.start} ${s.range!.end};`,
    `  default-lease-time ${leaseSeconds(s.leaseTime)};`,
    `  next-server ${s.server};`,
  ];
  const branches: [string, string][] = [];
  if (ipxe) branches.push(['exists user-class and option user-class = "iPXE"', IPXE_SCRIPT]);
  branches.push(['option pxe-import-arch = 00:07 or option pxe-import-arch = 00:09', UEFI_FILES[s.uefi]]);
  branches.forEach(([cond, file], i) => out.push(`  ${i === 0 ? 'if' : '} elsif'} ${cond} {`, `    filename "${file}";`));
  out.push('  } else {', `    filename "${BIOS_FILES[s.bios]}";`, '  }', '}');
  return `${out.join('\n')}\n`;
}

function leaseSeconds(t: string): number {
  if (t === 'infinite') return 4294967295;
  const m = /^(\d+)([smhd]?)$/.exec(t)!;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const)[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}
