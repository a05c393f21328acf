import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { PxeError } from '../../errors.js';
import type { ImportOptions, ImportResult } from '../../import/apply.js';
import { nameFromImage } from '../../import/layout.js';
import type { ImportPlan, ImportRequest } from '../../import/plan.js';
import type { ImportRecord } from '../../import/state.js';
import { loadProfiles } from '../../profiles/load.js';
import type { Profile } from '../../profiles/index.js';
import { isoInRam } from '../format.js';
import { ExitCode } from '../exit-codes.js';
import { progressReporter, runTasks } from '../progress.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';
import { WarningLog } from '../warnings.js';
import { renderAnalysis } from './inspect.js';

interface ImportFlags extends RootFlags {
  as?: string;
  server?: string;
  clients?: string;
  profile?: string;
  profiles?: string[];
  label?: string;
  dryRun?: boolean;
  check?: boolean;
  strict?: boolean;
  json?: boolean;
  force?: boolean;
  quiet?: boolean;
}

export function registerImport(program: Command): void {
  const command = program
    .command('import', { isDefault: true })
    .description('Import an ISO as a network-boot entry: extract it, write menus and NFS exports (the default command)')
    .argument('<image>', 'ISO image file')
    .option('--as <name>', 'name of the entry (default: from the file name)')
    .option('--server <addr>', "IPv4 address clients reach this server at (default: the root's recorded one, else this host's first)")
    .option('--clients <spec>', "who may mount the tree: exports(5) clients, comma-separated (default: the root's recorded ones, else the server's subnet)")
    .option('--profile <id>', 'use this profile instead of detecting one (e.g. memdisk)')
    .option('--profiles <dir>', 'also load profiles from DIR; repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--label <text>', 'menu label (default: the release, e.g. "Ubuntu 22.04.3 LTS")')
    .option('--force', 're-import even if the image is unchanged')
    .option('--dry-run', 'show the plan (what would be imported and why), change nothing')
    .option('--check', `change nothing; exit ${ExitCode.ok} when nothing would change, ${ExitCode.pending} when something would (for cron and monitoring)`)
    .option('--strict', 'fail on any warning, before anything is committed')
    .option('--json', 'print the result (or with --dry-run/--check, the plan) as JSON')
    .option('-q, --quiet', 'print only errors and warnings');
  addRootOptions(command).action((image: string, flags: ImportFlags) => runImport(image, flags));
}

async function runImport(imagePath: string, flags: ImportFlags): Promise<void> {
  // `import` is the default command, so a mistyped command name arrives here as an image.
  if (!existsSync(imagePath) && !/[/.]/.test(imagePath)) {
    throw new PxeError('USAGE', `unknown command "${imagePath}" (and no image file of that name); see pxe-import --help`);
  }
  // Loaded on use, not at the top (see main.ts).
  const { previewImport, startImport } = await import('../../import/apply.js');
  const warnings = new WarningLog();
  const notes: string[] = [];
  const { config, request: root } = await rootRequest(flags, { onWarning: warnings.handler, onNote: (n) => notes.push(n) });
  const options: ImportOptions = {
    ...root,
    profiles: await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]),
    strict: Boolean(flags.strict),
  };
  const request: ImportRequest = {
    image: imagePath,
    name: flags.as ?? nameFromImage(imagePath),
    profileId: flags.profile,
    label: flags.label,
    force: Boolean(flags.force),
    retention: config.retention ?? 1,
  };

  if (flags.dryRun || flags.check) {
    let plan: ImportPlan;
    try {
      plan = await previewImport(request, options);
    } finally {
      warnings.print(imagePath);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
    else if (!flags.quiet) process.stdout.write(renderPlan(plan, root.root));
    if (flags.check && plan.action !== 'unchanged') process.exitCode = ExitCode.pending;
    return;
  }

  const renderOptions = { silent: Boolean(flags.quiet || flags.json) };
  const run = startImport(request, options);
  let result: ImportResult;
  try {
    await runTasks(
      run.steps.map((s) => ({
        title: s.title,
        skip: () => s.skip(),
        run: (line) => s.run(progressReporter((text) => (line.output = text))),
      })),
      renderOptions,
    );
    result = run.result();
  } finally {
    await run.close();
    warnings.print(imagePath);
  }
  const r = result.record;
  if (flags.json) {
    const { plan, ...rest } = result;
    process.stdout.write(
      `${JSON.stringify({ ...rest, reasons: plan.reasons, settingChanges: plan.settingChanges, profile: r.profile, entries: r.entries, warnings: warnings.warnings, notes }, null, 2)}\n`,
    );
    return;
  }
  if (!flags.quiet) {
    const what = result.action === 'imported' ? `imported ${r.profile.id}${r.profile.release ? ` (${r.profile.release})` : ''}` : result.action;
    process.stdout.write(`${r.name}: ${what}, version ${r.version}, ${r.entries.length} boot entr${r.entries.length === 1 ? 'y' : 'ies'}; ${result.changed.length} file(s) changed\n`);
    // The address and clients may have been guessed from this host's network: say which.
    process.stdout.write(`${r.name}: served from ${r.served?.server ?? '?'} to ${r.clients.join(', ')} (change with --server and --clients)\n`);
  }
  for (const c of result.plan.settingChanges) process.stdout.write(`note: ${root.root}: ${c}\n`);
  for (const n of wholeIsoNotes(r, options.profiles)) process.stdout.write(`note: ${n}\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}

/** The plan as --json prints it: what would happen, why, and (when planned) the entries. */
export function planJson(plan: ImportPlan): object {
  const base = { name: plan.name, action: plan.action, version: plan.version, reasons: plan.reasons, settingChanges: plan.settingChanges, warnings: plan.warnings };
  if (plan.action === 'unchanged') return base;
  const entries = plan.record.entries;
  if (plan.action === 'update') return { ...base, profile: plan.record.profile.id, entries };
  return { ...base, place: plan.place, profile: plan.analysis.match.profile.id, entries };
}

const PLACES: Record<(ImportPlan & { action: 'new-version' })['place'], string> = {
  extract: 'extract the tree',
  'copy-iso': 'copy the whole ISO',
  'extract-and-copy-iso': 'extract the tree and keep the whole ISO beside it',
};

export function renderPlan(plan: ImportPlan, root: string): string {
  // Setting changes are among the reasons of a plan that changes anything.
  const why = plan.reasons.map((r) => `  - ${r.message}\n`).join('');
  switch (plan.action) {
    case 'unchanged':
      return `${plan.name}: unchanged (version ${plan.version}); nothing to do\n${why}`;
    case 'update':
      return `${plan.name}: would update version ${plan.version} on the same tree:\n${why}${plan.analysis ? renderAnalysis(plan.analysis) : ''}`;
    case 'new-version':
      return `${plan.name}: would import as version ${plan.version} into ${root}/.pxe-import/versions/${plan.name}/${plan.version} (${PLACES[plan.place]}):\n${why}${renderAnalysis(plan.analysis)}`;
  }
}

/**
 * memdisk and sanboot imports: what the client needs, said at import time (not only in the docs).
 * The caveats (BIOS only, a modern kernel losing the memdisk disk) are the profile's warnings.
 */
export function wholeIsoNotes(r: ImportRecord, profiles: readonly Profile[]): string[] {
  const method = r.entries[0]?.method;
  const mib = Math.ceil(r.source.size / 2 ** 20);
  if (method === 'memdisk') {
    // memdisk copies the ISO below 4 GiB and keeps it there; what it boots needs memory of its own.
    return [`${r.name}: memdisk keeps ${isoInRam(r.source.size)}, BIOS only`];
  }
  if (method === 'sanboot') {
    return [`${r.name}: only the iPXE menu (boot.ipxe) boots it: iPXE attaches the ISO (${mib} MiB) over HTTP with range requests; pxelinux and GRUB menus leave it out`];
  }
  // kiwi-live: the initrd fetches the ISO kept beside the tree into a RAM disk.
  if (profiles.find((p) => p.id === r.profile.id)?.boot.keepIso && r.entries.some((e) => e.http !== undefined)) {
    return [`${r.name}: the HTTP entries fetch ${isoInRam(r.source.size)}`];
  }
  return [];
}

