/**
 * Pure edits of a parsed exports file. Only the affected logical line changes;
 * every other line (user entries, comments, continuations, odd whitespace, line
 * endings) is carried over from its `raw` text byte for byte. The result is
 * re-parsed from the new text, so line numbers and problems are always current.
 */

import { PxeError } from '../errors.js';
import type { ExportEntry, ExportLineSpec, ExportsFile, ExportsLine, LineEnding } from './model.js';
import { parseExports, parseExportsBytes } from './parse.js';
import { isSameOrAncestorPath, normalizeExportPath } from './paths.js';
import { renderExportLine } from './render.js';

export type ExportsEditAction = 'added' | 'updated' | 'unchanged' | 'removed' | 'absent';

export interface ExportsEditResult {
  readonly file: ExportsFile;
  readonly action: ExportsEditAction;
  /** Physical lines (in the input file) that were replaced or removed; empty when added or untouched. */
  readonly lines: readonly number[];
}

/** The text of a trailing comment without '#' and surrounding blanks. */
export function commentText(comment: string | undefined): string | undefined {
  return comment === undefined ? undefined : comment.slice(1).trim();
}

function entries(file: ExportsFile): ExportEntry[] {
  return file.lines.filter((l): l is ExportEntry => l.kind === 'entry');
}

/** The line ending the file already uses, so an appended line does not mix styles. */
function dominantEol(lines: readonly ExportsLine[]): Exclude<LineEnding, ''> {
  for (const l of lines) if (l.eol !== '') return l.eol;
  return '\n';
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when the entry already exports exactly what `spec` asks for, however it is formatted. */
export function matchesSpec(e: ExportEntry, spec: ExportLineSpec): boolean {
  return (
    e.problems.length === 0 &&
    normalizeExportPath(e.path) === normalizeExportPath(spec.path) &&
    e.defaultOptions === undefined &&
    e.clients.length === spec.clients.length &&
    e.clients.every((c, i) => c.host === spec.clients[i] && sameList(c.options, spec.options))
  );
}

/** What becomes of one existing logical line in rewriteExports. */
export type LineRewrite = 'keep' | 'drop' | { readonly replace: string };

/** One line of the new file: an existing line's source, or new text (encoded as UTF-8 when the file is bytes). */
interface Part {
  readonly raw: string;
  readonly bytes: Uint8Array | undefined;
  eol: LineEnding;
}

/**
 * Rewrites a file line by line: `decide` keeps each logical line byte for byte, drops
 * it, or replaces it with one new line (which keeps the old line's ending); `append`
 * lines go at the end, in the line ending the file already uses. A last line without
 * a line ending gets one before anything appended after it: that is the only byte
 * added to a kept line. The result is parsed again the way `file` was (text or bytes).
 */
export function rewriteExports(
  file: ExportsFile,
  decide: (line: ExportsLine) => LineRewrite,
  append: readonly string[] = [],
): ExportsFile {
  const parts: Part[] = [];
  let last: ExportsLine | undefined;
  for (const l of file.lines) {
    const what = decide(l);
    if (what === 'drop') continue;
    parts.push(what === 'keep' ? { raw: l.raw, bytes: l.bytes, eol: l.eol } : { raw: what.replace, bytes: undefined, eol: l.eol });
    last = l;
  }
  const tail = parts[parts.length - 1];
  if (append.length > 0 && tail !== undefined && tail.eol === '') {
    // A line break would turn a final backslash into a continuation and swallow our line.
    if (tail.raw.endsWith('\\')) {
      const where = last === undefined ? 0 : last.line + last.lineCount - 1;
      throw new PxeError('USAGE', `${file.file}:${where}: last line ends with a backslash; fix it by hand`, { file: file.file });
    }
    tail.eol = dominantEol(file.lines);
  }
  for (const raw of append) parts.push({ raw, bytes: undefined, eol: dominantEol(file.lines) });

  if (file.source === 'text') {
    let text = '';
    for (const p of parts) text += p.raw + p.eol;
    return parseExports(text, file.file);
  }
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(p.bytes ?? Buffer.from(p.raw, 'utf8'), Buffer.from(p.eol, 'latin1'));
  return parseExportsBytes(Buffer.concat(chunks), file.file);
}

function checkMarker(marker: string | undefined): void {
  if (marker === undefined) return;
  if (marker.trim() === '' || marker !== marker.trim() || /[\r\n]/.test(marker)) {
    throw new PxeError('USAGE', `invalid exports marker "${marker}": must be non-empty, single-line, without surrounding blanks`);
  }
}

/**
 * Makes the file export `path` to `clients` with `options`.
 *
 * With a `marker`, the line owned by that marker (trailing comment `# marker`)
 * is the one updated, whatever its path, and lines without the marker are never
 * touched, even for the same path: those belong to the user. Without a marker,
 * the first entry for the same path is updated and keeps its trailing comment.
 * If nothing matches, a canonical line is appended. An entry that already says
 * the same thing is left alone, so re-running an import changes nothing.
 */
export function upsertExport(
  file: ExportsFile,
  path: string,
  clients: readonly string[],
  options: readonly string[],
  marker?: string,
): ExportsEditResult {
  checkMarker(marker);
  const spec: ExportLineSpec = marker === undefined ? { path, clients, options } : { path, clients, options, comment: marker };
  const fresh = renderExportLine(spec); // validates before anything is looked up

  const candidates = entries(file).filter((e) =>
    marker !== undefined ? commentText(e.comment) === marker : normalizeExportPath(e.path) === normalizeExportPath(path),
  );
  const target = candidates[0];
  if (marker !== undefined && candidates.length > 1) {
    const where = candidates.map((e) => e.line).join(', ');
    throw new PxeError('USAGE', `${file.file}:${candidates[1]!.line}: marker "${marker}" is on more than one line (lines ${where})`, {
      file: file.file,
    });
  }

  if (target === undefined) {
    return { file: checked(rewriteExports(file, () => 'keep', [fresh]), spec, file.lines.length), action: 'added', lines: [] };
  }

  if (matchesSpec(target, spec)) return { file, action: 'unchanged', lines: [] };

  const raw = marker === undefined && target.comment !== undefined ? `${renderExportLine({ path, clients, options })} ${target.comment}` : fresh;
  const rewritten = rewriteExports(file, (l) => (l === target ? { replace: raw } : 'keep'));
  return { file: checked(rewritten, spec, file.lines.indexOf(target)), action: 'updated', lines: physicalLines(target) };
}

/**
 * Removes every entry for `path` (after normalising slashes). With a `marker`,
 * only entries carrying that marker are removed.
 */
export function removeExport(file: ExportsFile, path: string, marker?: string): ExportsEditResult {
  checkMarker(marker);
  const want = normalizeExportPath(path);
  const doomed = new Set(
    entries(file).filter(
      (e) => normalizeExportPath(e.path) === want && (marker === undefined || commentText(e.comment) === marker),
    ),
  );
  if (doomed.size === 0) return { file, action: 'absent', lines: [] };
  const removed = [...doomed].flatMap(physicalLines);
  return { file: rewriteExports(file, (l) => (l.kind === 'entry' && doomed.has(l) ? 'drop' : 'keep')), action: 'removed', lines: removed };
}

/**
 * Entries whose path is `path` or one of its ancestors, in file order. Used to
 * warn that another exports line already covers a path we are about to export.
 */
export function findCoveringExports(file: ExportsFile, path: string): ExportEntry[] {
  return entries(file).filter((e) => isSameOrAncestorPath(e.path, path));
}

function physicalLines(l: ExportsLine): number[] {
  return Array.from({ length: l.lineCount }, (_, k) => l.line + k);
}

/** The line we wrote must read back as exactly what was asked; anything else is our bug. */
function checked(file: ExportsFile, spec: ExportLineSpec, index: number): ExportsFile {
  const l = file.lines[index];
  if (l === undefined || l.kind !== 'entry' || !matchesSpec(l, spec)) {
    throw new PxeError('INTERNAL', `${file.file}: rendered exports line does not parse back to "${spec.path}"`, {
      file: file.file,
    });
  }
  return file;
}
