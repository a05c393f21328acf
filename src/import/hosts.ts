/**
 * `pxe-import host add|remove`: changes to the state's host assignments, committed and derived like
 * an import (under the root's lock, state first, then every derived file). Everything is checked
 * before anything is written: a bad MAC or an unknown import or entry changes nothing.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PxeError } from '../errors.js';
import { CONTROL } from '../kernel-cmdline.js';
import type { Profile } from '../profiles/index.js';
import { ANSWER_EXTENSION, checkAnswerFile } from './answer-file.js';
import { ioError, writeFileAtomic } from './fs-atomic.js';
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

export interface HostArgs {
  readonly mac: string;
  readonly entry: string;
  readonly append: string | undefined;
  /** An answer file for the entry's family (kickstart for Anaconda), served from the root over HTTP. */
  readonly auto?: string;
  /** The profiles the imports were made with (to find the family's answer-file rule); needed with `auto`. */
  readonly profiles?: readonly Profile[];
}

/** Where a machine's answer file is served from, relative to the root. */
export function answerFilePath(mac: string, extension: string): string {
  return `.pxe-import/auto/${mac.replace(/:/g, '-')}.${extension}`;
}

/** Assigns a machine to an entry (replacing an earlier assignment of the same MAC). */
export async function addHost(options: RootRequest, args: HostArgs): Promise<HostChange> {
  const mac = requireMac(args.mac);
  const own = (args.append ?? '').trim();
  if (new RegExp(CONTROL.source).test(own)) throw new PxeError('USAGE', '--append: control characters (newlines, tabs) cannot be passed on a kernel command line');
  // Read before the lock is taken: a missing or unreadable file changes nothing.
  const autoBytes = args.auto === undefined ? undefined : await readFile(args.auto).catch((e: NodeJS.ErrnoException) => {
    throw new PxeError('USAGE', `--auto: ${args.auto}: cannot read it (${e.code ?? e.message})`, { file: args.auto });
  });
  return RootSession.with({ ...options, needServer: false }, async (root) => {
    const ref = resolveEntryRef(root.state, args.entry, root.layout.state);
    const record = root.state.imports[ref.import]!;
    const target = ref.entry === undefined ? (record.entries.find((e) => e.isDefault) ?? record.entries[0]) : record.entries.find((e) => e.id === ref.entry);
    if ((own !== '' || args.auto !== undefined) && target && target.method !== 'linux') {
      throw new PxeError('USAGE', `--${own !== '' ? 'append' : 'auto'}: ${ref.import}/${target.id} boots a whole ISO (${target.method}), which takes no kernel arguments`);
    }
    let append = own;
    let auto: string | undefined;
    const notes: string[] = [];
    if (args.auto !== undefined && autoBytes !== undefined) {
      const rule = (args.profiles ?? []).find((p) => p.id === record.profile.id)?.auto;
      if (!rule) throw new PxeError('USAGE', `--auto: ${ref.import} was imported with profile ${record.profile.id} (family ${record.profile.family}), which names no answer-file format pxe-import can serve`);
      const text = checkAnswerFile(rule.format, autoBytes, args.auto);
      auto = answerFilePath(mac, ANSWER_EXTENSION[rule.format]);
      const settings = root.state.settings;
      const httpRoot = settings?.httpBase ?? `http://${settings?.server ?? ''}/`;
      if (settings?.httpBase === undefined) notes.push(`${mac}: the ${rule.format} file's URL assumes ${httpRoot} serves the PXE root over HTTP (no HTTP base is set: pass --http-base to an import to set one)`);
      append = [own, rule.argument.replace('{autoUrl}', `${httpRoot}${auto}`)].filter((a) => a !== '').join(' ');
      const path = join(root.layout.root, auto);
      try {
        await writeFileAtomic(path, text);
      } catch (e) {
        throw ioError(path, 'cannot write the answer file', e);
      }
    }
    const host: HostAssignment = auto === undefined ? { mac, import: ref.import, entry: ref.entry, append } : { mac, import: ref.import, entry: ref.entry, append, auto };
    const before = root.state.hosts?.[mac];
    const same = before !== undefined && JSON.stringify(before) === JSON.stringify(host);
    if (!same) {
      await root.commit(withHost(root.state, host));
      await root.derive();
    }
    return { host, action: same ? 'unchanged' : before ? 'updated' : 'added', changed: root.changed, notes: [...notes, ...hostNotes(root, mac)] };
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
    const answerFiles = parsed.map((m) => root.state.hosts![m]!.auto).filter((a): a is string => a !== undefined);
    await root.commit(withoutHosts(root.state, parsed));
    await root.derive();
    // The state no longer names them: nothing serves them any more.
    for (const a of answerFiles) await rm(join(root.layout.root, a), { force: true });
    return { removed: parsed, changed: root.changed };
  });
}
