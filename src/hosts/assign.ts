/**
 * `pxe-import host add|remove|list` and `pxe-import chain add|remove|list`: changes to the state's
 * host assignments and chain entries, committed and derived like an import (under the root's lock,
 * state first, then every derived file). Everything is checked before anything is written: a bad
 * MAC, an unknown import or entry, or a bad chain target changes nothing.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { PxeError } from '../errors.js';
import { CONTROL } from '../kernel-cmdline.js';
import { renderHostFiles } from '../menus/hosts.js';
import { menuModel } from '../import/derive.js';
import { checkName } from '../import/layout.js';
import { PxeRoot, type RootOptions } from '../import/run.js';
import { withChain, withHost, withoutChain, withoutHosts, type ChainRecord, type HostAssignment, type State } from '../import/state.js';
import { requireMac } from './mac.js';

export interface HostChange {
  readonly host: HostAssignment;
  /** 'added', 'updated' (the MAC had another assignment) or 'unchanged'. */
  readonly action: 'added' | 'updated' | 'unchanged';
  /** Files written or removed. */
  readonly changed: readonly string[];
  /** Loaders under which this machine still gets the menu, and why. */
  readonly notes: readonly string[];
}

/** Runs `change` on an opened root and always closes it (releasing the lock). */
async function withRoot<T>(options: RootOptions, change: (root: PxeRoot) => Promise<T>): Promise<T> {
  const root = new PxeRoot(options);
  await root.open();
  try {
    return await change(root);
  } finally {
    await root.close();
  }
}

/** `NAME` or `NAME/ENTRY-ID` checked against the state: the import exists, and so does the entry. */
export function resolveEntryRef(state: State, ref: string, stateFile: string): { import: string; entry: string | undefined } {
  const slash = ref.indexOf('/');
  const name = slash < 0 ? ref : ref.slice(0, slash);
  const entry = slash < 0 ? undefined : ref.slice(slash + 1);
  const record = state.imports[name];
  if (!record) {
    const known = Object.keys(state.imports).sort();
    throw new PxeError('USAGE', `--entry: no import named "${name}" in ${stateFile} (imported: ${known.length > 0 ? known.join(', ') : 'none'})`);
  }
  if (entry !== undefined && !record.entries.some((e) => e.id === entry)) {
    throw new PxeError('USAGE', `--entry: ${name} has no entry "${entry}" (its entries: ${record.entries.map((e) => e.id).join(', ')})`);
  }
  return { import: name, entry };
}

/** Assigns a machine to an entry (replacing an earlier assignment of the same MAC). */
export async function addHost(options: RootOptions, args: { mac: string; entry: string; append: string | undefined }): Promise<HostChange> {
  const mac = requireMac(args.mac);
  const append = (args.append ?? '').trim();
  if (new RegExp(CONTROL.source).test(append)) throw new PxeError('USAGE', '--append: control characters (newlines, tabs) cannot be passed on a kernel command line');
  return withRoot(options, async (root) => {
    const ref = resolveEntryRef(root.state, args.entry, root.layout.state);
    const record = root.state.imports[ref.import]!;
    const target = ref.entry === undefined ? (record.entries.find((e) => e.isDefault) ?? record.entries[0]) : record.entries.find((e) => e.id === ref.entry);
    if (append !== '' && target && target.method !== 'linux') {
      throw new PxeError('USAGE', `--append: ${ref.import}/${target.id} boots a whole ISO (${target.method}), which takes no kernel arguments`);
    }
    const host: HostAssignment = { mac, import: ref.import, entry: ref.entry, append };
    const before = root.state.hosts?.[mac];
    const same = before !== undefined && JSON.stringify(before) === JSON.stringify(host);
    if (!same) {
      await root.commit(withHost(root.state, host));
      await root.derive();
    }
    return { host, action: same ? 'unchanged' : before ? 'updated' : 'added', changed: root.changed, notes: hostNotes(root, mac) };
  });
}

/** The notes renderHostFiles gives for one machine. */
function hostNotes(root: PxeRoot, mac: string): string[] {
  const model = menuModel(root.state, root.layout, root.options.menu);
  return renderHostFiles(model, { serial: root.options.menu.serial }).notes.filter((n) => n.startsWith(`${mac}:`));
}

/** Removes machines' assignments; every MAC must be valid and assigned, or nothing changes. */
export async function removeHosts(options: RootOptions, macs: readonly string[]): Promise<{ removed: string[]; changed: readonly string[] }> {
  const parsed = macs.map(requireMac);
  return withRoot(options, async (root) => {
    const missing = parsed.filter((m) => root.state.hosts?.[m] === undefined);
    if (missing.length > 0) throw new PxeError('USAGE', `${root.layout.state}: no assignment for ${missing.join(', ')} (see pxe-import host list)`);
    await root.commit(withoutHosts(root.state, parsed));
    await root.derive();
    return { removed: parsed, changed: root.changed };
  });
}

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
export async function addChain(options: RootOptions, args: { name: string; to: string; label: string | undefined }): Promise<{ chain: ChainRecord; changed: readonly string[]; notes: string[] }> {
  const name = checkName(args.name);
  const prefix = await chainPrefix(options.root, args.to);
  const notes: string[] = [];
  if (!/^https?:/.test(prefix) && !(await stat(resolve(options.root, prefix, 'pxelinux.0')).then(() => true, () => false))) {
    notes.push(`${resolve(options.root, prefix)} has no pxelinux.0: the iPXE menu chains ${prefix}pxelinux.0, so copy the tree's own there`);
  }
  return withRoot(options, async (root) => {
    if (root.state.imports[name]) throw new PxeError('USAGE', `${name}: already an import's name; choose another name for the chain entry`);
    const chain: ChainRecord = { name, label: args.label ?? `${name} (netboot)`, prefix };
    await root.commit(withChain(root.state, chain));
    await root.derive();
    return { chain, changed: root.changed, notes };
  });
}

export async function removeChain(options: RootOptions, name: string): Promise<{ changed: readonly string[] }> {
  return withRoot(options, async (root) => {
    if (!root.state.chains?.[name]) throw new PxeError('USAGE', `${root.layout.state}: no chain entry named "${name}" (see pxe-import chain list)`);
    await root.commit(withoutChain(root.state, name));
    await root.derive();
    return { changed: root.changed };
  });
}
