import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { PxeError } from '../../errors.js';
import { rootRequest } from '../root-options.js';

/** `pxe-import boots`: the boots `serve` logged (Layout.bootLog), oldest first. */
export function registerBoots(program: Command): void {
  program
    .command('boots')
    .description('List the boots pxe-import serve saw (boot scripts, kernels, initrds and images fetched over HTTP), oldest first')
    .option('--root <dir>', 'PXE root; default: $PXE_ROOT, the config file, else /srv/pxe')
    .option('--config <file>', 'settings file (default: /etc/pxe-import/config.json when present)')
    .option('--json', 'print JSON')
    .action(async (flags: { root?: string; config?: string; json?: boolean }) => {
      const { request } = await rootRequest({ root: flags.root, config: flags.config }, {});
      if (!(await stat(request.root).then((s) => s.isDirectory(), () => false))) throw new PxeError('USAGE', `${request.root}: no PXE root here (no such directory)`);
      const [{ readBootLogs }, { Layout }] = await Promise.all([import('../../import/boot-log-file.js'), import('../../import/layout.js')]);
      const boots = await readBootLogs(new Layout(request.root));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(boots, null, 2)}\n`);
        return;
      }
      if (boots.length === 0) {
        process.stdout.write(`no boots logged in ${request.root} (pxe-import serve logs them)\n`);
        return;
      }
      const rows = [['TIME', 'CLIENT', 'MAC', 'KIND', 'ENTRY', 'STATUS', 'PATH']];
      for (const b of boots) {
        const entry = b.import === undefined ? '-' : `${b.import}${b.entries.length > 0 ? `/${b.entries.join(',')}` : ''}`;
        rows.push([b.time, b.client, b.mac ?? '-', b.kind, entry, String(b.status), b.path]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
    });
}
