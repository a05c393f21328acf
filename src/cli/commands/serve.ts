import type { Command } from 'commander';
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PxeError } from '../../errors.js';
import type { State } from '../../import/state.js';
import { rootRequest } from '../root-options.js';
import { dhcpSettings } from './dhcp.js';
import { stopRequested } from '../signals.js';

interface ServeFlags {
  root?: string;
  config?: string;
  listen: string;
  server?: string;
  clients?: string;
  dhcp: string;
  interface?: string;
  subnet?: string;
  range?: string;
  ipxe?: boolean;
  nfsCheck: boolean;
  printUnit?: boolean;
}

export const DEFAULT_LISTEN = '0.0.0.0:80';

/** `--listen ADDR:PORT` (`[IPv6]:PORT` for IPv6; port 0 picks a free one). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3}))?:(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535 || (m[2] !== undefined && m[2].split('.').some((o) => Number(o) > 255))) {
    throw new PxeError('USAGE', `--listen: expected ADDR:PORT such as 0.0.0.0:80, 192.0.2.10:8080 or [::]:80, got "${value}"`);
  }
  return { host: m[1] ?? m[2] ?? '0.0.0.0', port };
}

/** A systemd unit running this same command in the foreground. */
export function renderUnit(root: string, args: readonly string[]): string {
  return [
    '# Written by pxe-import serve --print-unit.',
    '[Unit]',
    `Description=pxe-import boot server for ${root}`,
    'Wants=network-online.target',
    'After=network-online.target nfs-server.service',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${args.join(' ')}`,
    'Restart=on-failure',
    // A stop signal is the normal way it ends (src/cli/signals.ts: 128 + the signal).
    'SuccessExitStatus=143 130',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    // What it writes: the boot log, and with --dhcp dnsmasq's configuration and leases.
    `ReadWritePaths=${root}/.pxe-import`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the PXE root over HTTP (read-only), with /boot.ipxe?mac= per machine and a JSON API, and with --dhcp a supervised dnsmasq; runs in the foreground until stopped')
    .option('--root <dir>', 'PXE root; default: $PXE_ROOT, the config file, else /srv/pxe')
    .option('--config <file>', 'settings file (default: /etc/pxe-import/config.json when present)')
    .option('--listen <addr:port>', 'address and port to listen on', DEFAULT_LISTEN)
    .option('--server <addr>', "this host's address on the clients' network (default: the root's recorded server, else this host's first IPv4)")
    .option('--clients <spec>', 'clients allowed (addresses, networks, *; default: the root\'s recorded clients); others get 403')
    .option('--dhcp <mode>', 'off: the site runs its own DHCP/TFTP; proxy or full: run dnsmasq with the configuration pxe-import dhcp writes, restarted if it dies', 'off')
    .option('--interface <name>', 'with --dhcp: answer only on this interface')
    .option('--subnet <cidr>', "with --dhcp: the clients' network (default: the server address's)")
    .option('--range <start,end>', 'with --dhcp full: addresses to hand out')
    .option('--ipxe', 'with --dhcp: chain through iPXE (undionly.kpxe, snponly.efi), which then gets boot.ipxe')
    .option('--no-nfs-check', 'do not check (exportfs -s) that the kernel NFS server serves every exported version, nor run exportfs -ra when it does not')
    .option('--print-unit', 'print a systemd unit running this command, and exit')
    .action(async (flags: ServeFlags) => {
      // Loaded on use, not at the top (see main.ts).
      const [{ superviseDnsmasq }, { unmatchableClients, clientRules }, { startHttpServer }, { Layout }, { checkNfsExports }, { readRootState }, { resolveSettings }, { renderDnsmasq }] =
        await Promise.all([
          import('../../import/dnsmasq.js'),
          import('../../import/http-policy.js'),
          import('../../import/http-server.js'),
          import('../../import/layout.js'),
          import('../../import/nfs-check.js'),
          import('../../import/read.js'),
          import('../../import/settings.js'),
          import('../../server/dhcp.js'),
        ]);
      const listen = parseListen(flags.listen);
      if (flags.dhcp !== 'off' && flags.dhcp !== 'proxy' && flags.dhcp !== 'full') throw new PxeError('USAGE', `--dhcp: expected off, proxy or full, got "${flags.dhcp}"`);
      const { config, request } = await rootRequest({ root: flags.root, config: flags.config, server: flags.server, clients: flags.clients }, {});
      if (!(await stat(request.root).then((s) => s.isDirectory(), () => false))) throw new PxeError('USAGE', `${request.root}: no PXE root here (no such directory)`);
      const state = await readRootState(request.root);
      const { settings } = resolveSettings(request.flags, config, state.settings, request.network);
      // Checked (and rendered) before anything starts: a bad --subnet is one line, nothing runs.
      const dnsmasqConfig =
        flags.dhcp === 'off'
          ? undefined
          : renderDnsmasq(
              dhcpSettings(
                { mode: flags.dhcp, bios: 'pxelinux', uefi: 'grub', ipxe: flags.ipxe, interface: flags.interface, subnet: flags.subnet, range: flags.range },
                request.root,
                settings.server,
                request.network.subnetOf(settings.server),
              ),
            );
      if (flags.printUnit) {
        const args = [process.execPath, realpathSync(process.argv[1] ?? ''), 'serve', '--root', request.root, '--listen', flags.listen, '--dhcp', flags.dhcp];
        for (const [flag, value] of [['--interface', flags.interface], ['--subnet', flags.subnet], ['--range', flags.range]] as const) if (value !== undefined) args.push(flag, value);
        if (flags.ipxe) args.push('--ipxe');
        if (!flags.nfsCheck) args.push('--no-nfs-check');
        if (flags.config !== undefined) args.push('--config', flags.config);
        if (flags.server !== undefined) args.push('--server', settings.server);
        if (flags.clients !== undefined) args.push('--clients', settings.clients.join(','));
        process.stdout.write(renderUnit(request.root, args));
        return;
      }
      const log = (line: string) => process.stdout.write(`${line}\n`);
      for (const spec of unmatchableClients(clientRules(settings.clients))) {
        process.stderr.write(`pxe-import: warning: client "${spec}" names hosts by name or netgroup, which serve cannot match by address: they are refused\n`);
      }
      const layout = new Layout(request.root);
      const warn = (line: string) => process.stderr.write(`pxe-import: warning: ${line}\n`);
      // One check at a time, in order: each state serve reads (at start, after each change) is checked.
      let nfsChecks = Promise.resolve();
      const onState = flags.nfsCheck
        ? (s: State) => {
            nfsChecks = nfsChecks.then(() => checkNfsExports(s, layout, request.menu, warn, log)).catch((e: unknown) => {
              warn(`NFS: the check failed: ${e instanceof Error ? e.message : String(e)}`);
            });
          }
        : undefined;
      const server = await startHttpServer({ root: request.root, host: listen.host, port: listen.port, clients: settings.clients, menu: request.menu, log, onState });
      const where = server.address.family === 'IPv6' ? `[${server.address.address}]` : server.address.address;
      log(`serving ${request.root} on http://${where}:${server.address.port}/ to ${settings.clients.join(', ')}`);
      const dnsmasq =
        dnsmasqConfig === undefined
          ? undefined
          : await superviseDnsmasq({ config: dnsmasqConfig, file: layout.dnsmasqConfig, leaseFile: layout.dnsmasqLeases, log, onEvent: (e) => server.noteDnsmasq(e) });
      if (!stopRequested.aborted) await new Promise<void>((resolve) => stopRequested.addEventListener('abort', () => resolve(), { once: true }));
      await dnsmasq?.stop();
      await server.close();
      await nfsChecks;
      throw new PxeError('INTERRUPTED', `the server stopped (${server.boots.events().length} boot request(s) in its log)`);
    });
}
