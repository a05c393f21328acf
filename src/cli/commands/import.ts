import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { PxeError } from '../../errors.js';
import { ImportSession, type ImportResult } from '../../import/run.js';
import { loadProfiles } from '../../profiles/index.js';
import { createTaskList, progressReporter, runTaskList } from '../progress.js';
import { addRootOptions, resolveClients, resolveRootOptions, resolveServer, type RootFlags } from '../root-options.js';
import { nameFromImage } from '../serve-defaults.js';
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
    .option('--server <addr>', "address clients reach this server at (default: this host's IPv4)")
    .option('--clients <spec>', "who may mount the tree: exports(5) clients, comma-separated (default: the server's subnet)")
    .option('--profile <id>', 'use this profile instead of detecting one (e.g. memdisk)')
    .option('--profiles <dir>', 'also load profiles from DIR; repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--label <text>', 'menu label (default: the release, e.g. "Ubuntu 22.04.3 LTS")')
    .option('--force', 're-import even if the image is unchanged')
    .option('--dry-run', 'show what would be imported, change nothing')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'print only errors and warnings');
  addRootOptions(command).action((image: string, flags: ImportFlags) => runImport(image, flags));
}

async function runImport(imagePath: string, flags: ImportFlags): Promise<void> {
  // `import` is the default command, so a mistyped command name arrives here as an image.
  if (!existsSync(imagePath) && !/[/.]/.test(imagePath)) {
    throw new PxeError('USAGE', `unknown command "${imagePath}" (and no image file of that name); see pxe-import --help`);
  }
  const warnings = new WarningLog();
  const notes: string[] = [];
  const { config, root } = await resolveRootOptions(flags, { onWarning: warnings.handler, onNote: (n) => notes.push(n) });
  const server = resolveServer(flags.server, config);
  const clients = resolveClients(flags.clients, config, server);
  const profiles = await loadProfiles([...(config.profiles ?? []), ...(flags.profiles ?? [])]);
  const abort = new AbortController();
  const session = new ImportSession({
    ...root,
    image: imagePath,
    name: flags.as ?? nameFromImage(imagePath),
    server,
    clients,
    profiles,
    profileId: flags.profile,
    label: flags.label,
    force: Boolean(flags.force),
    signal: abort.signal,
  });

  if (flags.dryRun) return dryRun(session, flags, warnings);

  const renderOptions = { silent: Boolean(flags.quiet || flags.json) };
  let result: ImportResult;
  try {
    const tasks = createTaskList<object>(
      session.steps.map((s) => ({
        title: s.title,
        skip: () => s.skip(),
        task: async (_ctx, task) => {
          const report = progressReporter((text) => (task.output = text));
          await s.run(report);
        },
        rendererOptions: { bottomBar: 1 },
      })),
      renderOptions,
    );
    await runTaskList(tasks, renderOptions, abort);
    result = session.result();
  } finally {
    await session.close();
    warnings.print(imagePath);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...result, analysis: undefined, profile: result.record.profile, entries: result.record.entries, warnings: warnings.warnings, notes }, null, 2)}\n`);
    return;
  }
  const r = result.record;
  if (!flags.quiet) {
    const what = result.action === 'unchanged' ? 'unchanged' : `imported ${r.profile.id}${r.profile.release ? ` (${r.profile.release})` : ''}`;
    process.stdout.write(`${r.name}: ${what}, version ${r.version}, ${r.entries.length} boot entr${r.entries.length === 1 ? 'y' : 'ies'}; ${result.changed.length} file(s) changed\n`);
    // The address and clients may have been guessed from this host's network: say which.
    process.stdout.write(`${r.name}: served from ${server} to ${r.clients.join(', ')} (change with --server and --clients)\n`);
  }
  for (const n of wholeIsoNotes(r)) process.stdout.write(`note: ${n}\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}

/**
 * memdisk and sanboot imports: what the client needs, said at import time (not only in the docs).
 * The caveats (BIOS only, a modern kernel losing the memdisk disk) are the profile's warnings.
 */
export function wholeIsoNotes(r: ImportResult['record']): string[] {
  const method = r.entries[0]?.method;
  const mib = Math.ceil(r.source.size / 2 ** 20);
  if (method === 'memdisk') {
    // memdisk copies the ISO below 4 GiB and keeps it there; what it boots needs memory of its own.
    return [
      `${r.name}: memdisk keeps the whole ISO (${mib} MiB) in RAM: clients need at least ${mib + MEMDISK_MARGIN_MIB} MiB (the ISO plus ${MEMDISK_MARGIN_MIB} MiB for what it boots), BIOS only`,
    ];
  }
  if (method === 'sanboot') {
    return [`${r.name}: only the iPXE menu (boot.ipxe) boots it: iPXE attaches the ISO (${mib} MiB) over HTTP with range requests; pxelinux and GRUB menus leave it out`];
  }
  return [];
}

/** RAM added to the ISO's size in the memdisk estimate. */
export const MEMDISK_MARGIN_MIB = 256;

async function dryRun(session: ImportSession, flags: ImportFlags, warnings: WarningLog): Promise<void> {
  try {
    await session.preview();
    const { name, previous, analysis, version } = session;
    if (flags.json) {
      const plan = session.unchanged
        ? { name, action: 'unchanged', version: previous!.version }
        : { name, action: 'would-import', version, profile: analysis!.match.profile.id, entries: analysis!.plan.entries };
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    } else if (session.unchanged) {
      process.stdout.write(`${name}: unchanged (version ${previous!.version}); nothing to do\n`);
    } else {
      process.stdout.write(`${name}: would import as version ${version} into ${session.root.layout.version(name, version!)}\n${renderAnalysis(analysis!)}`);
    }
  } finally {
    await session.image?.source.close();
    warnings.print(session.options.image);
  }
}
