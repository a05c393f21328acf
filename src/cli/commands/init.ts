import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { LoaderOutcome } from '../../import/init.js';
import { addRootOptions, rootRequest, type RootFlags } from '../root-options.js';

interface InitFlags extends RootFlags {
  sysroot?: string;
  force?: boolean;
  json?: boolean;
}

export function registerInit(program: Command): void {
  addRootOptions(
    program
      .command('init')
      .description("Prepare a PXE root: this system's boot-loader files (BIOS, UEFI, iPXE) and starter menus")
      .option('--sysroot <dir>', 'find the boot-loader files under DIR instead of / (a chroot or mounted image of another system)', '/')
      .option('--force', "replace boot-loader files in the root that differ from this system's (WARNING: also ones you put there)")
      .option('--json', 'print the result as JSON'),
  ).action(async (flags: InitFlags) => {
    // Loaded on use, not at the top (see main.ts).
    const { initRoot } = await import('../../import/init.js');
    const { request } = await rootRequest(flags, { onNote: (n) => process.stdout.write(`note: ${n}\n`) });
    const result = await initRoot({ root: request, sysroot: resolve(flags.sysroot ?? '/'), force: Boolean(flags.force) });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    for (const l of result.loaders) process.stdout.write(`${describeLoader(l)}\n`);
    const menus = result.changed.filter((f) => !result.loaders.some((l) => f === resolve(result.root, l.name)));
    process.stdout.write(`${result.root}: ${result.changed.length === 0 ? 'already prepared, nothing changed' : `${result.changed.length} file(s) written (${menus.length} menu/state)`}\n`);
  });
}

function describeLoader(l: LoaderOutcome): string {
  const name = l.name.padEnd(22);
  switch (l.action) {
    case 'missing':
      return `missing    ${name} ${l.purpose}: install ${l.install}`;
    case 'skipped':
      return `skipped    ${name} optional, ${l.purpose}: install ${l.install}`;
    default:
      return `${l.action.padEnd(10)} ${name} from ${l.from}`;
  }
}
