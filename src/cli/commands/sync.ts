import type { Command } from 'commander';
import { PxeError } from '../../errors.js';
import { loadProfiles } from '../../profiles/load.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';
import { WarningLog } from '../warnings.js';

interface SyncFlags extends RootFlags {
  server?: string;
  clients?: string;
  profiles?: string[];
  prune?: boolean;
  force?: boolean;
  quiet?: boolean;
}

export function registerSync(program: Command): void {
  addRootOptions(
    program
      .command('sync')
      .description('Import every ISO in a folder (re-importing only what changed); for cron')
      .argument('<dir>', 'folder of .iso files; names come from the file names, or from DIR/pxe-import.map ("file.iso name" lines)')
      .option('--server <addr>', "IPv4 address clients reach this server at (default: the root's recorded one, else this host's first)")
      .option('--clients <spec>', "who may mount the trees (default: the root's recorded ones, else the server's subnet)")
      .option('--profiles <dir>', 'also load profiles from DIR; repeatable', (v: string, p: string[]) => [...p, v], [])
      .option('--prune', 'remove imports whose ISO in DIR is gone (refused for an empty folder or most of its imports, unless --force)')
      .option('--force', 'with --prune: prune even an empty folder or most of its imports')
      .option('-q, --quiet', 'print only changes, errors and warnings'),
  ).action(async (dir: string, flags: SyncFlags) => {
    // Loaded on use, not at the top (see main.ts).
    const { syncFolder } = await import('../../import/sync.js');
    const warnings = new WarningLog();
    const { config, request } = await rootRequest(flags, { onWarning: warnings.handler, onNote: (n) => process.stdout.write(`note: ${n}\n`) });
    const profiles = await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]);
    const options = { ...request, profiles, strict: false };
    const at = () => new Date().toISOString();
    const { failed, total } = await syncFolder({ folder: dir, prune: Boolean(flags.prune), force: Boolean(flags.force), retention: config.retention ?? 1 }, options, (e) => {
      switch (e.kind) {
        case 'imported':
          if (e.result.action !== 'unchanged' || !flags.quiet) process.stdout.write(`${at()} ${e.entry.name}: ${e.result.action} (${e.result.record.version})\n`);
          for (const c of e.result.plan.settingChanges) process.stdout.write(`note: ${request.root}: ${c}\n`);
          warnings.print(e.entry.file);
          warnings.warnings.length = 0;
          return;
        case 'failed':
          process.stderr.write(`pxe-import: ${e.entry.name}: ${e.error.message}\n`);
          warnings.print(e.entry.file);
          warnings.warnings.length = 0;
          return;
        case 'removed':
          process.stdout.write(`${at()} ${e.name}: removed (its ISO is gone)\n`);
          return;
        case 'not-pruned':
          process.stderr.write(`pxe-import: ${e.name ? `${e.name}: not pruned: ` : ''}${e.reason}\n`);
          return;
      }
    });
    if (failed > 0) throw new PxeError('IO', `${dir}: ${failed} of ${total} image(s) or prunes failed; the others are done`);
  });
}
