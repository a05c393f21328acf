import type { Command } from 'commander';
import type { ExtractResult } from '../../extract/extract.js';
import { formatBytes } from '../format.js';
import { parseTreeOption } from '../options.js';
import { progressReporter, runTasks } from '../progress.js';
import { stopRequested } from '../signals.js';
import { WarningLog } from '../warnings.js';

interface ExtractFlags {
  tree?: string;
  quiet?: boolean;
  json?: boolean;
}

export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('Extract the whole tree of an ISO image into a new directory (no mount, no root needed)')
    .argument('<image>', 'ISO image file')
    .argument('<dir>', 'directory to create; must not exist or be empty')
    .option('--tree <kind>', 'read this tree: udf, rockridge, joliet or iso9660 (default: best available; UDF where the ISO9660 tree is a stub)')
    .option('-q, --quiet', 'print nothing but errors and warnings')
    .option('--json', 'print the result as JSON')
    .action(async (imagePath: string, dir: string, flags: ExtractFlags) => {
      // Loaded on use, not at the top (see main.ts).
      const [{ checkExtractTarget, extractImageTo, removeStaleStaging }, { openImage }] = await Promise.all([import('../../extract/atomic.js'), import('../../udf/disc.js')]);
      const warnings = new WarningLog();
      // Opened before the task list so a bad image is one plain error line.
      const tree = parseTreeOption(flags.tree);
      const { parent } = await checkExtractTarget(dir);
      // What a killed extraction left beside its target: no later run of it would ever remove it.
      const removed = await removeStaleStaging(parent);
      const notes = removed.length === 0 ? [] : [`removed ${removed.length} partial tree(s) left in ${parent} by killed extractions: ${removed.join(', ')}`];
      if (!flags.json && !flags.quiet) for (const n of notes) process.stdout.write(`note: ${n}\n`);
      const image = await openImage(imagePath, { tree, onWarning: warnings.handler });
      if (image.treeNote) {
        notes.push(image.treeNote);
        if (!flags.json && !flags.quiet) process.stdout.write(`note: ${image.treeNote}\n`);
      }
      const renderOptions = { silent: Boolean(flags.quiet || flags.json) };
      let result: ExtractResult | undefined;
      try {
        await runTasks(
          [
            {
              title: `Extracting ${imagePath} (${formatBytes(image.stats.bytes)}, ${image.stats.files} files) into ${dir}`,
              run: async (line) => {
                const report = progressReporter((text) => (line.output = text));
                result = await extractImageTo(image, dir, {
                  onWarning: warnings.handler,
                  signal: stopRequested,
                  onProgress: (p) => report(p.bytesDone, p.bytesTotal),
                });
                line.title = `Extracted ${result.files} files, ${result.directories} directories, ${result.symlinks} symlinks, ${result.hardLinks} hard links (${formatBytes(result.bytes)}) into ${dir}`;
              },
            },
          ],
          renderOptions,
        );
      } finally {
        await image.source.close();
        warnings.print(imagePath);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ image: imagePath, target: dir, ...result, warnings: warnings.warnings, notes }, null, 2)}\n`);
    });
}
