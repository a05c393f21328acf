import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { PxeError } from '../../errors.js';
import { readRootState } from '../../import/read.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';

export function registerList(program: Command): void {
  addRootOptions(program.command('list').description('List imported entries').option('--json', 'print JSON')).action(async (flags: RootFlags & { json?: boolean }) => {
    const { request } = await rootRequest(flags, {});
    // A mistyped --root must not look like an empty one.
    if (!(await stat(request.root).then((s) => s.isDirectory(), () => false))) throw new PxeError('USAGE', `${request.root}: no PXE root here (no such directory)`);
    const state = await readRootState(request.root);
    const records = Object.keys(state.imports)
      .sort()
      .map((n) => state.imports[n]!);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      return;
    }
    if (records.length === 0) {
      process.stdout.write(`no imports in ${request.root}\n`);
      return;
    }
    const rows = [['NAME', 'PROFILE', 'VERSION', 'ENTRIES', 'KEPT', 'LABEL', 'IMAGE']];
    for (const r of records) rows.push([r.name, r.profile.id, r.version, String(r.entries.length), String(r.retained.length), r.label, r.source.path || '(unknown: rebuilt by repair)']);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  });
}
