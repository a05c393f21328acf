import type { Command } from 'commander';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';
import { WarningLog } from '../warnings.js';

export function registerRemove(program: Command): void {
  addRootOptions(
    program
      .command('remove')
      .description('Remove an import: its trees, menu entries, exports lines and link')
      .argument('<name>', 'the name it was imported as')
      .option('--drop-hosts', 'also remove the machine assignments (pxe-import host) that boot it'),
  ).action(async (name: string, flags: RootFlags & { dropHosts?: boolean }) => {
    // Loaded on use, not at the top (see main.ts).
    const { removeImport } = await import('../../import/remove.js');
    const warnings = new WarningLog();
    const { request } = await rootRequest(flags, { onWarning: warnings.handler, onNote: (n) => process.stdout.write(`note: ${n}\n`) });
    try {
      const { droppedHosts } = await removeImport(request, name, Boolean(flags.dropHosts));
      for (const mac of droppedHosts) process.stdout.write(`${mac}: assignment removed (it booted ${name})\n`);
      process.stdout.write(`${name}: removed\n`);
    } finally {
      warnings.print(name);
    }
  });
}
