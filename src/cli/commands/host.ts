import type { Command } from 'commander';
import { readRootState } from '../../import/read.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';

/** Loaded when a subcommand runs, not at the top (see main.ts). */
const loadHosts = () => import('../../import/hosts.js');

/** `pxe-import host add|remove|list`: machines that boot one entry without a menu. */
export function registerHost(program: Command): void {
  const note = (n: string) => process.stdout.write(`note: ${n}\n`);
  const host = program.command('host').description('Boot one machine (by MAC) straight into one entry, without a menu');

  addRootOptions(
    host
      .command('add')
      .description('Assign a machine to an entry: pxelinux, GRUB and iPXE boot it at once, with --append added')
      .argument('<mac>', 'the machine\'s MAC address: 52:54:00:12:34:56, 52-54-00-12-34-56 or 5254.0012.3456')
      .requiredOption('--entry <name>', 'NAME (the import\'s default entry, following re-imports) or NAME/ENTRY-ID (see pxe-import list --json)')
      .option('--append <args>', 'extra kernel arguments, e.g. an answer file: "auto=true url=http://…/preseed.cfg"')
      .option('--auto <file>', "an answer file for the entry's installer (Anaconda: a kickstart), checked, served from the root over HTTP and named with the family's argument (inst.ks=URL)")
      .option('--profiles <dir>', 'also load profiles from DIR, as the import did; repeatable', (v: string, p: string[]) => [...p, v], []),
  ).action(async (mac: string, flags: RootFlags & { entry: string; append?: string; auto?: string; profiles: string[] }) => {
    const { addHost } = await loadHosts();
    const { config, request: root } = await rootRequest(flags, { onNote: note });
    const profiles = flags.auto === undefined ? [] : await (await import('../../profiles/index.js')).loadProfiles([...(config.profiles ?? []), ...flags.profiles]);
    const r = await addHost(root, { mac, entry: flags.entry, append: flags.append, auto: flags.auto, profiles });
    const target = `${r.host.import}${r.host.entry ? `/${r.host.entry}` : ' (its default entry)'}`;
    process.stdout.write(`${r.host.mac}: ${r.action}: boots ${target}${r.host.append ? ` with "${r.host.append}"` : ''}; ${r.changed.length} file(s) changed\n`);
    for (const n of r.notes) note(n);
  });

  addRootOptions(
    host
      .command('remove')
      .description('Remove machines\' assignments: they get the menu again')
      .argument('<mac...>', 'MAC addresses'),
  ).action(async (macs: string[], flags: RootFlags) => {
    const { removeHosts } = await loadHosts();
    const { request: root } = await rootRequest(flags, { onNote: note });
    const r = await removeHosts(root, macs);
    for (const m of r.removed) process.stdout.write(`${m}: removed\n`);
  });

  addRootOptions(host.command('list').description('List machine assignments').option('--json', 'print JSON')).action(async (flags: RootFlags & { json?: boolean }) => {
    const { request: root } = await rootRequest(flags, {});
    const state = await readRootState(root.root);
    const hosts = Object.keys(state.hosts ?? {})
      .sort()
      .map((m) => state.hosts![m]!);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(hosts, null, 2)}\n`);
      return;
    }
    if (hosts.length === 0) {
      process.stdout.write(`no machine assignments in ${root.root}\n`);
      return;
    }
    for (const h of hosts) {
      const gone = state.imports[h.import] === undefined || (h.entry !== undefined && !state.imports[h.import]!.entries.some((e) => e.id === h.entry));
      process.stdout.write(`${h.mac}  ${h.import}${h.entry ? `/${h.entry}` : ''}${h.append ? `  ${h.append}` : ''}${h.auto ? `  (answer file ${h.auto})` : ''}${gone ? '  (entry gone: gets the menu)' : ''}\n`);
    }
  });
}
