import type { Command } from 'commander';
import { describeImage, type ImageDescription } from '../../iso9660/describe.js';
import { openIsoImage, type TreeKind } from '../../iso9660/image.js';
import { formatBytes } from '../format.js';
import { WarningLog } from '../warnings.js';
import { parseTreeOption } from '../options.js';

interface InspectFlags {
  json?: boolean;
  tree?: string;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Show what an ISO image holds: volume ids, trees, El Torito boot entries, counts')
    .argument('<image>', 'ISO image file')
    .option('--json', 'print machine-readable JSON')
    .option('--tree <kind>', 'read this tree: rockridge, joliet or iso9660 (default: best available)')
    .action(async (imagePath: string, flags: InspectFlags) => {
      const warnings = new WarningLog();
      const tree: TreeKind | 'auto' = parseTreeOption(flags.tree);
      const image = await openIsoImage(imagePath, { tree, onWarning: warnings.handler });
      try {
        const description = describeImage(image);
        if (flags.json) process.stdout.write(`${JSON.stringify({ ...description, warnings: warnings.warnings }, null, 2)}\n`);
        else {
          process.stdout.write(renderDescription(description));
          warnings.print(imagePath);
        }
      } finally {
        await image.source.close();
      }
    });
}

const TREE_NAMES: Record<TreeKind, string> = { rockridge: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO9660' };

export function renderDescription(d: ImageDescription): string {
  const rr = d.trees.extensions.length > 0 ? `Rock Ridge (${d.trees.extensions.join(', ')})` : 'Rock Ridge';
  const trees = [d.trees.rockRidge ? rr : undefined, d.trees.joliet ? `Joliet (level ${d.trees.joliet})` : undefined, 'ISO9660']
    .filter(Boolean)
    .join(', ');
  const lines: [string, string][] = [
    ['Image', `${d.image} (${formatBytes(d.imageBytes)})`],
    ['Volume ID', d.volumeId || '-'],
    ['System ID', d.systemId || '-'],
    ['Publisher', d.publisherId || '-'],
    ['Preparer', d.preparerId || '-'],
    ['Application', d.applicationId || '-'],
    ['Created', d.created ?? '-'],
    ['Trees', `${trees}; reading ${TREE_NAMES[d.tree]}`],
  ];
  const out = lines.map(([k, v]) => `${`${k}:`.padEnd(13)} ${v}`);
  if (!d.elTorito) out.push(`${'El Torito:'.padEnd(13)} none`);
  else {
    out.push(`${'El Torito:'.padEnd(13)} ${d.elTorito.length} boot entr${d.elTorito.length === 1 ? 'y' : 'ies'}`);
    d.elTorito.forEach((e, i) => {
      const load = e.emulation === 'none' ? `loads ${e.sectorCount} x 512 bytes` : `${formatBytes(e.imageBytes ?? 0)} image`;
      out.push(`  ${i + 1}. ${e.platform.toUpperCase()}, ${e.emulation === 'none' ? 'no emulation' : `${e.emulation} emulation`}, ${e.bootable ? 'bootable' : 'not bootable'}, block ${e.imageLba}, ${load}${e.file ? `: ${e.file}` : ''}`);
    });
  }
  const c = d.counts;
  out.push(
    `${'Contents:'.padEnd(13)} ${c.files} files, ${c.directories} directories, ${c.symlinks} symlinks${c.hardLinks ? `, ${c.hardLinks} hard links` : ''}${c.specialFiles ? `, ${c.specialFiles} device/special files` : ''}; ${formatBytes(c.bytes)} of data`,
  );
  return `${out.join('\n')}\n`;
}
