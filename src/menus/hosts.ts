/**
 * Per-machine files: a machine assigned to one entry (`pxe-import host add`) boots it at once,
 * with its extra kernel arguments, and never sees the menu. The entry is the menu's own
 * {@link PlannedEntry} (same name, files and kernel arguments, plus the host's arguments), written by
 * each loader's {@link LoaderDialect} with the same per-entry code as its menu; only the wrapping
 * differs (see each dialect's `hostFile`: pxelinux.cfg/01-<mac>, grub/grub.cfg-01-<mac>, hosts/<mac>.ipxe).
 *
 * A machine whose entry a loader cannot boot (memdisk under GRUB, sanboot under pxelinux and GRUB),
 * or whose import or entry is gone, gets no file for that loader: it sees the menu, and a note says so.
 * Pure, like the menu renderers.
 */
import type { MenuModel } from './model.js';
import {
  commentText,
  hostFilePath,
  menuContext,
  resolveHosts,
  type LoaderDialect,
  type LoaderId,
  type MenuRenderOptions,
  type PlannedEntry,
  type ResolvedHost,
} from './common.js';
import { DIALECTS } from './dialects.js';

/** Where the per-host files live, relative to the root. */
export const HOST_FILE_DIRS: Readonly<Record<LoaderId, string>> = {
  pxelinux: DIALECTS.pxelinux.hostPath.dir,
  grub: DIALECTS.grub.hostPath.dir,
  ipxe: DIALECTS.ipxe.hostPath.dir,
};

/** True for a file name a per-host file of this loader could have (so stale ones can be found). */
export function isHostFileName(loader: LoaderId, name: string): boolean {
  const { prefix, suffix } = DIALECTS[loader].hostPath;
  if (name.length < prefix.length + suffix.length || !name.startsWith(prefix) || !name.endsWith(suffix)) return false;
  return /^(?:[0-9a-f]{2}-){5}[0-9a-f]{2}$/.test(name.slice(prefix.length, name.length - suffix.length));
}

export interface HostFile {
  readonly loader: LoaderId;
  /** Relative to the root, e.g. `pxelinux.cfg/01-52-54-00-12-34-56`. */
  readonly path: string;
  readonly text: string;
}

export interface RenderedHosts {
  readonly files: readonly HostFile[];
  /** One line per machine that gets the menu under some loader, and why. */
  readonly notes: readonly string[];
  /** The notes of machines whose import or entry is gone (they get the menu everywhere). */
  readonly unresolved: readonly string[];
}

function what(h: ResolvedHost): string {
  return `${h.host.importName}${h.host.entryId === undefined ? '' : `/${h.host.entryId}`}`;
}

/** The comment each of the machine's files carries. */
function hostComment(h: ResolvedHost, p: PlannedEntry): string {
  const args = h.host.append === '' ? '' : ` with "${commentText(h.host.append)}"`;
  return `# Machine ${h.host.mac} boots ${commentText(p.imp.name)}/${commentText(p.entry.id)}${args}, without a menu (pxe-import host).`;
}

/** The per-host files of every machine in `model.hosts`, sorted by path. */
export function renderHostFiles(model: MenuModel, options: MenuRenderOptions = {}): RenderedHosts {
  const ctx = menuContext(model, options);
  const dialects: readonly LoaderDialect[] = Object.values(DIALECTS);
  const files: HostFile[] = [];
  const notes: string[] = [];
  const unresolved: string[] = [];
  for (const h of resolveHosts(model, ctx.plan)) {
    const p = h.planned;
    if (!p) {
      const note = `${h.host.mac}: ${what(h)} is not imported (any more): this machine gets the menu; pxe-import host add it again or host remove it`;
      notes.push(note);
      unresolved.push(note);
      continue;
    }
    const comment = hostComment(h, p);
    const cannot: string[] = [];
    for (const d of dialects) {
      const why = d.cannotBoot(p, ctx);
      if (why === undefined) files.push({ loader: d.id, path: hostFilePath(d, h.host.mac), text: d.hostFile(p, ctx, comment) });
      else cannot.push(`${d.title} (${why})`);
    }
    if (cannot.length > 0) notes.push(`${h.host.mac}: gets the menu under ${cannot.join(', ')}`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, notes, unresolved };
}
