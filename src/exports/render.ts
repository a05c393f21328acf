/**
 * Writing exports(5) text.
 *
 * Paths are written with `\ooo` octal escapes, never double quotes:
 * - it is the form nfs-utils itself writes (putexportent()/fprintpath() in
 *   support/nfs/exports.c, used for etab), escaping exactly the same bytes;
 * - it can express every byte, including '"' and '\', which quoting cannot;
 * - the path stays a single whitespace-free field, so line-oriented tools
 *   (`awk '{print $1}'`, the `sed` edits RPi-PXE-Server and LTSP do) still see
 *   one path per line.
 */

import { PxeError } from '../errors.js';
import type { ExportLineSpec, ExportsFile } from './model.js';
import { checkExportOption } from './options.js';
import { MAX_PATH_BYTES } from './parse.js';

/**
 * Byte-exact inverse of parseExports for any text. For a file parsed from bytes this
 * is its UTF-8 reading, which loses bytes that are not UTF-8: write encodeExports instead.
 */
export function renderExports(file: ExportsFile): string {
  let out = '';
  for (const l of file.lines) out += l.raw + l.eol;
  return out;
}

/** Byte-exact inverse of parseExportsBytes for any bytes; the UTF-8 encoding of renderExports for parsed text. */
export function encodeExports(file: ExportsFile): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const l of file.lines) parts.push(l.bytes, Buffer.from(l.eol, 'latin1'));
  return Buffer.concat(parts);
}

/** Bytes fprintpath() escapes: control characters, whitespace, '"', '\' and '#'. */
function needsEscape(b: number): boolean {
  return b < 0x20 || b === 0x7f || b === 0x20 || b === 0x22 || b === 0x5c || b === 0x23;
}

function isOctalDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x37;
}

function octal(b: number): string {
  return `\\${b.toString(8).padStart(3, '0')}`;
}

/**
 * Encodes a path as one exports(5) token that decodes back to exactly `path`.
 *
 * exportfs re-checks the last four decoded bytes after every raw byte, so a
 * path byte '\' followed by three octal digits would collapse again after its
 * own `\134` was decoded. The third such digit is therefore escaped as well.
 */
export function encodeExportPath(path: string): string {
  const bytes = Buffer.from(path, 'utf8');
  let out = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) out += Buffer.from(run).toString('utf8');
    run = [];
  };
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    const wouldCollapse =
      isOctalDigit(b) && bytes[k - 3] === 0x5c && isOctalDigit(bytes[k - 2]) && isOctalDigit(bytes[k - 1]);
    if (needsEscape(b) || wouldCollapse) {
      flush();
      out += octal(b);
    } else {
      run.push(b);
    }
  }
  flush();
  return out;
}

/** Characters that would change how exportfs splits the line (or start a comment). */
const UNSAFE_CLIENT_CHARS = /[\s\x00-\x1f\x7f()"\\#]/;
/** Same, plus ',' which separates options. */
const UNSAFE_OPTION_CHARS = /[\s\x00-\x1f\x7f()"\\#,]/;

function usage(message: string): PxeError {
  return new PxeError('USAGE', message);
}

/**
 * One canonical exports line, without a line terminator:
 * `PATH CLIENT(opt,opt) CLIENT(opt,opt)[ # comment]`.
 * Throws a USAGE PxeError for input exportfs would misread or reject.
 */
export function renderExportLine(spec: ExportLineSpec): string {
  const { path, clients, options, comment } = spec;
  if (!path.startsWith('/')) throw usage(`export path "${path}" is not absolute`);
  if (path.includes('\0')) throw usage(`export path "${path.replaceAll('\0', '\\0')}" contains a NUL byte`);
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw usage(`export path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  if (clients.length === 0) throw usage(`no client given for "${path}"`);
  if (options.length === 0) {
    // A bare client makes exportfs warn and fall back to defaults; say what is meant.
    throw usage(`no options given for "${path}"`);
  }
  for (const c of clients) {
    if (c === '' || c.startsWith('-') || UNSAFE_CLIENT_CHARS.test(c)) {
      throw usage(`invalid NFS client "${c}"`);
    }
  }
  for (const o of options) {
    if (UNSAFE_OPTION_CHARS.test(o)) throw usage(`invalid export option "${o}"`);
    const why = checkExportOption(o);
    if (why !== undefined) throw usage(why);
  }
  if (comment !== undefined && /[\r\n]/.test(comment)) throw usage('comment must be a single line');

  const opts = options.join(',');
  let line = `${encodeExportPath(path)} ${clients.map((c) => `${c}(${opts})`).join(' ')}`;
  if (comment !== undefined) line += comment === '' ? ' #' : ` # ${comment}`;
  return line;
}
