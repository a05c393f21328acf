/**
 * GRUB 2 script lexer and parser (grub-core/script/yylex.l + parser.y, as far as boot menus need).
 *
 * Input text has LF line ends only (ReadTracker.read normalises CRLF and CR when a file is read).
 *
 * Lexing: blanks separate words; newline and ';' end a command; unquoted '{' and '}' are tokens;
 * '#' at the start of a word starts a comment; '\' escapes the next character and '\<newline>'
 * continues the line; '...' is literal; "..." allows $var and the escapes \$ \" \\ \<newline>;
 * $name, ${name}, $1..$9, $#, $?, $@, $* are variable references (expanded later, by the runner).
 *
 * Parsing: if/then/elif/else/fi, for/in/do/done, while|until/do/done, function NAME { },
 * menuentry ... { }, submenu ... { }, and simple commands. Malformed input never throws: the
 * parser reports a SYNTAX problem through `warn` and recovers.
 */

export type WordPart =
  /** `double`: the text was written inside "..." (the kernel-argument form keeps those quotes). */
  | { readonly t: 'lit'; readonly text: string; readonly quoted: boolean; readonly double?: boolean }
  | { readonly t: 'var'; readonly name: string; readonly braced: boolean; readonly quoted: boolean };

export interface Word {
  readonly parts: readonly WordPart[];
  readonly line: number;
}

type Token =
  | { readonly k: 'word'; readonly w: Word; readonly line: number }
  | { readonly k: 'nl'; readonly line: number }
  | { readonly k: 'lbrace'; readonly line: number }
  | { readonly k: 'rbrace'; readonly line: number }
  | { readonly k: 'eof'; readonly line: number };

export interface CmdNode {
  readonly k: 'cmd';
  readonly words: readonly Word[];
  readonly line: number;
}
export interface IfNode {
  readonly k: 'if';
  readonly clauses: ReadonlyArray<{ readonly cond: readonly Node[]; readonly body: readonly Node[] }>;
  readonly elseBody: readonly Node[] | undefined;
  readonly line: number;
}
export interface ForNode {
  readonly k: 'for';
  readonly name: string;
  readonly words: readonly Word[];
  readonly body: readonly Node[];
  readonly line: number;
}
export interface WhileNode {
  readonly k: 'while';
  readonly until: boolean;
  readonly cond: readonly Node[];
  readonly body: readonly Node[];
  readonly line: number;
}
export interface FuncNode {
  readonly k: 'func';
  readonly name: string;
  readonly body: readonly Node[];
  readonly line: number;
}
export interface MenuNode {
  readonly k: 'menu';
  readonly kind: 'menuentry' | 'submenu';
  readonly words: readonly Word[];
  readonly body: readonly Node[];
  readonly line: number;
}
export type Node = CmdNode | IfNode | ForNode | WhileNode | FuncNode | MenuNode;

export type SyntaxWarn = (line: number, message: string) => void;

const VAR_NAME_START = /[A-Za-z_]/;
const VAR_NAME_CHAR = /[A-Za-z0-9_]/;

/** Split GRUB script text into tokens. `lineOffset` is added to every line number (for eval). */
export function lexGrub(text: string, warn: SyntaxWarn, lineOffset = 0): Token[] {
  const s = text;
  const n = s.length;
  const toks: Token[] = [];
  let i = 0;
  let line = 1 + lineOffset;

  const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f' || c === '\v';
  /**
   * A line continuation, `\<newline>`, is dropped wherever it appears outside single quotes:
   * between words, inside a word and inside "...". Returns the index after it (counting the
   * line), or `at` when there is none.
   */
  const skipContinuation = (at: number): number => {
    if (s[at] !== '\\' || s[at + 1] !== '\n') return at;
    line++;
    return at + 2;
  };

  while (i < n) {
    const c = s[i];
    if (isBlank(c)) {
      i++;
      continue;
    }
    const joined = skipContinuation(i);
    if (joined !== i) {
      i = joined;
      continue;
    }
    if (c === '\n') {
      toks.push({ k: 'nl', line });
      line++;
      i++;
      continue;
    }
    if (c === ';') {
      toks.push({ k: 'nl', line });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    if (c === '{') {
      toks.push({ k: 'lbrace', line });
      i++;
      continue;
    }
    if (c === '}') {
      toks.push({ k: 'rbrace', line });
      i++;
      continue;
    }

    // A word.
    const startLine = line;
    const parts: WordPart[] = [];
    let buf = '';
    let bufQuoted = false;
    let bufDouble = false;
    const flush = (): void => {
      if (buf !== '') parts.push(bufDouble ? { t: 'lit', text: buf, quoted: true, double: true } : { t: 'lit', text: buf, quoted: bufQuoted });
      buf = '';
    };
    const addLit = (text: string, quoted: boolean, double = false): void => {
      if (quoted !== bufQuoted || double !== bufDouble) {
        flush();
        bufQuoted = quoted;
        bufDouble = double;
      }
      buf += text;
    };
    /** Returns the index after the variable, or -1 when '$' is just a literal dollar. */
    const readVar = (at: number, quoted: boolean): number => {
      const next = s[at + 1];
      if (next === '{') {
        const close = s.indexOf('}', at + 2);
        const nl = s.indexOf('\n', at + 2);
        if (close < 0 || (nl >= 0 && nl < close)) {
          warn(line, 'unterminated ${...}');
          return -1;
        }
        flush();
        parts.push({ t: 'var', name: s.slice(at + 2, close), braced: true, quoted });
        return close + 1;
      }
      if (next !== undefined && VAR_NAME_START.test(next)) {
        let j = at + 1;
        while (j < n && VAR_NAME_CHAR.test(s[j] ?? '')) j++;
        flush();
        parts.push({ t: 'var', name: s.slice(at + 1, j), braced: false, quoted });
        return j;
      }
      if (next !== undefined && /[0-9]/.test(next)) {
        let j = at + 1;
        while (j < n && /[0-9]/.test(s[j] ?? '')) j++;
        flush();
        parts.push({ t: 'var', name: s.slice(at + 1, j), braced: false, quoted });
        return j;
      }
      if (next === '?' || next === '#' || next === '@' || next === '*') {
        flush();
        parts.push({ t: 'var', name: next, braced: false, quoted });
        return at + 2;
      }
      return -1;
    };

    while (i < n) {
      const ch = s[i] ?? '';
      if (isBlank(ch) || ch === '\n' || ch === ';' || ch === '{' || ch === '}') break;
      if (ch === '\\') {
        const joinedAt = skipContinuation(i);
        if (joinedAt !== i) {
          i = joinedAt;
          continue;
        }
        const nx = s[i + 1];
        if (nx === undefined) {
          i++;
          break;
        }
        addLit(nx, true); // an escaped character is never special
        i += 2;
        continue;
      }
      if (ch === "'") {
        const close = s.indexOf("'", i + 1);
        const end = close < 0 ? n : close;
        const body = s.slice(i + 1, end);
        if (close < 0) warn(line, 'unterminated single quote');
        addLit(body, true);
        for (const b of body) if (b === '\n') line++;
        // An empty '' still makes the word exist.
        if (body === '') {
          flush();
          parts.push({ t: 'lit', text: '', quoted: true });
        }
        i = close < 0 ? n : close + 1;
        continue;
      }
      if (ch === '"') {
        let j = i + 1;
        let closed = false;
        let sawAny = false;
        while (j < n) {
          const d = s[j] ?? '';
          if (d === '"') {
            closed = true;
            j++;
            break;
          }
          if (d === '\\') {
            const joinedAt = skipContinuation(j);
            if (joinedAt !== j) {
              j = joinedAt;
              continue;
            }
            const e = s[j + 1];
            if (e === '$' || e === '"' || e === '\\') {
              addLit(e, true, true);
              sawAny = true;
              j += 2;
              continue;
            }
            addLit('\\', true, true);
            sawAny = true;
            j++;
            continue;
          }
          if (d === '$') {
            const after = readVar(j, true);
            if (after >= 0) {
              sawAny = true;
              j = after;
              continue;
            }
          }
          if (d === '\n') line++;
          addLit(d, true, true);
          sawAny = true;
          j++;
        }
        if (!closed) warn(line, 'unterminated double quote');
        if (!sawAny) {
          flush();
          parts.push({ t: 'lit', text: '', quoted: true, double: true });
        }
        i = j;
        continue;
      }
      if (ch === '$') {
        const after = readVar(i, false);
        if (after >= 0) {
          i = after;
          continue;
        }
      }
      addLit(ch, false);
      i++;
    }
    flush();
    toks.push({ k: 'word', w: { parts, line: startLine }, line: startLine });
  }
  toks.push({ k: 'eof', line });
  return toks;
}

/** The text of a word made only of unquoted literal characters (keywords), else undefined. */
export function plainWord(w: Word): string | undefined {
  if (w.parts.length !== 1) return undefined;
  const p = w.parts[0];
  if (!p || p.t !== 'lit' || p.quoted) return undefined;
  return p.text;
}

/** Leading literal text of a word, up to the first variable (used to spot `name=` assignments). */
export function literalPrefix(w: Word): string {
  let out = '';
  for (const p of w.parts) {
    if (p.t !== 'lit') break;
    out += p.text;
  }
  return out;
}

const CLAUSE_KEYWORDS: ReadonlySet<string> = new Set(['then', 'elif', 'else', 'fi', 'do', 'done']);

/** Parse tokens into a list of nodes. */
export function parseGrubScript(text: string, warn: SyntaxWarn, lineOffset = 0): Node[] {
  const p = new GrubParser(lexGrub(text, warn, lineOffset), warn);
  return p.program();
}

class GrubParser {
  #pos = 0;
  #braceDepth = 0;

  constructor(
    readonly toks: Token[],
    readonly warn: SyntaxWarn,
  ) {}

  program(): Node[] {
    return this.#list(new Set());
  }

  #peek(): Token {
    return this.toks[this.#pos] ?? { k: 'eof', line: 0 };
  }

  #next(): Token {
    const t = this.#peek();
    if (this.#pos < this.toks.length) this.#pos++;
    return t;
  }

  #peekKeyword(): string | undefined {
    const t = this.#peek();
    return t.k === 'word' ? plainWord(t.w) : undefined;
  }

  #expect(kw: string, context: string): boolean {
    if (this.#peekKeyword() === kw) {
      this.#next();
      return true;
    }
    this.warn(this.#peek().line, `expected '${kw}' to close ${context}`);
    return false;
  }

  #skipNewlines(): void {
    while (this.#peek().k === 'nl') this.#next();
  }

  #list(terms: ReadonlySet<string>): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.k === 'nl') {
        this.#next();
        continue;
      }
      if (t.k === 'eof') return nodes;
      if (t.k === 'rbrace') {
        if (this.#braceDepth > 0) return nodes;
        this.warn(t.line, "unexpected '}'");
        this.#next();
        continue;
      }
      if (t.k === 'lbrace') {
        this.warn(t.line, "unexpected '{'");
        this.#skipBlock();
        continue;
      }
      const kw = plainWord(t.w);
      if (kw !== undefined && terms.has(kw)) return nodes;
      if (kw !== undefined && CLAUSE_KEYWORDS.has(kw)) {
        this.warn(t.line, `unexpected '${kw}'`);
        this.#next();
        continue;
      }
      nodes.push(this.#command());
    }
  }

  /** Skip a stray `{ ... }` group (consumes the '{'). */
  #skipBlock(): void {
    this.#next();
    this.#braceDepth++;
    this.#list(new Set());
    this.#braceDepth--;
    if (this.#peek().k === 'rbrace') this.#next();
  }

  #command(): Node {
    const t = this.#peek();
    const kw = t.k === 'word' ? plainWord(t.w) : undefined;
    switch (kw) {
      case 'if':
        return this.#if();
      case 'for':
        return this.#for();
      case 'while':
      case 'until':
        return this.#while(kw === 'until');
      case 'function':
        return this.#function();
      case 'menuentry':
      case 'submenu':
        return this.#menu(kw);
      case 'hiddenentry':
        // GRUB 2.06+ (openSUSE uses it): a menuentry left out of the visible menu; same syntax.
        return this.#menu('menuentry');
      default:
        return this.#simple();
    }
  }

  #simple(): CmdNode {
    const words: Word[] = [];
    const line = this.#peek().line;
    for (;;) {
      const t = this.#peek();
      if (t.k === 'word') {
        words.push(t.w);
        this.#next();
        continue;
      }
      if (t.k === 'lbrace') {
        this.warn(t.line, "unexpected '{' in a command");
        this.#skipBlock();
        continue;
      }
      break; // nl, rbrace (left for the enclosing block), eof
    }
    return { k: 'cmd', words, line };
  }

  #if(): IfNode {
    const line = this.#next().line; // 'if'
    const clauses: Array<{ cond: Node[]; body: Node[] }> = [];
    let elseBody: Node[] | undefined;
    let cond = this.#list(new Set(['then']));
    if (!this.#expect('then', `'if' at line ${line}`)) return { k: 'if', clauses: [{ cond, body: [] }], elseBody, line };
    let body = this.#list(new Set(['elif', 'else', 'fi']));
    clauses.push({ cond, body });
    for (;;) {
      const kw = this.#peekKeyword();
      if (kw === 'elif') {
        this.#next();
        cond = this.#list(new Set(['then']));
        if (!this.#expect('then', `'elif'`)) break;
        body = this.#list(new Set(['elif', 'else', 'fi']));
        clauses.push({ cond, body });
        continue;
      }
      if (kw === 'else') {
        this.#next();
        elseBody = this.#list(new Set(['fi']));
        this.#expect('fi', `'if' at line ${line}`);
        break;
      }
      this.#expect('fi', `'if' at line ${line}`);
      break;
    }
    return { k: 'if', clauses, elseBody, line };
  }

  #for(): ForNode {
    const line = this.#next().line; // 'for'
    const nameTok = this.#peek();
    let name = '';
    if (nameTok.k === 'word') {
      name = plainWord(nameTok.w) ?? '';
      this.#next();
    }
    if (name === '') this.warn(line, "'for' without a variable name");
    const words: Word[] = [];
    if (this.#peekKeyword() === 'in') {
      this.#next();
      while (this.#peek().k === 'word') {
        const t = this.#next();
        if (t.k === 'word') words.push(t.w);
      }
    }
    this.#skipNewlines();
    if (!this.#expect('do', `'for' at line ${line}`)) return { k: 'for', name, words, body: [], line };
    const body = this.#list(new Set(['done']));
    this.#expect('done', `'for' at line ${line}`);
    return { k: 'for', name, words, body, line };
  }

  #while(until: boolean): WhileNode {
    const line = this.#next().line;
    const cond = this.#list(new Set(['do']));
    if (!this.#expect('do', `'${until ? 'until' : 'while'}' at line ${line}`)) return { k: 'while', until, cond, body: [], line };
    const body = this.#list(new Set(['done']));
    this.#expect('done', `'${until ? 'until' : 'while'}' at line ${line}`);
    return { k: 'while', until, cond, body, line };
  }

  #function(): FuncNode {
    const line = this.#next().line; // 'function'
    const t = this.#peek();
    let name = '';
    if (t.k === 'word') {
      name = plainWord(t.w) ?? '';
      this.#next();
    }
    this.#skipNewlines();
    const body = this.#braceBody(`function ${name}`, line);
    return { k: 'func', name, body, line };
  }

  #menu(kind: 'menuentry' | 'submenu'): MenuNode {
    const line = this.#next().line;
    const words: Word[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.k === 'word') {
        words.push(t.w);
        this.#next();
        continue;
      }
      if (t.k === 'nl') {
        // GRUB allows the '{' on a following line; look past newlines for it.
        let j = this.#pos;
        while (this.toks[j]?.k === 'nl') j++;
        if (this.toks[j]?.k === 'lbrace') {
          this.#pos = j;
          continue;
        }
      }
      break;
    }
    const body = this.#braceBody(kind, line);
    return { k: 'menu', kind, words, body, line };
  }

  #braceBody(what: string, line: number): Node[] {
    if (this.#peek().k !== 'lbrace') {
      this.warn(line, `${what} without a '{ ... }' body`);
      return [];
    }
    this.#next();
    this.#braceDepth++;
    const body = this.#list(new Set());
    this.#braceDepth--;
    if (this.#peek().k === 'rbrace') this.#next();
    else this.warn(line, `${what} body not closed by '}'`);
    return body;
  }
}
