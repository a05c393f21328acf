/**
 * `pxe-import chain add|remove`: menu items that hand the client to a distribution's own pxelinux
 * netboot tree (src/menus renders them), stored in the state and derived like an import. The
 * target is checked before anything is written.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { PxeError } from '../errors.js';
import type { RootRequest } from './apply.js';
import { checkName } from './layout.js';
import { RootSession } from './session.js';
import { withChain, withoutChain, type ChainRecord } from './state.js';

/** What a chain's `--to` becomes: a root-relative directory or an http(s) URL, ending in "/". */
export async function chainPrefix(rootDir: string, to: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(to)) {
    if (!/^https?:\/\/[^/\s]+/i.test(to) || /[\s\u0000-\u001f\u007f]/.test(to)) throw new PxeError('USAGE', `--to: expected a directory under the PXE root or an http:// URL, got "${to}"`);
    return to.endsWith('/') ? to : `${to}/`;
  }
  // A relative --to is taken relative to the root, where the TFTP server serves it from.
  const dir = resolve(rootDir, to);
  const rel = relative(rootDir, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new PxeError('USAGE', `--to: ${dir} is not inside the PXE root ${rootDir}; TFTP clients can only reach files there`);
  if (/[\s\u0000-\u001f\u007f]/.test(rel)) throw new PxeError('USAGE', `--to: ${dir}: boot loaders cannot express a path with blanks`);
  const cfg = `${dir}${sep}pxelinux.cfg${sep}default`;
  if (!(await stat(cfg).then((s) => s.isFile(), () => false))) throw new PxeError('USAGE', `--to: ${cfg} not found: not a pxelinux netboot tree`);
  return `${rel.split(sep).join('/')}/`;
}

/** Adds or replaces a chain entry. */
export async function addChain(options: RootRequest, args: { name: string; to: string; label: string | undefined }): Promise<{ chain: ChainRecord; changed: readonly string[]; notes: string[] }> {
  const name = checkName(args.name);
  const prefix = await chainPrefix(options.root, args.to);
  const notes: string[] = [];
  if (!/^https?:/.test(prefix) && !(await stat(resolve(options.root, prefix, 'pxelinux.0')).then(() => true, () => false))) {
    notes.push(`${resolve(options.root, prefix)} has no pxelinux.0: the iPXE menu chains ${prefix}pxelinux.0, so copy the tree's own there`);
  }
  return RootSession.with({ ...options, needServer: false }, async (root) => {
    if (root.state.imports[name]) throw new PxeError('USAGE', `${name}: already an import's name; choose another name for the chain entry`);
    const chain: ChainRecord = { name, label: args.label ?? `${name} (netboot)`, prefix };
    await root.commit(withChain(root.state, chain));
    await root.derive();
    return { chain, changed: root.changed, notes };
  });
}

export async function removeChain(options: RootRequest, name: string): Promise<{ changed: readonly string[] }> {
  return RootSession.with({ ...options, needServer: false }, async (root) => {
    if (!root.state.chains?.[name]) throw new PxeError('USAGE', `${root.layout.state}: no chain entry named "${name}" (see pxe-import chain list)`);
    await root.commit(withoutChain(root.state, name));
    await root.derive();
    return { changed: root.changed };
  });
}
