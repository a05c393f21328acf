#!/usr/bin/env node
/*
 * Every command is registered here, but each loads its work only when it runs: the files in
 * commands/ import statically only what defining the command needs (commander, options, small
 * pure helpers), and the rest with `await import()` in the action. Node loads every static
 * import before the first line runs, so `--version` and `--help` then load none of it, and a
 * cron run that finds its image unchanged loads neither the extractor, the ISO reader, profile
 * matching nor listr2 (issue 13; test/cli/lazy-load.test.ts keeps it so).
 */
// First: stop signals are handled from here on (src/cli/signals.ts).
import './handle-signals.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isPxeError } from '../errors.js';
import { registerBoots } from './commands/boots.js';
import { registerChain } from './commands/chain.js';
import { registerDhcp } from './commands/dhcp.js';
import { registerExtract } from './commands/extract.js';
import { registerHost } from './commands/host.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerList } from './commands/list.js';
import { registerRemove } from './commands/remove.js';
import { registerRepair } from './commands/repair.js';
import { registerServe } from './commands/serve.js';
import { registerSync } from './commands/sync.js';
import { exitCodeFor, ExitCode } from './exit-codes.js';
import { receivedSignal, signalExitCode } from './signals.js';

/** The version of the package this file belongs to (dist/src/cli/main.js -> package.json). */
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('pxe-import')
  .description('Turn Linux ISO images into network-boot entries for a PXE server.')
  .version(version)
  .showHelpAfterError()
  .exitOverride();

registerImport(program);
registerInspect(program);
registerExtract(program);
registerList(program);
registerRemove(program);
registerSync(program);
registerRepair(program);
registerInit(program);
registerDhcp(program);
registerHost(program);
registerChain(program);
registerServe(program);
registerBoots(program);

let failed: number | undefined;
try {
  await program.parseAsync(process.argv);
} catch (e) {
  failed = handleError(e);
}
const stopped = receivedSignal();
if (stopped !== undefined) {
  // A failure has printed its line; a command that finished before it could stop says so here.
  if (failed === undefined) process.stderr.write(`pxe-import: interrupted by ${stopped}; the command had already done its work, nothing was undone\n`);
  process.exitCode = signalExitCode(stopped);
} else if (failed !== undefined) {
  process.exitCode = failed;
}

function handleError(e: unknown): number {
  if (isPxeError(e) && e.code === 'INTERRUPTED') {
    // The one line of src/cli/signals.ts's policy: the signal, then what the work undid.
    process.stderr.write(`pxe-import: interrupted by ${receivedSignal() ?? 'a signal'}; ${e.message}\n`);
    return exitCodeFor(e.code);
  }
  if (e instanceof CommanderError) {
    // Help and version requests "fail" with exit code 0; commander has already printed.
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isPxeError(e)) {
    // The plain task-list renderer has already logged this failure as its one line.
    if (!(e as { reported?: boolean }).reported) process.stderr.write(`pxe-import: ${e.message}\n`);
    return exitCodeFor(e.code);
  }
  process.stderr.write(`pxe-import: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return ExitCode.internal;
}
