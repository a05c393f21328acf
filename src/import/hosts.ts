/**
 * `pxe-import host add|remove`: changes to the state's host assignments, committed and derived like
 * an import (under the root's lock, state first, then every derived file). Everything is checked
 * before anything is written: a bad MAC or an unknown import or entry changes nothing.
 */
import { PxeError } from '../errors.js';
import { CONTROL } from '../kernel-cmdline.js';
import { renderHostFiles } from '../menus/hosts.js';
import type { RootRequest } from './apply.js';
import { menuModel } from './derived.js';
import { requireMac } from './mac.js';
import { RootSession } from './session.js';
import { withHost, withoutHosts, type HostAssignment, type State } from './state.js';

export interface HostChange {
  readonly host: HostAssignment;
  /** 'added', 'updated' (the MAC had another assignment) or 'unchanged'. */
  readonly action: 'added' | 'updated' | 'unchanged';
  /** Files written or removed. */
  readonly changed: readonly string[];
  /** Loaders under which this machine still gets the menu, and why. */
  readonly notes: readonly string[];
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
export async function addHost(options: RootRequest, args: { mac: string; entry: string; append: string | undefined }): Promise<HostChange> {
  const mac = requireMac(args.mac);
  const append = (args.append ?? '').trim();
  if (new RegExp(CONTROL.source).test(append)) throw new PxeError('USAGE', '--append: control characters (newlines, tabs) cannot be passed on a kernel command line');
  return RootSession.with({ ...options, needServer: false }, async (root) => {
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
function hostNotes(root: RootSession, mac: string): string[] {
  const model = menuModel(root.state, root.layout, root.options.menu);
  return renderHostFiles(model, { serial: root.options.menu.serial }).notes.filter((n) => n.startsWith(`${mac}:`));
}

/** Removes machines' assignments; every MAC must be valid and assigned, or nothing changes. */
export async function removeHosts(options: RootRequest, macs: readonly string[]): Promise<{ removed: string[]; changed: readonly string[] }> {
  const parsed = macs.map(requireMac);
  return RootSession.with({ ...options, needServer: false }, async (root) => {
    const missing = parsed.filter((m) => root.state.hosts?.[m] === undefined);
    if (missing.length > 0) throw new PxeError('USAGE', `${root.layout.state}: no assignment for ${missing.join(', ')} (see pxe-import host list)`);
    await root.commit(withoutHosts(root.state, parsed));
    await root.derive();
    return { removed: parsed, changed: root.changed };
  });
}
