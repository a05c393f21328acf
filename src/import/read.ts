import { readFile } from 'node:fs/promises';
import { ioError } from './fs-atomic.js';
import { Layout } from './layout.js';
import { EMPTY_STATE, parseState, type State } from './state.js';

/** A root's state.json, or undefined when there is none (a root nothing was committed to). */
export async function readStateFile(root: string): Promise<State | undefined> {
  const file = new Layout(root).state;
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw ioError(file, 'cannot read state', e);
  });
  return text === undefined ? undefined : parseState(text, file);
}

/** A root's state read without the lock (list, inspect, dhcp, --dry-run): an absent state is empty. */
export async function readRootState(root: string): Promise<State> {
  return (await readStateFile(root)) ?? EMPTY_STATE;
}
