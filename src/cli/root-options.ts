import type { Command } from 'commander';
import { resolve } from 'node:path';
import { PxeError } from '../errors.js';
import { readConfigFile, type ConfigFile } from '../import/config.js';
import type { RootOptions } from '../import/run.js';
import { primaryIpv4, subnetOf } from './serve-defaults.js';

/** Flags every command that changes a PXE root accepts. */
export interface RootFlags {
  root?: string;
  config?: string;
  exportsFile?: string;
  wait?: string;
  reload?: boolean;
  httpBase?: string;
}

export function addRootOptions(command: Command): Command {
  return command
    .option('--root <dir>', 'PXE root (TFTP root, NFS-exported); default: $PXE_ROOT, the config file, else /srv/pxe')
    .option('--config <file>', 'settings file (default: /etc/pxe-import/config.json when present)')
    .option('--exports-file <file>', 'exports file pxe-import owns (default: /etc/exports.d/pxe-import.exports)')
    .option('--http-base <url>', 'URL of the PXE root over HTTP; iPXE then loads kernels over HTTP')
    .option('--wait <seconds>', 'wait this long for another run on the same root (default: fail at once)')
    .option('--reload', 'run exportfs -ra after changing the exports file');
}

export interface Resolved {
  readonly config: ConfigFile;
  readonly root: RootOptions;
}

export async function resolveRootOptions(flags: RootFlags, hooks: Pick<RootOptions, 'onWarning' | 'onNote'>): Promise<Resolved> {
  const config = await readConfigFile(flags.config);
  const root = resolve(flags.root ?? process.env.PXE_ROOT ?? config.root ?? '/srv/pxe');
  const wait = flags.wait === undefined ? 0 : Number(flags.wait);
  if (!Number.isFinite(wait) || wait < 0) throw new PxeError('USAGE', `--wait: expected seconds, got "${flags.wait}"`);
  const httpBase = flags.httpBase ?? config.httpBase;
  let serial: { port: number; speed: number } | undefined;
  if (config.serialConsole !== undefined) {
    const m = /^(\d)\s+(\d{4,6})$/.exec(config.serialConsole.trim());
    if (!m) throw new PxeError('USAGE', `serialConsole: expected "PORT SPEED" such as "0 115200", got "${config.serialConsole}"`);
    serial = { port: Number(m[1]), speed: Number(m[2]) };
  }
  if (httpBase !== undefined && !/^https?:\/\/[^/]+/.test(httpBase)) throw new PxeError('USAGE', `--http-base: expected an http:// or https:// URL, got "${httpBase}"`);
  return {
    config,
    root: {
      root,
      exportsFile: resolve(flags.exportsFile ?? config.exportsFile ?? '/etc/exports.d/pxe-import.exports'),
      menu: {
        title: config.menuTitle ?? 'PXE boot menu',
        timeoutSeconds: config.timeout ?? 10,
        defaultEntry: config.defaultEntry ?? 'local',
        httpBase: httpBase?.replace(/\/*$/, '/'),
        serial,
      },
      retention: config.retention ?? 1,
      reload: Boolean(flags.reload),
      waitSeconds: wait,
      ...hooks,
    },
  };
}

/** Server address: --server, the config file, else this host's first IPv4 address. */
export function resolveServer(flag: string | undefined, config: ConfigFile): string {
  const server = flag ?? config.server ?? primaryIpv4();
  if (!server) throw new PxeError('USAGE', 'no IPv4 address found on this host: pass --server ADDR');
  return server;
}

/** Clients: --clients, the config file, else the server's own subnet (never "*" unless asked). */
export function resolveClients(flag: string | undefined, config: ConfigFile, server: string): string[] {
  const given = flag ?? config.clients;
  const list = typeof given === 'string' ? given.split(/[\s,]+/).filter(Boolean) : given ? [...given] : [];
  if (list.length > 0) return list;
  const subnet = subnetOf(server);
  if (!subnet) throw new PxeError('USAGE', `cannot tell the subnet of ${server}: pass --clients SPEC (e.g. 192.168.1.0/24)`);
  return [subnet];
}
