/**
 * GRUB's `test` / `[` expression (grub-core/commands/test.c), decided as far as the ISO allows:
 * string and integer comparisons on known values, `-n`/`-z`, `-e`/`-f`/`-s`/`-d` on ISO paths,
 * `!`, `-a`, `-o` and parentheses. Whatever depends on a boot-time value is undecided.
 */
import { normalizeIsoPath, stripDevicePrefix } from './common.js';
import { mentions, type Field } from './grub-vars.js';

/** A command's exit status: true, false, or undefined when only the booting machine can tell. */
export type Tri = boolean | undefined;

/** The ISO tree, as far as file tests need it. */
export interface FileProbe {
  exists(path: string): boolean;
  /** Undefined when `dir` is not a directory (or cannot be listed). */
  list(dir: string): string[] | undefined;
}

const UNARY: readonly string[] = ['-n', '-z', '-e', '-f', '-d', '-s'];
const BINARY: readonly string[] = ['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge'];

/** Evaluate `test ARGS...` (for `[ ARGS... ]`, pass the arguments without the closing ']'). */
export function evalTest(a: readonly Field[], files: FileProbe): Tri {
  let pos = 0;
  const peek = (): Field | undefined => a[pos];
  const next = (): Field | undefined => a[pos++];
  const known = (f: Field | undefined): f is Field => f !== undefined && f.unresolved.length === 0;

  const fileTest = (op: string, f: Field | undefined): Tri => {
    if (!f) return undefined;
    const stripped = stripDevicePrefix(f.text);
    if (f.unresolved.some((v) => mentions(stripped, v))) return undefined;
    if (!stripped.startsWith('/')) return undefined;
    const p = normalizeIsoPath(stripped);
    if (op === '-d') {
      const listed = files.list(p);
      return listed === undefined ? undefined : true;
    }
    return files.exists(p);
  };
  const primary = (): Tri => {
    const t = peek();
    if (!t) return false;
    if (t.text === '(' && t.unresolved.length === 0) {
      next();
      const v = or();
      if (peek()?.text === ')') next();
      return v;
    }
    if (UNARY.includes(t.text) && a.length - pos >= 2) {
      next();
      const arg = next();
      if (t.text === '-n') return known(arg) ? arg.text !== '' : undefined;
      if (t.text === '-z') return known(arg) ? arg.text === '' : undefined;
      return fileTest(t.text, arg);
    }
    const left = next();
    const op = peek()?.text;
    if (op !== undefined && BINARY.includes(op) && pos + 1 < a.length) {
      next();
      const right = next();
      if (!known(left) || !known(right)) return undefined;
      return compare(op, left.text, right.text);
    }
    return known(left) ? left.text !== '' : undefined;
  };
  const not = (): Tri => {
    if (peek()?.text === '!') {
      next();
      const v = not();
      return v === undefined ? undefined : !v;
    }
    return primary();
  };
  /** `operand (op operand)*`, folded left with `combine`. */
  const chain =
    (op: string, operand: () => Tri, combine: (l: Tri, r: Tri) => Tri) =>
    (): Tri => {
      let v = operand();
      while (peek()?.text === op) {
        next();
        v = combine(v, operand());
      }
      return v;
    };
  const and = chain('-a', not, (l, r) => (l === false || r === false ? false : l === true && r === true ? true : undefined));
  const or = chain('-o', and, (l, r) => (l === true || r === true ? true : l === false && r === false ? false : undefined));
  if (a.length === 0) return false;
  return or();
}

function compare(op: string, l: string, r: string): Tri {
  switch (op) {
    case '=':
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '<':
      return l < r;
    case '>':
      return l > r;
    default: {
      const ln = Number.parseInt(l, 10);
      const rn = Number.parseInt(r, 10);
      if (Number.isNaN(ln) || Number.isNaN(rn)) return undefined;
      if (op === '-eq') return ln === rn;
      if (op === '-ne') return ln !== rn;
      if (op === '-lt') return ln < rn;
      if (op === '-le') return ln <= rn;
      if (op === '-gt') return ln > rn;
      return ln >= rn;
    }
  }
}
