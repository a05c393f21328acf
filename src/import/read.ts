import { access, readFile } from 'node:fs/promises';
import { PxeError } from '../errors.js';
import { ioError } from './fs-atomic.js';
import { Layout } from './layout.js';
import { EMPTY_STATE, parseState, type State } from './state.js';
import { countTrees, listVersionDirs } from './trees.js';

/** A file's text, or undefined when it does not exist. */
export async function readStateText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw ioError(file, 'cannot read state', e);
  });
}

/**
 * A root's state.json, or undefined when there is none and no tree either (a root nothing was
 * committed to). A root whose trees outlived its state lost it: that is STATE_INVALID, never an
 * empty root, since an import into it would stop serving every earlier tree. Only `pxe-import
 * repair` (repair.ts) reads such a root, and reads it itself.
 */
export async function readStateFile(root: string): Promise<State | undefined> {
  const layout = new Layout(root);
  const text = await readStateText(layout.state);
  if (text !== undefined) return parseState(text, layout.state);
  const trees = countTrees(await listVersionDirs(layout));
  if (trees === 0) return undefined;
  const prev = `${layout.state}.prev`;
  const restore = (await access(prev).then(() => true, () => false)) ? ` (or restore ${prev})` : '';
  throw new PxeError('STATE_INVALID', `${layout.state}: missing, but ${trees} tree(s) exist in ${layout.versionsDir}; run pxe-import repair to rebuild it${restore}; nothing was changed`, {
    file: layout.state,
  });
}

/** A root's state read without the lock (list, inspect, dhcp, --dry-run): an absent state is empty. */
export async function readRootState(root: string): Promise<State> {
  return (await readStateFile(root)) ?? EMPTY_STATE;
}
