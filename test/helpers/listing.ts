import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CORPUS } from './paths.js';

const run = promisify(execFile);

/** The corpus's own listing.py, so our tree is listed exactly as the reference extractions were. */
/** `now`: times at or after it were not restored and are listed as "?", as in the reference listings. */
export async function listTree(dir: string, now?: number): Promise<string[]> {
  const args = [join(CORPUS, 'listing.py'), dir, ...(now === undefined ? [] : ['--now', String(now)])];
  const { stdout } = await run('python3', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l !== '');
}

export const COLUMNS = ['path', 'type', 'size', 'mode', 'mtime', 'data', 'hlink'] as const;
export type Column = (typeof COLUMNS)[number];

/** Keeps only the chosen columns of listing lines, so a comparison can leave out what a reference gets wrong. */
export function project(lines: readonly string[], columns: readonly Column[]): string[] {
  const idx = columns.map((c) => COLUMNS.indexOf(c));
  return lines.map((l) => {
    const cells = l.split('\t');
    return idx.map((i) => cells[i]).join('\t');
  });
}
