import type { Command } from 'commander';
import { readConfigFile, type ConfigFile } from '../import/config.js';
import type { RootRequest } from '../import/apply.js';
import { hostNetwork } from '../import/network.js';
import { checkSettingFlags, menuSettings, parseWait, resolveRootDir, type SettingFlags } from '../import/settings.js';
import { stopRequested } from './signals.js';

/** Flags every command that works on a PXE root accepts. */
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
    .option('--exports-file <file>', "exports file for this root's lines (default: the one the root recorded, else /etc/exports.d/pxe-import.exports)")
    .option('--http-base <url>', 'URL of the PXE root over HTTP; iPXE then loads kernels over HTTP (recorded for the root)')
    .option('--wait <seconds>', 'wait this long for another run on the same root (default: fail at once)')
    .option('--reload', 'run exportfs -ra after changing the exports file');
}

/**
 * Maps the root flags (and --server/--clients where the command has them) to the request every
 * root command takes; all resolution and validation happens in src/import/settings.ts.
 */
export async function rootRequest(
  flags: RootFlags & { server?: string; clients?: string },
  hooks: Pick<RootRequest, 'onWarning' | 'onNote'>,
): Promise<{ config: ConfigFile; request: RootRequest }> {
  const config = await readConfigFile(flags.config);
  const settingFlags: SettingFlags = { exportsFile: flags.exportsFile, httpBase: flags.httpBase, server: flags.server, clients: flags.clients };
  checkSettingFlags(settingFlags, config);
  return {
    config,
    request: {
      root: resolveRootDir(flags.root, process.env.PXE_ROOT, config),
      flags: settingFlags,
      config,
      network: hostNetwork,
      menu: menuSettings(config),
      reload: Boolean(flags.reload),
      waitSeconds: parseWait(flags.wait),
      signal: stopRequested,
      ...hooks,
    },
  };
}
