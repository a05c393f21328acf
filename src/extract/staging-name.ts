import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * The staging directory beside `target`: `.<name>.partial-<pid>-<hex>`. The pid says whose it
 * is, so that what a killed extraction left can be told from one still running. A module of its
 * own, so code that only recognises the names (the root's version listing, serve) loads no extractor.
 */
export function stagingPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** The pid in a staging directory's name, or undefined for any other name. */
export function stagingOwner(name: string): number | undefined {
  const m = /^\..+\.partial-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
