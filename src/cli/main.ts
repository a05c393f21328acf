#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isPxeError } from '../errors.js';
import { registerExtract } from './commands/extract.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerManage } from './commands/manage.js';
import { registerServer } from './commands/server.js';
import { registerHost } from './commands/host.js';
import { registerChain } from './commands/chain.js';
import { ExitCode } from './exit-codes.js';

const program = new Command('pxe-import')
  .description('Turn Linux ISO images into network-boot entries for a PXE server.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerImport(program);
registerInspect(program);
registerExtract(program);
registerManage(program);
registerServer(program);
registerHost(program);
registerChain(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = handleError(e);
}

function handleError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version requests "fail" with exit code 0; commander has already printed.
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isPxeError(e)) {
    // The plain task-list renderer has already logged this failure as its one line.
    if (!(e as { reported?: boolean }).reported) process.stderr.write(`pxe-import: ${e.message}\n`);
    if (e.code === 'USAGE' || e.code === 'TARGET_EXISTS') return ExitCode.usage;
    if (e.code === 'LOCKED') return ExitCode.locked;
    return e.code === 'INTERRUPTED' ? ExitCode.interrupted : ExitCode.failure;
  }
  process.stderr.write(`pxe-import: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return ExitCode.internal;
}
