/**
 * Whole-file checks on top of the syntax problems found while parsing: option
 * keywords, relative paths, clients without options, duplicate exports.
 * Everything here is something `exportfs -ra` either rejects or warns about.
 */

import { PxeError } from '../errors.js';
import { formatProblem, type ExportEntry, type ExportsFile, type ExportsProblem } from './model.js';
import { checkExportOption } from './options.js';
import { normalizeExportPath } from './paths.js';

/** All problems in file order; errors and warnings mixed, see `severity`. */
export function validateExports(file: ExportsFile): ExportsProblem[] {
  const out: ExportsProblem[] = [];
  const seen = new Map<string, number>();
  for (const l of file.lines) {
    out.push(...l.problems);
    if (l.kind !== 'entry') continue;
    const add = (severity: ExportsProblem['severity'], message: string, line = l.line): void => {
      out.push({ file: file.file, line, severity, message });
    };
    checkEntry(l, add);
    for (const c of l.clients) {
      // exportfs treats a missing host name as '*', so those collide too.
      const host = c.host === '' ? '*' : c.host;
      const key = `${normalizeExportPath(l.path)}\0${host}`;
      const first = seen.get(key);
      if (first !== undefined) {
        add('warning', `"${l.path}" is already exported to "${host}" on line ${first}`, c.line);
      } else {
        seen.set(key, l.line);
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

type AddProblem = (severity: ExportsProblem['severity'], message: string, line?: number) => void;

function checkEntry(e: ExportEntry, add: AddProblem): void {
  if (e.path !== '' && !e.path.startsWith('/')) {
    add('error', `export path "${e.path}" is not absolute`);
  }
  for (const opt of e.defaultOptions ?? []) {
    if (opt === '') continue; // already reported as a syntax problem
    const why = checkExportOption(opt);
    if (why !== undefined) add('error', `default options "-${e.defaultOptions?.join(',')}": ${why}`);
  }
  for (const c of e.clients) {
    if (c.options === undefined) {
      if (e.defaultOptions === undefined) {
        add('warning', `no options for client "${c.raw}"; exportfs warns and uses its defaults (ro,root_squash,sync)`, c.line);
      }
      continue;
    }
    for (const opt of c.options) {
      if (opt === '') continue;
      const why = checkExportOption(opt);
      if (why !== undefined) add('error', `client "${c.raw}": ${why}`, c.line);
    }
  }
}

/**
 * Throws a USAGE PxeError naming the first error (`file:line: message`);
 * warnings never throw. Returns the warnings so a caller can pass them on.
 */
export function assertValidExports(file: ExportsFile): ExportsProblem[] {
  const problems = validateExports(file);
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first !== undefined) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new PxeError('USAGE', `${formatProblem(first)}${more}`, { file: file.file });
  }
  return problems;
}
