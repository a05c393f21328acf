/**
 * Every file pxe-import owns outside the trees, derived from the state — and the difference
 * between that and what is on disk. Pure: `deriveFiles` gives the complete wanted set (menus,
 * include files, per-host files, exports lines, links); `diffDerived` compares it with a
 * snapshot of the disk (session.ts reads it) and says what to write and what to remove. A file
 * pxe-import did not write is never in the diff: a hand-written menu gets an include file beside
 * it, a hand-written host file keeps that machine on the admin's file.
 */
import { PxeError, type Warning } from '../errors.js';
import { HOST_FILE_DIRS, isHostFileName, renderHostFiles } from '../menus/hosts.js';
import { isGeneratedByUs, renderMenus } from '../menus/index.js';
import type { MenuChain, MenuHost, MenuImport, MenuModel } from '../menus/model.js';
import { ownedMarker, syncOwnedExports, type WantedExport } from '../exports/index.js';
import type { Layout } from './layout.js';
import { checkClients, type MenuSettings } from './settings.js';
import type { State } from './state.js';

export function menuModel(state: State, layout: Layout, menu: MenuSettings): MenuModel {
  const imports: MenuImport[] = Object.keys(state.imports)
    .sort()
    .map((name) => {
      const r = state.imports[name]!;
      return { name, label: r.label, treePath: layout.treePath(name, r.version), entries: r.entries };
    });
  const hosts: MenuHost[] = Object.keys(state.hosts ?? {})
    .sort()
    .map((mac) => {
      const h = state.hosts![mac]!;
      return { mac: h.mac, importName: h.import, entryId: h.entry, append: h.append };
    });
  const chains: MenuChain[] = Object.keys(state.chains ?? {})
    .sort()
    .map((name) => state.chains![name]!);
  return {
    title: menu.title,
    timeoutSeconds: menu.timeoutSeconds,
    defaultEntry: menu.defaultEntry,
    imports,
    // Derived from the state, never from the flags of whichever command runs: `host add`
    // without --http-base must not turn an HTTP boot.ipxe into a TFTP one.
    httpBase: state.settings?.httpBase,
    ...(hosts.length > 0 ? { hosts } : {}),
    ...(chains.length > 0 ? { chains } : {}),
  };
}

/**
 * One line per exported version: the current one and every retained one, which running clients
 * may still use. An import whose recorded clients are invalid (a hand edit, an older version) is
 * left unexported with a warning rather than failing every command: re-importing it with good
 * --clients, or removing it, must still work.
 */
function wantedExports(state: State): { lines: WantedExport[]; warnings: Warning[] } {
  const lines: WantedExport[] = [];
  const warnings: Warning[] = [];
  for (const name of Object.keys(state.imports).sort()) {
    const r = state.imports[name]!;
    try {
      checkClients(r.clients, `${name}: recorded clients`);
    } catch (e) {
      warnings.push({ code: 'STATE_CLIENTS_INVALID', message: `${(e as Error).message}; ${name} is not exported until it is imported again with --clients` });
      continue;
    }
    const nfs = r.entries.some((e) => e.method === 'linux' && e.nfs !== undefined);
    if (nfs) lines.push({ path: r.exportPath, clients: r.clients, marker: ownedMarker(name, r.version) });
    for (const old of r.retained) if (old.nfs) lines.push({ path: old.exportPath, clients: r.clients, marker: ownedMarker(name, old.version) });
  }
  return { lines, warnings };
}

/** A menu file: written whole where none or ours stands, else `include` is written beside the admin's. */
export interface DerivedMenu {
  readonly path: string;
  readonly text: string;
  readonly include: { readonly path: string; readonly text: string; readonly how: string };
}

export interface DerivedFiles {
  readonly menus: readonly DerivedMenu[];
  /** Per-machine files, absolute paths. */
  readonly hostFiles: ReadonlyMap<string, string>;
  /** The exports lines this root wants in its exports file. */
  readonly exports: readonly WantedExport[];
  /** ROOT/NAME -> the current version, relative to the root. */
  readonly links: ReadonlyMap<string, string>;
  /** Machines whose assignment names an import or entry that is gone: said on every run until mended. */
  readonly notes: readonly string[];
  readonly warnings: readonly Warning[];
}

export function deriveFiles(state: State, layout: Layout, menu: MenuSettings): DerivedFiles {
  const model = menuModel(state, layout, menu);
  const serial = menu.serial;
  const full = renderMenus(model, { serial });
  const part = renderMenus(model, { standalone: false, serial });
  const menus: DerivedMenu[] = [
    { path: layout.pxelinuxDefault, text: full.pxelinux, include: { path: layout.pxelinuxInclude, text: part.pxelinux, how: 'INCLUDE pxelinux.cfg/pxe-import.menu' } },
    { path: layout.grubConfig, text: full.grub, include: { path: layout.grubInclude, text: part.grub, how: 'source /grub/pxe-import.cfg' } },
    { path: layout.ipxeScript, text: full.ipxe, include: { path: layout.ipxeInclude, text: full.ipxe, how: 'chain pxe-import.ipxe' } },
  ];
  const hosts = renderHostFiles(model, { serial });
  const hostFiles = new Map(hosts.files.map((f) => [`${layout.root}/${f.path}`, f.text]));
  const links = new Map(Object.entries(state.imports).map(([name, r]) => [name, layout.treePath(name, r.version)]));
  const exports = wantedExports(state);
  return { menus, hostFiles, exports: exports.lines, links, notes: hosts.unresolved, warnings: exports.warnings };
}

/** What is on disk where derived files go (session.ts reads it). */
export interface DiskSnapshot {
  /** Each menu, include and host-file path that exists, with its text. */
  readonly files: ReadonlyMap<string, string>;
  /** Files in the per-host directories that look like host files (absolute path -> text). */
  readonly hostFiles: ReadonlyMap<string, string>;
  readonly exportsFile: string;
  /** The exports file's bytes; undefined when it does not exist. */
  readonly exports: Buffer | undefined;
  /** The root's top-level entries: a symlink's target, or null for anything else. */
  readonly rootEntries: ReadonlyMap<string, string | null>;
}

export interface DerivedChanges {
  /** The exports file's new bytes, when they differ. */
  readonly exports: Buffer | undefined;
  readonly writes: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  /** Our files no longer derived (stale host files). */
  readonly removes: readonly string[];
  readonly links: ReadonlyArray<{ readonly path: string; readonly target: string }>;
  /** Our links of names no longer imported. */
  readonly unlinks: readonly string[];
  readonly notes: readonly string[];
  readonly warnings: readonly Warning[];
}

export function isEmptyChange(c: DerivedChanges): boolean {
  return c.exports === undefined && c.writes.length === 0 && c.removes.length === 0 && c.links.length === 0 && c.unlinks.length === 0;
}

/** The writes and removals that bring the disk in line with `derived`; throws before any when a link is blocked. */
export function diffDerived(derived: DerivedFiles, disk: DiskSnapshot, layout: Layout): DerivedChanges {
  const writes: { path: string; text: string }[] = [];
  const notes: string[] = [...derived.notes];
  const write = (path: string, text: string) => {
    if (disk.files.get(path) !== text) writes.push({ path, text });
  };
  for (const m of derived.menus) {
    const existing = disk.files.get(m.path);
    if (existing !== undefined && !isGeneratedByUs(existing)) {
      // Never overwrite a file the admin wrote: write ours beside it and say how to use it.
      if (disk.files.get(m.include.path) !== m.include.text) {
        writes.push({ path: m.include.path, text: m.include.text });
        notes.push(`${m.path} was not written by pxe-import and is left alone; add this line to it: ${m.include.how}`);
      }
      continue;
    }
    write(m.path, m.text);
  }
  for (const [path, text] of derived.hostFiles) {
    const existing = disk.files.get(path);
    if (existing !== undefined && !isGeneratedByUs(existing)) {
      notes.push(`${path} was not written by pxe-import and is left alone; that machine keeps it`);
      continue;
    }
    write(path, text);
  }
  const removes = [...disk.hostFiles].filter(([path, text]) => !derived.hostFiles.has(path) && isGeneratedByUs(text)).map(([path]) => path);

  const links: { path: string; target: string }[] = [];
  for (const [name, target] of derived.links) {
    const existing = disk.rootEntries.get(name);
    if (existing === null) {
      throw new PxeError('TARGET_EXISTS', `${layout.link(name)}: exists and is not pxe-import's symlink; move it away or import under another name`, { file: layout.link(name) });
    }
    if (existing !== target) links.push({ path: layout.link(name), target });
  }
  const unlinks = [...disk.rootEntries]
    .filter(([name, target]) => !derived.links.has(name) && target !== null && target.startsWith('.pxe-import/versions/'))
    .map(([name]) => layout.link(name));

  const exports = exportsChange(disk.exports, disk.exportsFile, layout, derived.exports);
  return { exports: exports.bytes, writes, removes, links, unlinks, notes, warnings: [...derived.warnings, ...exports.warnings] };
}

/**
 * The exports file's new bytes for `wanted` (undefined when they are the same). Only this root's
 * lines — marked, and naming a path inside its versions folder — are ours to edit: another root's
 * lines and the user's stay byte for byte, whatever their encoding.
 */
export function exportsChange(before: Buffer | undefined, file: string, layout: Layout, wanted: readonly WantedExport[]): { bytes: Buffer | undefined; warnings: Warning[] } {
  const { bytes, warnings } = syncOwnedExports(before, file, { directory: layout.versionsDir }, wanted);
  const same = before === undefined ? bytes.length === 0 : Buffer.compare(before, bytes) === 0;
  return { bytes: same ? undefined : Buffer.from(bytes), warnings };
}

/** The paths a snapshot must read for `derived`: menus, includes and host files. */
export function snapshotPaths(derived: DerivedFiles): string[] {
  return [...derived.menus.flatMap((m) => [m.path, m.include.path]), ...derived.hostFiles.keys()];
}

/** The directories whose host-file-like names a snapshot lists. */
export function hostFileDirs(layout: Layout): ReadonlyArray<{ readonly dir: string; readonly accepts: (name: string) => boolean }> {
  return (Object.entries(HOST_FILE_DIRS) as [keyof typeof HOST_FILE_DIRS, string][]).map(([loader, dir]) => ({
    dir: `${layout.root}/${dir}`,
    accepts: (name: string) => isHostFileName(loader, name),
  }));
}
