/**
 * exports(5) reader that follows nfs-utils' own tokenizer (support/nfs/xio.c
 * xgettok/xgetc/xskip and support/nfs/exports.c getexportent) closely enough
 * that the path and clients we decode are the ones exportfs decodes, while
 * keeping every byte of the source so the file can be written back unchanged.
 *
 * Design rules:
 * - never throw on file content: a malformed line is kept verbatim and carries
 *   problems naming its line;
 * - a logical line ends at a newline that is not preceded by a backslash, at a
 *   comment's newline, or at the end of the text;
 * - where exportfs does something surprising (a client with a space before its
 *   '(' …) we follow exportfs and report a warning rather than guess.
 */

import type {
  BlankLine,
  CommentLine,
  ExportClient,
  ExportEntry,
  ExportsFile,
  ExportsLine,
  ExportsProblem,
  LineEnding,
  ProblemSeverity,
} from './model.js';

/** exportfs reads a path into e_path[NFS_MAXPATHLEN+1]: 1024 bytes at most. */
export const MAX_PATH_BYTES = 1024;
/** exportfs reads each client token into exp[512]: 511 bytes at most. */
export const MAX_CLIENT_BYTES = 511;

/** One whitespace-separated token of a logical line, quotes and escapes already decoded. */
interface Token {
  readonly raw: string;
  readonly value: string;
  /** Physical line the token starts on. */
  readonly line: number;
}

interface Scan {
  readonly line: ExportsLine;
  readonly end: number;
  readonly nextLine: number;
}

/**
 * What is being scanned. For bytes, `text` holds one character per byte (latin1), so
 * every structural character exportfs looks at (blanks, '\\', '"', '#', CR, LF) is
 * found exactly as in a decoded string, while a slice still maps back to its bytes.
 */
interface Source {
  readonly text: string;
  readonly kind: ExportsFile['source'];
}

/** Parses text, e.g. a file already decoded as UTF-8. `raw` of every line is exact. */
export function parseExports(text: string, file: string): ExportsFile {
  return parseSource({ text, kind: 'text' }, file);
}

/**
 * Parses a file's bytes, valid UTF-8 or not. `bytes` of every line are the file's
 * own, so `encodeExports` writes back exactly what was read; `raw`, comments and
 * decoded fields are the UTF-8 reading (U+FFFD for a byte that is not UTF-8), the
 * same values parseExports gives for the same file decoded as UTF-8.
 */
export function parseExportsBytes(bytes: Uint8Array, file: string): ExportsFile {
  return parseSource({ text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), kind: 'bytes' }, file);
}

function parseSource(src: Source, file: string): ExportsFile {
  const lines: ExportsLine[] = [];
  let pos = 0;
  let lineNo = 1;
  while (pos < src.text.length) {
    const scan = scanLogicalLine(src, pos, lineNo, file);
    lines.push(scan.line);
    pos = scan.end;
    lineNo = scan.nextLine;
  }
  return { file, source: src.kind, lines };
}

/** A slice of the source as readable text: itself, or for bytes their UTF-8 reading. */
function readable(src: Source, slice: string): string {
  return src.kind === 'text' ? slice : Buffer.from(slice, 'latin1').toString('utf8');
}

function sourceBytes(src: Source, slice: string): Uint8Array {
  return Buffer.from(slice, src.kind === 'text' ? 'utf8' : 'latin1');
}

/** isspace() in the C locale, which is what ends an unquoted token in xgettok. */
function isCSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

function isOctalByte(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x37;
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function scanLogicalLine(src: Source, start: number, firstLine: number, file: string): Scan {
  const { text } = src;
  const problems: ExportsProblem[] = [];
  const report = (line: number, severity: ProblemSeverity, message: string): void => {
    problems.push({ file, line, severity, message });
  };
  const tokens: Token[] = [];
  let comment: string | undefined;
  let line = firstLine;
  let i = start;

  for (;;) {
    // Separators. exportfs turns backslash-newline into one space and eats the
    // next line's leading blanks, so a continuation is just more separator here.
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === ' ' || ch === '\t') {
        i++;
      } else if (ch === '\\' && text[i + 1] === '\n') {
        i += 2;
        line++;
      } else if (ch === '\r' && text[i + 1] === '\n') {
        break;
      } else if (ch === '\v' || ch === '\f' || ch === '\r') {
        // xskip() only skips ' ' and '\t'; any other isspace() byte after a blank
        // makes getexport() see an empty token, which ends the entry early.
        report(line, 'error', `unexpected control character ${codePoint(ch)}; exportfs may end the entry here`);
        i++;
      } else {
        break;
      }
    }
    if (i >= text.length) return finish('', i, line);
    const ch = text[i]!;
    if (ch === '\n') return finish('\n', i + 1, line + 1);
    if (ch === '\r') return finish('\r\n', i + 2, line + 1);
    if (ch === '#') {
      // xskipcomment() reads raw bytes to the newline: a trailing backslash in a
      // comment does not continue it.
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      else if (text[end - 1] === '\r') end--;
      comment = readable(src, text.slice(i, end));
      i = end;
      continue;
    }
    const tok = scanToken(src, i, line, report);
    tokens.push(tok.token);
    i = tok.end;
    line = tok.line;
  }

  function finish(eol: LineEnding, end: number, nextLine: number): Scan {
    const source = text.slice(start, end - eol.length);
    const base = {
      line: firstLine,
      lineCount: nextLine - firstLine - (eol === '' ? 0 : 1) + 1,
      raw: readable(src, source),
      bytes: sourceBytes(src, source),
      eol,
    };
    if (tokens.length === 0) {
      if (comment !== undefined) {
        const c: CommentLine = { ...base, kind: 'comment', comment, problems };
        return { line: c, end, nextLine };
      }
      if (eol === '\r\n') {
        // getpath() skips only ' ', '\t' and '\n', then reads the '\r' as an empty
        // path, which exportfs takes as the end of the file.
        report(
          firstLine,
          'error',
          'blank line ending in CRLF: exportfs stops reading the file here, so nothing below is exported; convert the file to LF line endings',
        );
      }
      const b: BlankLine = { ...base, kind: 'blank', problems };
      return { line: b, end, nextLine };
    }
    const entry = buildEntry(tokens, comment, base, problems, report);
    return { line: entry, end, nextLine };
  }
}

/**
 * Reads one token the way xgettok() does: '"' toggles quoting and is dropped,
 * and after each byte a trailing `\ooo` (value < 256) collapses into that byte.
 * The check runs on the decoded buffer, exactly as in C, so the quirks match.
 */
function scanToken(
  src: Source,
  start: number,
  startLine: number,
  report: (line: number, severity: ProblemSeverity, message: string) => void,
): { token: Token; end: number; line: number } {
  const { text } = src;
  const bytes: number[] = [];
  let quoted = false;
  let line = startLine;
  let i = start;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') {
      if (!quoted) break;
      // Inside quotes the continuation still becomes a single space.
      bytes.push(0x20);
      i += 2;
      line++;
      while (text[i] === ' ' || text[i] === '\t') i++;
      continue;
    }
    if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) break;
    if (!quoted && isCSpace(ch)) break;
    if (ch === '"') {
      quoted = !quoted;
      i++;
      continue;
    }
    if (src.kind === 'bytes') {
      pushDecoded(bytes, text.charCodeAt(i));
      i++;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const chars = cp > 0xffff ? 2 : 1;
    for (const b of Buffer.from(text.slice(i, i + chars), 'utf8')) pushDecoded(bytes, b);
    i += chars;
  }
  const raw = readable(src, text.slice(start, i));
  if (quoted) {
    // exportfs would keep reading across the newline into the following lines.
    report(line, 'error', `unterminated double quote in ${raw}`);
  }
  if (raw.endsWith('\\') && text[i] === '\r' && text[i + 1] === '\n') {
    report(
      line,
      'error',
      'backslash before a CRLF line ending does not continue the line for exportfs; convert the file to LF line endings',
    );
  }
  const value = utf8.decode(Uint8Array.from(bytes));
  return { token: { raw, value, line: startLine }, end: i, line };
}

function pushDecoded(bytes: number[], b: number): void {
  bytes.push(b);
  const n = bytes.length;
  if (n >= 4 && bytes[n - 4] === 0x5c && isOctalByte(bytes[n - 3]) && isOctalByte(bytes[n - 2]) && isOctalByte(bytes[n - 1])) {
    const v = (bytes[n - 3]! - 0x30) * 64 + (bytes[n - 2]! - 0x30) * 8 + (bytes[n - 1]! - 0x30);
    if (v < 256) {
      bytes.length = n - 4;
      bytes.push(v);
    }
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function buildEntry(
  tokens: readonly Token[],
  comment: string | undefined,
  base: { line: number; lineCount: number; raw: string; bytes: Uint8Array; eol: LineEnding },
  problems: ExportsProblem[],
  report: (line: number, severity: ProblemSeverity, message: string) => void,
): ExportEntry {
  const [pathTok, ...rest] = tokens as [Token, ...Token[]];
  if (pathTok.value === '') {
    // getpath() returns 0 for an empty token and exportfs stops reading the file there.
    report(pathTok.line, 'error', `empty path ${pathTok.raw}; exportfs stops reading the file here`);
  } else if (byteLength(pathTok.value) > MAX_PATH_BYTES) {
    report(pathTok.line, 'error', `path is longer than ${MAX_PATH_BYTES} bytes`);
  }

  let defaultOptions: string[] | undefined;
  const clients: ExportClient[] = [];
  rest.forEach((tok, index) => {
    if (tok.value.startsWith('-')) {
      if (index === 0) {
        defaultOptions = splitOptions(tok.value.slice(1), tok, report);
      } else {
        // getexportent() does honour this, but only for the clients after it.
        report(
          tok.line,
          'warning',
          `default options ${tok.raw} should come right after the path; exportfs applies them only to the clients that follow`,
        );
      }
      return;
    }
    if (tok.value === '') {
      // An empty token reads as end-of-line to exportfs: the rest of the line is misread.
      report(tok.line, 'error', `empty client ${tok.raw}; exportfs reads it as the end of the line`);
      return;
    }
    if (byteLength(tok.value) > MAX_CLIENT_BYTES) {
      report(tok.line, 'error', `client is longer than ${MAX_CLIENT_BYTES} bytes`);
    }
    const client = parseClient(tok, report);
    if (client.host === '' && client.options !== undefined) {
      const prev = clients[clients.length - 1];
      if (prev !== undefined && prev.options === undefined) {
        report(
          tok.line,
          'warning',
          `whitespace between "${prev.raw}" and "${tok.raw}": exportfs reads "${prev.raw}" with default options and "${tok.raw}" as "*${tok.raw}" (every host)`,
        );
      } else {
        report(tok.line, 'warning', `"${tok.raw}" has no host name; exportfs applies it to every host (*)`);
      }
    }
    clients.push(client);
  });

  // After a syntax error the "no client" guess would only add noise.
  if (clients.length === 0 && !problems.some((p) => p.severity === 'error')) {
    report(pathTok.line, 'warning', `no client given for ${pathTok.raw}; exportfs exports it to every host (*)`);
  }

  return {
    ...base,
    kind: 'entry',
    path: pathTok.value,
    rawPath: pathTok.raw,
    defaultOptions,
    clients,
    comment,
    problems,
  };
}

/** Splits `host(opt,opt)` the way getexportent() does: at the first '(' and the first ')'. */
function parseClient(tok: Token, report: (line: number, severity: ProblemSeverity, message: string) => void): ExportClient {
  const v = tok.value;
  const open = v.indexOf('(');
  if (open < 0) {
    if (v.includes(')')) report(tok.line, 'error', `unbalanced ")" in client "${tok.raw}"`);
    return { host: v, options: undefined, raw: tok.raw, line: tok.line };
  }
  const host = v.slice(0, open);
  const inner = v.slice(open + 1);
  const close = inner.indexOf(')');
  if (close < 0) {
    report(tok.line, 'error', `missing ")" in client "${tok.raw}"`);
    return { host, options: splitOptions(inner, tok, report), raw: tok.raw, line: tok.line };
  }
  const after = inner.slice(close + 1);
  if (after !== '') {
    const hint = after.startsWith('#') ? ' (a comment needs whitespace before "#")' : '';
    report(tok.line, 'error', `unexpected "${after}" after ")" in client "${tok.raw}"${hint}`);
  }
  return { host, options: splitOptions(inner.slice(0, close), tok, report), raw: tok.raw, line: tok.line };
}

/** parseopts() skips a trailing comma but rejects an empty option anywhere else. */
function splitOptions(
  list: string,
  tok: Token,
  report: (line: number, severity: ProblemSeverity, message: string) => void,
): string[] {
  if (list === '') {
    report(tok.line, 'warning', `empty option list in "${tok.raw}"; exportfs applies its defaults`);
    return [];
  }
  const opts = list.split(',');
  if (opts[opts.length - 1] === '') opts.pop();
  if (opts.includes('')) report(tok.line, 'error', `empty option in "${tok.raw}"`);
  return opts;
}
