import type { Command } from 'commander';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PxeError } from '../../errors.js';
import { Layout } from '../../import/layout.js';
import { importImage, removeImport } from '../../import/run.js';
import { readState, type ImportRecord } from '../../import/state.js';
import { loadProfiles } from '../../profiles/index.js';
import { addRootOptions, resolveClients, resolveRootOptions, resolveServer, type RootFlags } from '../root-options.js';
import { nameFromImage } from '../serve-defaults.js';
import { WarningLog } from '../warnings.js';

export function registerManage(program: Command): void {
  addRootOptions(
    program
      .command('list')
      .description('List imported entries')
      .option('--json', 'print JSON'),
  ).action(async (flags: RootFlags & { json?: boolean }) => {
    const { root } = await resolveRootOptions(flags, {});
    const state = await readState(new Layout(root.root).state);
    const records = Object.keys(state.imports)
      .sort()
      .map((n) => state.imports[n]!);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      return;
    }
    if (records.length === 0) {
      process.stdout.write(`no imports in ${root.root}\n`);
      return;
    }
    const rows = [['NAME', 'PROFILE', 'VERSION', 'ENTRIES', 'KEPT', 'LABEL', 'IMAGE']];
    for (const r of records) rows.push([r.name, r.profile.id, r.version, String(r.entries.length), String(r.retained.length), r.label, r.source.path]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  });

  addRootOptions(
    program
      .command('remove')
      .description('Remove an import: its trees, menu entries, exports lines and link')
      .argument('<name>', 'the name it was imported as')
      .option('--drop-hosts', 'also remove the machine assignments (pxe-import host) that boot it'),
  ).action(async (name: string, flags: RootFlags & { dropHosts?: boolean }) => {
    const warnings = new WarningLog();
    const { root } = await resolveRootOptions(flags, { onWarning: warnings.handler, onNote: (n) => process.stdout.write(`note: ${n}\n`) });
    const { removed, droppedHosts } = await removeImport(name, { ...root, dropHosts: Boolean(flags.dropHosts) });
    for (const mac of droppedHosts) process.stdout.write(`${mac}: assignment removed (it booted ${name})\n`);
    warnings.print(name);
    if (!removed) throw new PxeError('USAGE', `${root.root}: no import named "${name}" (see pxe-import list)`);
    process.stdout.write(`${name}: removed\n`);
  });

  addRootOptions(
    program
      .command('sync')
      .description('Import every ISO in a folder (re-importing only what changed); for cron')
      .argument('<dir>', 'folder of .iso files; names come from the file names, or from DIR/pxe-import.map ("file.iso name" lines)')
      .option('--server <addr>', "address clients reach this server at (default: this host's IPv4)")
      .option('--clients <spec>', "who may mount the trees (default: the server's subnet)")
      .option('--profiles <dir>', 'also load profiles from DIR; repeatable', (v: string, p: string[]) => [...p, v], [])
      .option('--prune', 'remove imports whose ISO in DIR is gone')
      .option('-q, --quiet', 'print only changes, errors and warnings'),
  ).action(async (dir: string, flags: RootFlags & { server?: string; clients?: string; profiles?: string[]; prune?: boolean; quiet?: boolean }) => {
    const folder = resolve(dir);
    const { config, root } = await resolveRootOptions(flags, {});
    const server = resolveServer(flags.server, config);
    const clients = resolveClients(flags.clients, config, server);
    const profiles = await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]);
    const names = await syncNames(folder);
    let failed = 0;
    for (const [file, name] of names) {
      const warnings = new WarningLog();
      try {
        const r = await importImage({ ...root, onWarning: warnings.handler, image: join(folder, file), name, server, clients, profiles, profileId: undefined, label: undefined, force: false });
        if (r.action === 'imported' || !flags.quiet) process.stdout.write(`${new Date().toISOString()} ${name}: ${r.action} (${r.record.version})\n`);
      } catch (e) {
        failed++;
        process.stderr.write(`pxe-import: ${name}: ${(e as Error).message}\n`);
      }
      warnings.print(file);
    }
    if (flags.prune) {
      const state = await readState(new Layout(root.root).state);
      const present = new Set(names.map(([file]) => join(folder, file)));
      for (const r of Object.values(state.imports) as ImportRecord[]) {
        if (r.source.path.startsWith(`${folder}/`) && !present.has(r.source.path)) {
          try {
            await removeImport(r.name, root);
            process.stdout.write(`${new Date().toISOString()} ${r.name}: removed (its ISO is gone)\n`);
          } catch (e) {
            // Machines still assigned to it (pxe-import host): keep it, say why, go on with the others.
            failed++;
            process.stderr.write(`pxe-import: ${r.name}: not pruned: ${(e as Error).message}\n`);
          }
        }
      }
    }
    if (failed > 0) throw new PxeError('IO', `${folder}: ${failed} of ${names.length} image(s) failed; the others are done`);
  });
}

/**
 * File names to import names: DIR/pxe-import.map lines "FILE NAME" when present
 * (# comments allowed), otherwise every *.iso in DIR named by nameFromImage.
 */
async function syncNames(folder: string): Promise<[string, string][]> {
  const map = await readFile(join(folder, 'pxe-import.map'), 'utf8').catch(() => undefined);
  if (map !== undefined) {
    const pairs: [string, string][] = [];
    map.split('\n').forEach((line, i) => {
      const t = line.replace(/#.*/, '').trim();
      if (!t) return;
      const m = /^(\S+)\s+(\S+)$/.exec(t);
      if (!m) throw new PxeError('USAGE', `${join(folder, 'pxe-import.map')}:${i + 1}: expected "FILE.iso NAME"`);
      pairs.push([m[1]!, m[2]!]);
    });
    return pairs;
  }
  const files = (await readdir(folder)).filter((f) => /\.iso$/i.test(f)).sort();
  return files.map((f) => [f, nameFromImage(f)]);
}
