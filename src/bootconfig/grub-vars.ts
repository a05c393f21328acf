/**
 * GRUB variables: values, `$var`/`${var}` expansion with GRUB's word splitting, and which names
 * are known here versus only on the booting machine.
 *
 * A variable with a value is expanded. A variable the config assigns somewhere but that is unset
 * at this point expands to nothing, as in GRUB. A variable only known at boot time (GRUB
 * built-ins like $root/$grub_platform, anything set by search/probe/regexp, $iso_path inside
 * loopback.cfg) or never assigned at all is left literal (`${name}`) and reported as unresolved.
 * Outside loopback.cfg, $iso_path is empty (GRUB sets it only for loopback.cfg).
 *
 * The platform variables ($grub_platform, $grub_cpu) take the values of the client pxe-import
 * serves ({@link GRUB_CLIENT}); values derived from them carry `assumed`, so the `if` they decide
 * can say so (grub-eval.ts).
 */
import { literalPrefix, plainWord, type Node, type Word } from './grub-script.js';

/** A variable's value; `unresolved` names boot-time variables left literal inside it. */
export interface Val {
  readonly value: string;
  readonly unresolved: readonly string[];
  /** GRUB_CLIENT variables whose assumed value is part of this one. */
  readonly assumed?: readonly string[];
}

/** One argument after expansion and word splitting. */
export interface Field {
  readonly text: string;
  readonly unresolved: readonly string[];
  /**
   * The argument with the double quotes the config wrote around parts of it put back
   * (`key="a b"` for `text` `key=a b`); absent when it is the same as `text`. A kernel reads its
   * command line with those quotes, so kernel arguments are taken from here (grub-menu.ts).
   */
  readonly kernelText?: string;
  /** GRUB_CLIENT variables whose assumed value is part of this argument. */
  readonly assumed?: readonly string[];
}

/** The variables of one running context, and which of them `export` passes to a configfile. */
export class Env {
  vars = new Map<string, Val>();
  exported = new Set<string>();

  clone(): Env {
    const e = new Env();
    e.vars = new Map(this.vars);
    e.exported = new Set(this.exported);
    return e;
  }
}

/** What one parse knows about variable names, whatever context is running. */
export interface VariableNames {
  /** Every name the scripts read so far assign somewhere (these expand to "" while unset). */
  readonly declared: Set<string>;
  /** Names whose value only the booting machine knows. */
  readonly bootTime: Set<string>;
  /** The entry file is a loopback.cfg: $iso_path is a boot-time value. */
  readonly loopback: boolean;
}

/** What expansion reads: the running context's variables and arguments, and the parse's names. */
export interface Scope {
  readonly env: Env;
  readonly positional: readonly string[];
  readonly names: VariableNames;
}

/** GRUB sets these itself; their values are only known on the booting machine. */
const BOOT_TIME_VARIABLES: readonly string[] = [
  'root',
  'prefix',
  'cmdpath',
  'net_default_server',
  'net_default_ip',
  'net_default_mac',
  'pxe_default_server',
  'lang',
  'locale_dir',
  'chosen',
  'saved_entry',
  'next_entry',
  'prev_saved_entry',
];

/**
 * What GRUB sets on the machine that boots what pxe-import serves: a 64-bit x86 PC whose GRUB runs
 * on UEFI (the GRUB menu is for grubnetx64.efi; BIOS clients get pxelinux). An ISO's config that
 * picks its kernel by platform gets the x86_64 / UEFI branch, as that machine would.
 */
export const GRUB_CLIENT: ReadonlyMap<string, string> = new Map([
  ['grub_platform', 'efi'],
  ['grub_cpu', 'x86_64'],
]);

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}

export function newVariableNames(loopback: boolean): VariableNames {
  const bootTime = new Set(BOOT_TIME_VARIABLES);
  if (loopback) bootTime.add('iso_path');
  return { declared: new Set(), bootTime, loopback };
}

/** `search --set=VAR`, `probe`, `regexp`, `read`: from here on VAR holds a boot-time value. */
export function markBootTime(name: string, env: Env, names: VariableNames): void {
  if (!isVariableName(name)) return;
  env.vars.delete(name);
  names.bootTime.add(name);
}

/** Record in `declared` every variable `nodes` assign anywhere, in any branch or body. */
export function collectAssignedNames(nodes: readonly Node[], declared: Set<string>): void {
  const nameOf = (w: Word): string | undefined => /^([A-Za-z_][A-Za-z0-9_]*)(=|$)/.exec(literalPrefix(w))?.[1];
  for (const n of nodes) {
    switch (n.k) {
      case 'cmd': {
        const first = n.words[0];
        if (!first) break;
        const cmd = plainWord(first);
        if (cmd === 'set') {
          for (const w of n.words.slice(1)) {
            const name = nameOf(w);
            if (name !== undefined && literalPrefix(w).includes('=')) declared.add(name);
          }
        } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(literalPrefix(first))) {
          const name = nameOf(first);
          if (name !== undefined) declared.add(name);
        }
        break;
      }
      case 'if':
        for (const c of n.clauses) {
          collectAssignedNames(c.cond, declared);
          collectAssignedNames(c.body, declared);
        }
        if (n.elseBody) collectAssignedNames(n.elseBody, declared);
        break;
      case 'for':
        declared.add(n.name);
        collectAssignedNames(n.body, declared);
        break;
      case 'while':
        collectAssignedNames(n.cond, declared);
        collectAssignedNames(n.body, declared);
        break;
      case 'func':
      case 'menu':
        collectAssignedNames(n.body, declared);
        break;
    }
  }
}

/** The value of `$name` (`${name}` when `braced`), or the reference itself when unknowable here. */
export function lookup(name: string, braced: boolean, scope: Scope): Val {
  const literal = braced ? '${' + name + '}' : '$' + name;
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return { value: n === 0 ? '' : (scope.positional[n - 1] ?? ''), unresolved: [] };
  }
  if (name === '#') return { value: String(scope.positional.length), unresolved: [] };
  if (name === '@' || name === '*') return { value: scope.positional.join(' '), unresolved: [] };
  if (name === '?') return { value: '0', unresolved: [] };
  const v = scope.env.vars.get(name);
  if (v) return v;
  if (!isVariableName(name)) return { value: literal, unresolved: [name] };
  const client = GRUB_CLIENT.get(name);
  if (client !== undefined) return { value: client, unresolved: [], assumed: [name] };
  if (name === 'iso_path' && !scope.names.loopback) return { value: '', unresolved: [] };
  if (scope.names.bootTime.has(name)) return { value: literal, unresolved: [name] };
  if (scope.names.declared.has(name)) return { value: '', unresolved: [] };
  return { value: literal, unresolved: [name] };
}

/** Expand words into argv fields, with GRUB's splitting of unquoted variable values. */
export function expandWords(words: readonly Word[], scope: Scope): Field[] {
  const out: Field[] = [];
  for (const w of words) {
    let cur = '';
    // `cur` with the word's double-quoted runs quoted again; `open`: inside such a run.
    let kcur = '';
    let open = false;
    let active = false;
    let unresolved: string[] = [];
    let assumed: string[] = [];
    const push = (): void => {
      if (open) kcur += '"';
      out.push({ text: cur, unresolved, ...(kcur === cur ? {} : { kernelText: kcur }), ...(assumed.length > 0 ? { assumed } : {}) });
      cur = '';
      kcur = '';
      open = false;
      active = false;
      unresolved = [];
      assumed = [];
    };
    const addAssumed = (v: Val): void => {
      for (const a of v.assumed ?? []) if (!assumed.includes(a)) assumed.push(a);
    };
    const add = (text: string, double: boolean): void => {
      // A `"` inside the run cannot be quoted for the kernel; that part stays as GRUB passes it.
      const quote = double && !text.includes('"');
      if (quote !== open) kcur += '"';
      open = quote;
      cur += text;
      kcur += text;
      active = true;
    };
    for (const p of w.parts) {
      if (p.t === 'lit') {
        add(p.text, p.double === true);
        continue;
      }
      const v = lookup(p.name, p.braced, scope);
      if (p.quoted) {
        add(v.value, true);
        addAssumed(v);
        for (const u of v.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
        continue;
      }
      // Unquoted: GRUB splits the value into several arguments at blanks.
      const val = v.value;
      const pieces = val.split(/[ \t\n]+/).filter((s) => s !== '');
      if (/^[ \t\n]/.test(val) && active && cur !== '') push();
      pieces.forEach((piece, i) => {
        if (i > 0) push();
        add(piece, false);
        addAssumed(v);
        for (const u of v.unresolved) if (mentions(piece, u) && !unresolved.includes(u)) unresolved.push(u);
      });
      if (/[ \t\n]$/.test(val) && pieces.length > 0) push();
    }
    if (active) push();
  }
  return out;
}

/** Expand one word without splitting (assignments). */
export function expandJoined(w: Word, scope: Scope): Field {
  let text = '';
  const unresolved: string[] = [];
  const assumed: string[] = [];
  for (const p of w.parts) {
    if (p.t === 'lit') {
      text += p.text;
      continue;
    }
    const v = lookup(p.name, p.braced, scope);
    text += v.value;
    for (const u of v.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
    for (const a of v.assumed ?? []) if (!assumed.includes(a)) assumed.push(a);
  }
  return assumed.length > 0 ? { text, unresolved, assumed } : { text, unresolved };
}

/** Whether `text` still contains the literal reference to variable `name`. */
export function mentions(text: string, name: string): boolean {
  if (text.includes('${' + name + '}')) return true;
  const re = new RegExp('\\$' + name.replace(/[^A-Za-z0-9_]/g, '\\$&') + '(?![A-Za-z0-9_])');
  return re.test(text);
}
