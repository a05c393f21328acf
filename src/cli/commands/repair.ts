import type { Command } from 'commander';
import type { RepairPlan } from '../../import/repair.js';
import { renderState } from '../../import/state.js';
import { loadProfiles } from '../../profiles/load.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';
import { WarningLog } from '../warnings.js';

interface RepairFlags extends RootFlags {
  server?: string;
  clients?: string;
  profiles?: string[];
  fromPrev?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** `pxe-import repair`: a state again for a root whose state.json is missing or damaged (exit 4 elsewhere). */
export function registerRepair(program: Command): void {
  addRootOptions(
    program
      .command('repair')
      .description("Rebuild a missing or damaged state.json from the root's version directories (or restore state.json.prev); removes no tree")
      .option('--from-prev', 'restore state.json.prev, less the trees it names that are gone, instead of rebuilding from the trees')
      .option('--server <addr>', "IPv4 address clients reach this server at (default: the recorded one, else this host's first)")
      .option('--clients <spec>', "who may mount the trees (default: the recorded ones, else the server's subnet)")
      .option('--profiles <dir>', 'also load profiles from DIR; repeatable', (v: string, p: string[]) => [...p, v], [])
      .option('--dry-run', 'show what would be recorded, change nothing')
      .option('--json', 'print the state (that would be) written, as JSON; notes go to stderr'),
  ).action(async (flags: RepairFlags) => {
    // Loaded on use, not at the top (see main.ts).
    const { repairRoot } = await import('../../import/repair.js');
    const warnings = new WarningLog();
    const notes: string[] = [];
    const { config, request } = await rootRequest(flags, { onWarning: warnings.handler, onNote: (n) => notes.push(n) });
    const profiles = await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]);
    try {
      const { plan, changed } = await repairRoot({ fromPrev: Boolean(flags.fromPrev), dryRun: Boolean(flags.dryRun) }, { ...request, profiles });
      for (const w of plan.warnings) warnings.handler(w);
      const lines = [...plan.notes.map((n) => `note: ${n}`), ...notes.map((n) => `note: ${n}`)];
      if (flags.json) {
        process.stdout.write(renderState(plan.state));
        for (const l of lines) process.stderr.write(`pxe-import: ${l}\n`);
        return;
      }
      process.stdout.write(renderRepair(plan, request.root, flags.dryRun ? undefined : changed.length));
      for (const l of lines) process.stdout.write(`${l}\n`);
    } finally {
      warnings.print(request.root);
    }
  });
}

/** What repair records: one line per import, then (after a real run) how many files changed. */
export function renderRepair(plan: RepairPlan, root: string, changed: number | undefined): string {
  const from = plan.from === 'previous' ? 'restored from state.json.prev' : 'rebuilt from the version directories';
  const head = `${root}: state ${changed === undefined ? `would be ${from}` : from}`;
  const names = Object.keys(plan.state.imports).sort();
  const rows = names.map((n) => {
    const r = plan.state.imports[n]!;
    const kept = r.retained.length > 0 ? `, keeps ${r.retained.map((o) => o.version).join(', ')}` : '';
    return `  ${n}: version ${r.version}, ${r.profile.id}, ${r.entries.length} boot entr${r.entries.length === 1 ? 'y' : 'ies'}${kept}\n`;
  });
  const tail = changed === undefined ? '' : `${root}: ${names.length} import(s) served; ${changed} file(s) changed\n`;
  return `${head}:\n${rows.join('') || '  (no imports)\n'}${tail}`;
}
