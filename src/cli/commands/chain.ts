import type { Command } from 'commander';
import { readRootState } from '../../import/read.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';

/** Loaded when a subcommand runs, not at the top (see main.ts). */
const loadChain = () => import('../../import/chain.js');

/** `pxe-import chain add|remove|list`: menu items that run a distribution's own pxelinux netboot tree. */
export function registerChain(program: Command): void {
  const note = (n: string) => process.stdout.write(`note: ${n}\n`);
  const chain = program.command('chain').description("Menu entries that hand the client to a distribution's own pxelinux netboot tree");
  addRootOptions(
    chain
      .command('add')
      .description('Add (or replace) a chain entry: iPXE sets DHCP option 210 and chains the tree\'s pxelinux.0; pxelinux uses CONFIG')
      .argument('<name>', 'entry name')
      .requiredOption('--to <dir-or-url>', 'the netboot tree: a directory under the PXE root (with pxelinux.cfg/default), or an http:// URL')
      .option('--label <text>', 'menu label'),
  ).action(async (name: string, flags: RootFlags & { to: string; label?: string }) => {
    const { addChain } = await loadChain();
    const { request: root } = await rootRequest(flags, { onNote: note });
    const r = await addChain(root, { name, to: flags.to, label: flags.label });
    process.stdout.write(`${name}: chains ${r.chain.prefix}; ${r.changed.length} file(s) changed\n`);
    for (const n of r.notes) note(n);
  });
  addRootOptions(chain.command('remove').description('Remove a chain entry').argument('<name>', 'entry name')).action(async (name: string, flags: RootFlags) => {
    const { removeChain } = await loadChain();
    const { request: root } = await rootRequest(flags, { onNote: note });
    await removeChain(root, name);
    process.stdout.write(`${name}: removed\n`);
  });
  addRootOptions(chain.command('list').description('List chain entries')).action(async (flags: RootFlags) => {
    const { request: root } = await rootRequest(flags, {});
    const state = await readRootState(root.root);
    const chains = Object.values(state.chains ?? {}).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (chains.length === 0) process.stdout.write(`no chain entries in ${root.root}\n`);
    for (const c of chains) process.stdout.write(`${c.name}  ${c.prefix}  ${c.label}\n`);
  });
}
