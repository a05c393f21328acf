/**
 * The lines of an exports file that belong to one PXE root, kept in line with what
 * that root exports.
 *
 * Several roots and the user may share one exports file. A line is a root's own only
 * if it carries the pxe-import marker AND exports a path inside that root's versions
 * directory. Lines of another root (even with the very same marker text: the same
 * image imported into two roots in the same second gets the same version id) and
 * every user line are never edited or removed, and come back byte for byte: the file
 * is handled as bytes, so a line that is not UTF-8 survives too.
 *
 * The marker stays `pxe-import NAME VERSION`, as every release has written it. The
 * path already names the root, so the marker does not need to, lines written before
 * ownership existed are recognised as they are, and files written today do not change.
 */

import { PxeError, type Warning } from '../errors.js';
import { commentText, findCoveringExports, matchesSpec, rewriteExports, type LineRewrite } from './edit.js';
import { formatProblem, type ExportEntry, type ExportLineSpec, type ExportsFile, type ExportsLine } from './model.js';
import { parseExportsBytes } from './parse.js';
import { isSameOrAncestorPath, normalizeExportPath } from './paths.js';
import { encodeExports, renderExportLine } from './render.js';
import { validateExports } from './validate.js';

/** Read-only, no_root_squash so root in the initramfs can read every file; see README "NFS exports". */
export const EXPORT_OPTIONS: readonly string[] = ['ro', 'no_subtree_check', 'no_root_squash', 'insecure', 'async'];

/** How the trailing comment of every line pxe-import writes begins. */
export const OWNED_MARKER_PREFIX = 'pxe-import ';

/** The marker of the line exporting one version of one import. */
export function ownedMarker(name: string, version: string): string {
  return `${OWNED_MARKER_PREFIX}${name} ${version}`;
}

/** Whose lines a sync may edit. */
export interface ExportsOwner {
  /**
   * Absolute directory that holds every path this owner exports, and nothing another
   * owner exports: a PXE root's `<root>/.pxe-import/versions`.
   */
  readonly directory: string;
}

/** One line an owner wants in the exports file. */
export interface WantedExport {
  /** Absolute path, inside the owner's directory. */
  readonly path: string;
  /** Clients, each given EXPORT_OPTIONS. */
  readonly clients: readonly string[];
  /** Trailing comment text, from ownedMarker. */
  readonly marker: string;
}

export interface OwnedExportsSync {
  /** The whole new file; the same bytes as before when nothing had to change. */
  readonly bytes: Uint8Array;
  /** EXPORTS_COVERED for every other line that covers one of the wanted paths. */
  readonly warnings: Warning[];
}

/** True for a line of `owner`: the pxe-import marker on a path inside the owner's directory. */
export function isOwnedExport(line: ExportsLine, owner: ExportsOwner): boolean {
  return (
    line.kind === 'entry' &&
    (commentText(line.comment)?.startsWith(OWNED_MARKER_PREFIX) ?? false) &&
    isInside(owner.directory, line.path)
  );
}

function isInside(directory: string, path: string): boolean {
  return isSameOrAncestorPath(directory, path) && normalizeExportPath(path) !== normalizeExportPath(directory);
}

function specOf(w: WantedExport): ExportLineSpec {
  return { path: w.path, clients: w.clients, options: EXPORT_OPTIONS, comment: w.marker };
}

/** The line already says what `w` asks for, marker included, however it is formatted. */
function saysExactly(line: ExportEntry, w: WantedExport): boolean {
  return matchesSpec(line, specOf(w)) && commentText(line.comment) === w.marker;
}

function internal(file: string, message: string): PxeError {
  return new PxeError('INTERNAL', `${file}: ${message}`, { file });
}

/** What the caller asks for must be ownable by it, or the next sync could not find its own lines. */
function checkWanted(file: string, owner: ExportsOwner, wanted: readonly WantedExport[]): void {
  if (!owner.directory.startsWith('/')) throw internal(file, `exports owner directory "${owner.directory}" is not absolute`);
  const seen = new Set<string>();
  for (const w of wanted) {
    const m = w.marker;
    if (!m.startsWith(OWNED_MARKER_PREFIX) || m !== m.trim() || /[\r\n]/.test(m)) {
      throw internal(file, `exports marker "${m}" is not a single-line "${OWNED_MARKER_PREFIX}…" marker`);
    }
    if (!isInside(owner.directory, w.path)) throw internal(file, `export path "${w.path}" is outside ${owner.directory}`);
    const key = normalizeExportPath(w.path);
    if (seen.has(key)) throw internal(file, `export path "${w.path}" is wanted twice`);
    seen.add(key);
  }
}

/**
 * Brings the owner's lines of an exports file in line with `wanted`: a wanted line
 * that is there already stays as it is, one that says something else is rewritten
 * in place, a missing one is appended, and the owner's other lines (older versions)
 * are removed. Every other line is kept byte for byte. `before` is the file's
 * content, undefined when it does not exist.
 *
 * Throws USAGE for a client exportfs would misread, or when the file's last line ends
 * in a backslash (appending would continue it); INTERNAL if what it wrote is wrong.
 */
export function syncOwnedExports(
  before: Uint8Array | undefined,
  file: string,
  owner: ExportsOwner,
  wanted: readonly WantedExport[],
): OwnedExportsSync {
  checkWanted(file, owner, wanted);
  const current = parseExportsBytes(before ?? new Uint8Array(0), file);
  const byPath = new Map(wanted.map((w) => [normalizeExportPath(w.path), w]));
  const decisions = new Map<ExportsLine, LineRewrite>();
  const placed = new Set<WantedExport>();
  for (const l of current.lines) {
    if (l.kind !== 'entry' || !isOwnedExport(l, owner)) continue;
    const w = byPath.get(normalizeExportPath(l.path));
    // A second line of ours for the same path is a copy: the first one is kept.
    if (w === undefined || placed.has(w)) {
      decisions.set(l, 'drop');
      continue;
    }
    placed.add(w);
    if (!saysExactly(l, w)) decisions.set(l, { replace: renderExportLine(specOf(w)) });
  }
  const appended = wanted.filter((w) => !placed.has(w)).map((w) => renderExportLine(specOf(w)));
  const next = rewriteExports(current, (l) => decisions.get(l) ?? 'keep', appended);
  checkOwnedExports(next, owner, wanted);

  const warnings: Warning[] = [];
  for (const w of wanted) {
    // Another line covering the same path decides the options for it; the user should know.
    for (const e of findCoveringExports(next, w.path)) {
      if (isOwnedExport(e, owner)) continue;
      const message = `${file}:${e.line}: ${e.path} is also exported here, which may override pxe-import's options for ${w.path}`;
      warnings.push({ code: 'EXPORTS_COVERED', message, file, line: e.line });
    }
  }
  return { bytes: encodeExports(next), warnings };
}

/**
 * Checks what a sync wrote; a failure is a bug here (INTERNAL), never the user's doing.
 * validateExports must find no error in the owner's lines, and they must be exactly
 * `wanted`, each once. Problems in other lines belong to their owners and are left alone,
 * as are warnings on ours: the only one a line we render can get is "already exported
 * to the same client", which EXPORTS_COVERED reports with the line that does it.
 */
export function checkOwnedExports(file: ExportsFile, owner: ExportsOwner, wanted: readonly WantedExport[]): void {
  const ours = file.lines.filter((l): l is ExportEntry => l.kind === 'entry' && isOwnedExport(l, owner));
  for (const p of validateExports(file)) {
    if (p.severity !== 'error') continue;
    if (ours.some((l) => p.line >= l.line && p.line < l.line + l.lineCount)) {
      throw new PxeError('INTERNAL', `${formatProblem(p)} (a line pxe-import wrote)`, { file: file.file });
    }
  }
  for (const w of wanted) {
    const key = normalizeExportPath(w.path);
    const found = ours.filter((l) => normalizeExportPath(l.path) === key);
    if (found.length !== 1 || !saysExactly(found[0]!, w)) {
      throw internal(file.file, `exports line for ${w.path} was not written as wanted (${found.length} lines found)`);
    }
  }
  if (ours.length !== wanted.length) throw internal(file.file, `${ours.length - wanted.length} stale pxe-import exports lines were left`);
}
