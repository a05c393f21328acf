/**
 * The one place that decides a root's path, server address, clients, HTTP base and exports file.
 * Pure: the caller passes what the command line, the environment, the config file and the
 * root's recorded state say, and the host's network as a lookup. Every value is validated here,
 * before anything is written (also for --dry-run), and every refusal is one line naming the flag.
 *
 * Precedence, for each setting: the flag, then the config file, then what the root recorded,
 * then a default guessed from this host. A recorded setting is never replaced silently: a change
 * is listed in `changes`, which the commands report.
 */
import { resolve } from 'node:path';
import { PxeError } from '../errors.js';
import type { ConfigFile } from './config.js';
import type { RootSettings } from './state.js';

export const DEFAULT_ROOT = '/srv/pxe';
export const DEFAULT_EXPORTS_FILE = '/etc/exports.d/pxe-import.exports';

/** What this host's network says; injected so that tests (and `inspect`) do not depend on the machine. */
export interface HostNetwork {
  /** The first non-internal IPv4 address. */
  readonly primaryIpv4: () => string | undefined;
  /** The subnet ("192.168.1.0/24") of the interface holding this address. */
  readonly subnetOf: (address: string) => string | undefined;
}

/** The settings flags every command that touches a root may give. */
export interface SettingFlags {
  readonly root?: string;
  readonly exportsFile?: string;
  readonly httpBase?: string;
  readonly server?: string;
  readonly clients?: string;
}

export interface MenuSettings {
  readonly title: string;
  readonly timeoutSeconds: number;
  readonly defaultEntry: string;
  /** Mirror pxelinux and GRUB menus on this serial port (labs with serial consoles, and the boot tests). */
  readonly serial: { readonly port: number; readonly speed: number } | undefined;
}

/** Characters that cannot stand in a path named on a kernel command line or in an exports line. */
const UNSAFE_PATH = /[\s"'`\\,;#$\u0000-\u001f\u007f]/;

/**
 * The PXE root: --root, $PXE_ROOT, the config file, else /srv/pxe. It is named on kernel command
 * lines (nfsroot=SERVER:PATH) and exports lines, where a blank splits an argument and a comma
 * starts NFS options, so such roots are refused rather than half-escaped for some loaders.
 */
export function resolveRootDir(flag: string | undefined, env: string | undefined, config: ConfigFile): string {
  const [given, what] = flag !== undefined ? [flag, '--root'] : env !== undefined ? [env, '$PXE_ROOT'] : config.root !== undefined ? [config.root, 'root in the config file'] : [DEFAULT_ROOT, 'root'];
  if (given.trim() === '') throw new PxeError('USAGE', `${what}: empty; name the PXE root directory (e.g. ${DEFAULT_ROOT})`);
  const root = resolve(given);
  const bad = UNSAFE_PATH.exec(root);
  if (bad) {
    throw new PxeError('USAGE', `${what}: ${JSON.stringify(root)} contains ${describeChar(bad[0])}, which kernel command lines (nfsroot=) and exports lines cannot carry; use a path without it`);
  }
  if (root === '/') throw new PxeError('USAGE', `${what}: the file system root cannot be a PXE root`);
  return root;
}

/** Checks an exports file path (flag or config) and makes it absolute. */
function checkExportsFile(path: string, what: string): string {
  if (path.trim() === '') throw new PxeError('USAGE', `${what}: empty; name the exports file (e.g. ${DEFAULT_EXPORTS_FILE})`);
  return resolve(path);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The server address clients use. Only an IPv4 address will do: it is written into nfsroot=,
 * root=nfs:, fetch= and iPXE URLs, and the initramfs NFS clients of the supported families
 * (klibc nfsmount, live-boot, dracut) neither resolve host names nor take a bracketed IPv6 address.
 */
export function checkServer(value: string, what: string): string {
  if (IPV4.test(value)) return value;
  if (/[\s\u0000-\u001f\u007f]/.test(value)) throw new PxeError('USAGE', `${what}: ${JSON.stringify(value)} is not one address (it contains blanks or control characters)`);
  if (value.includes(':')) throw new PxeError('USAGE', `${what}: ${value}: IPv6 addresses are not supported: the initramfs NFS clients take an IPv4 address`);
  if (/^[\d.]+$/.test(value)) throw new PxeError('USAGE', `${what}: ${value} is not a valid IPv4 address`);
  throw new PxeError('USAGE', `${what}: ${JSON.stringify(value)}: give the server's IPv4 address; boot-time NFS clients cannot resolve host names`);
}

/**
 * One exports(5) client: a host name or wildcard, an IP address or network (CIDR or netmask),
 * an @netgroup, or "*". Options are pxe-import's to set, so "(", ")" are refused, and so is "#",
 * which would start a comment and drop the rest of the exports line.
 */
const CLIENT = /^(\*|@[A-Za-z0-9._-]+|[A-Za-z0-9*?[\]._-]+|[0-9a-fA-F:.]+(\/[0-9.]+)?|[A-Za-z0-9._-]+\/[0-9.]+)$/;

export function checkClients(list: readonly string[], what: string): string[] {
  if (list.length === 0) throw new PxeError('USAGE', `${what}: no client given`);
  for (const c of list) {
    if (c.includes('(') || c.includes(')')) throw new PxeError('USAGE', `${what}: "${c}": give clients without export options; pxe-import sets the options itself`);
    if (!CLIENT.test(c)) throw new PxeError('USAGE', `${what}: invalid NFS client ${JSON.stringify(c)}: expected a host name, an address or network (192.0.2.0/24), an @netgroup or *`);
  }
  return [...list];
}

function splitClients(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [...value];
}

/** An http(s) URL of the root, ending in "/": named in iPXE scripts and fetch= arguments, so no blanks or quotes. */
export function checkHttpBase(value: string, what: string): string {
  if (!/^https?:\/\/[^/\s"'<>\\]+(\/[^\s"'<>\\]*)?$/.test(value) || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new PxeError('USAGE', `${what}: expected an http:// or https:// URL without blanks or quotes, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/*$/, '/');
}

/**
 * Checks every setting the flags and the config file give, without resolving anything: commands
 * call it first, so a bad value is one plain line before any work starts (resolveSettings checks
 * the same values again where it uses them).
 */
export function checkSettingFlags(flags: SettingFlags, config: ConfigFile): void {
  if (flags.server !== undefined) checkServer(flags.server, '--server');
  if (config.server !== undefined) checkServer(config.server, 'server in the config file');
  if (flags.clients !== undefined) checkClients(splitClients(flags.clients), '--clients');
  if (config.clients !== undefined) checkClients(splitClients(config.clients), 'clients in the config file');
  if (flags.httpBase !== undefined) checkHttpBase(flags.httpBase, '--http-base');
  if (config.httpBase !== undefined) checkHttpBase(config.httpBase, 'httpBase in the config file');
  if (flags.exportsFile !== undefined) checkExportsFile(flags.exportsFile, '--exports-file');
  if (config.exportsFile !== undefined) checkExportsFile(config.exportsFile, 'exportsFile in the config file');
}

/** The server address alone (dhcp, inspect): --server, the config file, the recorded one, else this host's. */
export function resolveServer(flag: string | undefined, config: ConfigFile, recorded: RootSettings | undefined, network: HostNetwork): string {
  if (flag !== undefined) return checkServer(flag, '--server');
  if (config.server !== undefined) return checkServer(config.server, 'server in the config file');
  if (recorded?.server) return recorded.server;
  const ip = network.primaryIpv4();
  if (!ip) throw new PxeError('USAGE', 'no IPv4 address found on this host: pass --server ADDR');
  return ip;
}

/** The settings a root serves with after this command, and the recorded ones it changed. */
export interface ResolvedSettings {
  readonly settings: RootSettings;
  /** "server: 192.0.2.10 -> 192.0.2.20 (--server)": recorded settings this command changes. */
  readonly changes: readonly string[];
  /** Settings guessed from this host because nothing gave or recorded them (said, so a wrong guess is seen). */
  readonly guessed: readonly string[];
}

/**
 * Server, clients, HTTP base and exports file for a root. `needServer` is false for commands that
 * never name the server (remove, host, chain, init): they keep the recorded values and guess nothing.
 */
export function resolveSettings(
  flags: SettingFlags,
  config: ConfigFile,
  recorded: RootSettings | undefined,
  network: HostNetwork,
  needServer = true,
): ResolvedSettings {
  const changes: string[] = [];
  const guessed: string[] = [];
  const pick = <T>(key: string, flag: T | undefined, fromConfig: T | undefined, was: T | undefined, guess: () => T, same: (a: T, b: T) => boolean, show: (v: T) => string): T => {
    const [value, source] = flag !== undefined ? [flag, `--${key}`] : fromConfig !== undefined ? [fromConfig, 'config file'] : [undefined, ''];
    if (value === undefined) {
      if (was !== undefined) return was;
      const g = guess();
      guessed.push(`${key} ${show(g)}`);
      return g;
    }
    if (was !== undefined && !same(was, value)) changes.push(`${key}: ${show(was)} -> ${show(value)} (${source})`);
    return value;
  };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  const serverFlag = flags.server !== undefined ? checkServer(flags.server, '--server') : undefined;
  const serverConfig = config.server !== undefined ? checkServer(config.server, 'server in the config file') : undefined;
  const server = pick(
    'server',
    serverFlag,
    serverConfig,
    recorded?.server,
    () => {
      const ip = needServer ? network.primaryIpv4() : undefined;
      if (!ip) {
        if (needServer) throw new PxeError('USAGE', 'no IPv4 address found on this host: pass --server ADDR');
        return '';
      }
      return ip;
    },
    same,
    String,
  );
  const clientsFlag = flags.clients !== undefined ? checkClients(splitClients(flags.clients), '--clients') : undefined;
  const clientsConfig = config.clients !== undefined ? checkClients(splitClients(config.clients), 'clients in the config file') : undefined;
  const clients = pick(
    'clients',
    clientsFlag,
    clientsConfig,
    recorded?.clients,
    () => {
      if (!needServer) return [];
      const subnet = network.subnetOf(server);
      if (!subnet) throw new PxeError('USAGE', `cannot tell the subnet of ${server}: pass --clients SPEC (e.g. 192.168.1.0/24)`);
      return [subnet];
    },
    same,
    (v) => v.join(','),
  );
  const httpFlag = flags.httpBase !== undefined ? checkHttpBase(flags.httpBase, '--http-base') : undefined;
  const httpConfig = config.httpBase !== undefined ? checkHttpBase(config.httpBase, 'httpBase in the config file') : undefined;
  // No HTTP base is a setting too (TFTP): it is recorded, and only a flag or the config file sets one.
  const httpBase = httpFlag ?? httpConfig ?? (recorded ? recorded.httpBase : undefined);
  if (recorded && (httpFlag ?? httpConfig) !== undefined && recorded.httpBase !== httpBase) {
    changes.push(`http-base: ${recorded.httpBase ?? '(none: TFTP)'} -> ${httpBase} (${httpFlag !== undefined ? '--http-base' : 'config file'})`);
  }
  const exportsFlag = flags.exportsFile !== undefined ? checkExportsFile(flags.exportsFile, '--exports-file') : undefined;
  const exportsConfig = config.exportsFile !== undefined ? checkExportsFile(config.exportsFile, 'exportsFile in the config file') : undefined;
  const exportsFile = pick('exports-file', exportsFlag, exportsConfig, recorded?.exportsFile, () => DEFAULT_EXPORTS_FILE, same, String);
  // A default exports file is no guess about the network: not worth a line of its own.
  const shown = guessed.filter((g) => !g.startsWith('exports-file'));
  return { settings: { server, clients, httpBase, exportsFile }, changes, guessed: shown };
}

/** Menu settings from the config file (they are the admin's, not the root's: not recorded). */
export function menuSettings(config: ConfigFile): MenuSettings {
  let serial: MenuSettings['serial'];
  if (config.serialConsole !== undefined) {
    const m = /^(\d)\s+(\d{4,6})$/.exec(config.serialConsole.trim());
    if (!m) throw new PxeError('USAGE', `serialConsole: expected "PORT SPEED" such as "0 115200", got "${config.serialConsole}"`);
    serial = { port: Number(m[1]), speed: Number(m[2]) };
  }
  return { title: config.menuTitle ?? 'PXE boot menu', timeoutSeconds: config.timeout ?? 10, defaultEntry: config.defaultEntry ?? 'local', serial };
}

/** --wait SECONDS. */
export function parseWait(value: string | undefined): number {
  const wait = value === undefined ? 0 : Number(value);
  if (!Number.isFinite(wait) || wait < 0) throw new PxeError('USAGE', `--wait: expected seconds, got "${value}"`);
  return wait;
}

function describeChar(c: string): string {
  if (c === ' ') return 'a blank';
  if (/\s|[\u0000-\u001f\u007f]/.test(c)) return `a control character (${JSON.stringify(c)})`;
  return `"${c}"`;
}

