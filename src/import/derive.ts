import { parseExports, removeExport, renderExports, upsertExport, findCoveringExports, type ExportsFile } from '../exports/index.js';
import type { State } from './state.js';

/** The exports lines a state wants, and their sync into an exports file (pure). */

/** Read-only, no_root_squash so root in the initramfs can read every file; see README "NFS exports". */
export const EXPORT_OPTIONS = ['ro', 'no_subtree_check', 'no_root_squash', 'insecure', 'async'];

const MARKER_PREFIX = 'pxe-import ';

export interface ExportLineWanted {
  readonly path: string;
  readonly clients: readonly string[];
  readonly marker: string;
}

/** One line per exported version: the current one and every retained one, which running clients may still use. */
export function wantedExports(state: State): ExportLineWanted[] {
  const lines: ExportLineWanted[] = [];
  for (const name of Object.keys(state.imports).sort()) {
    const r = state.imports[name]!;
    const nfs = r.entries.some((e) => e.method === 'linux' && e.nfs !== undefined);
    if (nfs) lines.push({ path: r.exportPath, clients: r.clients, marker: `${MARKER_PREFIX}${name} ${r.version}` });
    for (const old of r.retained) if (old.nfs) lines.push({ path: old.exportPath, clients: r.clients, marker: `${MARKER_PREFIX}${name} ${old.version}` });
  }
  return lines;
}

/**
 * Brings an exports file in line with the state: our marked lines are added, updated
 * or removed; every other line (the user's) is kept byte for byte.
 */
export function syncExports(text: string, file: string, wanted: readonly ExportLineWanted[]): { text: string; covered: string[] } {
  let f: ExportsFile = parseExports(text, file);
  const keep = new Set(wanted.map((w) => w.marker));
  for (const l of f.lines) {
    const marker = l.kind === 'entry' ? l.comment?.slice(1).trim() : undefined;
    if (l.kind === 'entry' && marker?.startsWith(MARKER_PREFIX) && !keep.has(marker)) f = removeExport(f, l.path, marker).file;
  }
  for (const w of wanted) f = upsertExport(f, w.path, w.clients, EXPORT_OPTIONS, w.marker).file;
  // Another line covering the same path decides the options for it; the user should know.
  const covered: string[] = [];
  for (const w of wanted) {
    for (const e of findCoveringExports(f, w.path)) {
      const marker = e.comment?.slice(1).trim();
      if (!marker?.startsWith(MARKER_PREFIX)) covered.push(`${file}:${e.line}: ${e.path} is also exported here, which may override pxe-import's options for ${w.path}`);
    }
  }
  return { text: renderExports(f), covered };
}
