/**
 * Lossless model of an exports(5) file as nfs-utils reads it.
 *
 * Every line keeps its exact source (`raw` text and `bytes`) and line terminator
 * (`eol`), so rendering a parsed file reproduces it byte for byte; the decoded
 * fields (path, clients, options) are there for reading, never for re-rendering
 * an untouched line. A file read from bytes (parseExportsBytes) stays exact even
 * where it is not UTF-8: there `bytes` is the truth and `raw` its UTF-8 reading.
 */

/** Line terminator as found in the source. '' only for a last line without one. */
export type LineEnding = '' | '\n' | '\r\n';

export type ProblemSeverity = 'error' | 'warning';

/**
 * One problem with a line. `line` is the 1-based physical line the problem is on
 * (inside a continued entry, the continuation line that holds the bad token).
 */
export interface ExportsProblem {
  readonly file: string;
  readonly line: number;
  readonly severity: ProblemSeverity;
  readonly message: string;
}

interface LineBase {
  /** 1-based physical line on which this logical line starts. */
  readonly line: number;
  /** Number of physical lines it spans (more than 1 with backslash-newline continuation). */
  readonly lineCount: number;
  /** Exact source text, continuation lines and trailing comment included, terminator excluded. */
  readonly raw: string;
  /**
   * The same as bytes: the file's own bytes when parsed from bytes (then `raw` is their
   * UTF-8 reading, with U+FFFD where they are not UTF-8), else the UTF-8 encoding of `raw`.
   */
  readonly bytes: Uint8Array;
  readonly eol: LineEnding;
  /** Syntax problems found while reading this line. */
  readonly problems: readonly ExportsProblem[];
}

/** Empty or whitespace-only line. */
export interface BlankLine extends LineBase {
  readonly kind: 'blank';
}

/** A line holding only a comment (possibly indented). */
export interface CommentLine extends LineBase {
  readonly kind: 'comment';
  /** Comment text from '#' to the end of the line, '#' included. */
  readonly comment: string;
}

/** One client of an entry: `host(options)` or a bare `host`. */
export interface ExportClient {
  /**
   * Client as written after removing quotes and octal escapes: host name,
   * wildcard, CIDR, IPv6 prefix, `@netgroup`, `*` or legacy `gss/krb5`.
   * Treated as opaque. '' for a token that starts with '(' (exportfs reads it as '*').
   */
  readonly host: string;
  /** Options in the order written; undefined when the client has no parenthesised list. */
  readonly options: readonly string[] | undefined;
  /** The token as it appears in the source. */
  readonly raw: string;
  /** 1-based physical line the token is on (differs from the entry's with continuations). */
  readonly line: number;
}

/** A logical line exporting one path. */
export interface ExportEntry extends LineBase {
  readonly kind: 'entry';
  /** Path after removing quotes and decoding `\ooo` escapes, as exportfs sees it. */
  readonly path: string;
  /** The path token exactly as written. */
  readonly rawPath: string;
  /** `-opt,opt` options written right after the path; undefined when absent. */
  readonly defaultOptions: readonly string[] | undefined;
  readonly clients: readonly ExportClient[];
  /** Trailing comment from '#' to end of line, '#' included; undefined when absent. */
  readonly comment: string | undefined;
}

export type ExportsLine = BlankLine | CommentLine | ExportEntry;

export interface ExportsFile {
  /** Name used in problem messages, normally the path the text was read from. */
  readonly file: string;
  /**
   * What was parsed: 'text' (parseExports; `raw` is exact, renderExports gives the text back)
   * or 'bytes' (parseExportsBytes; `bytes` are exact, encodeExports gives the bytes back).
   * Edits keep the kind, so a file read as bytes is never re-read through lossy text.
   */
  readonly source: 'text' | 'bytes';
  readonly lines: readonly ExportsLine[];
}

/** What a caller asks for when a new canonical line is rendered. */
export interface ExportLineSpec {
  /** Absolute path to export; written with `\ooo` escapes where needed. */
  readonly path: string;
  /** One or more clients; each gets the same options. */
  readonly clients: readonly string[];
  /** At least one option, e.g. `['ro', 'no_subtree_check']`. */
  readonly options: readonly string[];
  /** Optional trailing comment text, written as ` # text`. */
  readonly comment?: string;
}

/** `file:line: message`, the form every exports problem is shown in. */
export function formatProblem(p: ExportsProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}
