import { ownedMarker, syncOwnedExports, type WantedExport } from '../exports/index.js';
import type { MenuChain, MenuHost, MenuImport, MenuModel } from '../menus/model.js';
import type { Layout } from './layout.js';
import type { State } from './state.js';

/**
 * Files derived from the state. These functions are pure: the same state gives the
 * same text, which is what makes re-running an import a no-op on disk.
 */

export interface MenuSettings {
  readonly title: string;
  readonly timeoutSeconds: number;
  readonly defaultEntry: string;
  readonly httpBase: string | undefined;
  /** Mirror pxelinux and GRUB menus on this serial port (labs with serial consoles, and the boot tests). */
  readonly serial: { readonly port: number; readonly speed: number } | undefined;
}

export function menuModel(state: State, layout: Layout, settings: MenuSettings): MenuModel {
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
    title: settings.title,
    timeoutSeconds: settings.timeoutSeconds,
    defaultEntry: settings.defaultEntry,
    imports,
    httpBase: settings.httpBase,
    ...(hosts.length > 0 ? { hosts } : {}),
    ...(chains.length > 0 ? { chains } : {}),
  };
}

export { EXPORT_OPTIONS } from '../exports/index.js';
/** The lines an import wants in the exports file; see syncOwnedExports. */
export type ExportLineWanted = WantedExport;

/** One line per exported version: the current one and every retained one, which running clients may still use. */
export function wantedExports(state: State): ExportLineWanted[] {
  const lines: ExportLineWanted[] = [];
  for (const name of Object.keys(state.imports).sort()) {
    const r = state.imports[name]!;
    const nfs = r.entries.some((e) => e.method === 'linux' && e.nfs !== undefined);
    if (nfs) lines.push({ path: r.exportPath, clients: r.clients, marker: ownedMarker(name, r.version) });
    for (const old of r.retained) if (old.nfs) lines.push({ path: old.exportPath, clients: r.clients, marker: ownedMarker(name, old.version) });
  }
  return lines;
}

/**
 * The text form kept until the caller switches to syncOwnedExports. It owns every marked
 * line of the file, whichever root it belongs to, and reads the file as text, so it still
 * has both bugs syncOwnedExports fixes: give that the root's versions directory and the bytes.
 */
export function syncExports(text: string, file: string, wanted: readonly ExportLineWanted[]): { text: string; covered: string[] } {
  const r = syncOwnedExports(Buffer.from(text, 'utf8'), file, { directory: '/' }, wanted);
  return { text: Buffer.from(r.bytes).toString('utf8'), covered: r.warnings.map((w) => w.message) };
}
