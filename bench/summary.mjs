// Prints one table over the results-SHAPE-MODE.json files that bench/extract.sh wrote:
// per shape and page-cache state, each tool's median, its ratio to cp and to bsdtar,
// and its peak RSS.   WORK=... SHAPES=a,b,c MODES=warm,cold node bench/summary.mjs
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const work = process.env.WORK ?? 'bench/work';
const shapes = (process.env.SHAPES ?? 'a,b,c').split(',');
const modes = (process.env.MODES ?? 'warm,cold').split(',');
const fmt = (x, d = 2) => (x == null ? '-' : x.toFixed(d));
console.log('\nsummary (medians; x cp and x bsdtar are ratios of medians; target: pxe-import <= 0.8 x bsdtar on a/b, <= 1.15 x cp warm and <= 1.1 x cp cold on c)');
const WIDTHS = [6, 6, 11, 9, 9, 6, 9, 7, 5, 0];
const row = (cells) => cells.map((c, i) => c.padEnd(WIDTHS[i])).join(' ');
console.log(row(['shape', 'cache', 'tool', 'median_s', 'min_s', 'x_cp', 'x_bsdtar', 'rss_MB', 'runs', 'check']));
for (const shape of shapes) {
  for (const mode of modes) {
    const file = join(work, `results-${shape}-${mode}.json`);
    if (!existsSync(file)) {
      console.log(`${row([shape, mode])} (no results: ${file})`);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    for (const [name, t] of Object.entries(r.tools)) {
      const cells = [shape, r.mode, name, fmt(t.median_s), fmt(t.min_s), fmt(t.ratio_to_cp), fmt(t.ratio_to_bsdtar), fmt(t.peak_rss_mb, 0), String(t.samples.length), t.status];
      console.log(row(cells));
    }
  }
}
