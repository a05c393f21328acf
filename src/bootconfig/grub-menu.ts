/**
 * GRUB menus as the interpreter builds them (menuentry / submenu items, the menus of contexts a
 * configfile reached), the `default` variable resolved against them, and their Linux entries
 * turned into {@link BootMenuEntry}s.
 */
import { nonLinuxKernelReason, normalizeIsoPath, splitKernelArgs, stripDevicePrefix, type WarnFunction } from './common.js';
import type { MenuNode } from './grub-script.js';
import { mentions, type Field, type Val } from './grub-vars.js';
import type { BootMenuEntry } from './types.js';

export interface GrubItem {
  readonly kind: 'entry' | 'submenu';
  readonly title: Field;
  readonly id: string | undefined;
  readonly file: string;
  readonly line: number;
  /** Submenu contents, or the menu an entry body reached with `configfile`. */
  sub?: Menu;
  kernel?: Field;
  kernelCommand?: string;
  args: Field[];
  initrds?: Field[];
  otherLoader?: string;
}

/** A GRUB menu: top level of a config context, or a submenu. */
export interface Menu {
  /** Items in definition order (what `default=N` counts). */
  readonly items: GrubItem[];
  /** Output order: items and menus of contexts reached by a top-level configfile. */
  readonly seq: Array<GrubItem | Menu>;
  /** Item bodies not run yet: GRUB runs them when the item is chosen, after the whole file. */
  readonly pending: Pending[];
  defaultItem?: GrubItem;
}

/** A menu item's body waiting to run, with the context it was defined in. */
export interface Pending {
  readonly item: GrubItem;
  readonly node: MenuNode;
  readonly positional: string[];
  readonly file: string;
  readonly fileStack: string[];
}

export function newMenu(): Menu {
  return { items: [], seq: [], pending: [] };
}

/** Options of `menuentry`/`submenu` that take a value (`--class x`); all other `--opt`s are flags. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set(['--class', '--users', '--hotkey', '--id']);

/** Split a `menuentry`/`submenu` argv into its positional arguments (title first) and `--id`. */
export function menuItemArgs(argv: readonly Field[]): { positional: Field[]; id: string | undefined } {
  const positional: Field[] = [];
  let id: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a) continue;
    const t = a.text;
    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const opt = eq < 0 ? t : t.slice(0, eq);
      let value: string | undefined;
      if (eq >= 0) value = t.slice(eq + 1);
      else if (VALUE_OPTIONS.has(opt)) value = argv[++i]?.text;
      if (opt === '--id') id = value;
      continue;
    }
    positional.push(a);
  }
  return { positional, id };
}

/** `set default=`: an index, id or title, or `a>b` through submenus; else the first item. */
export function resolveDefault(menu: Menu, def: Val | undefined): GrubItem | undefined {
  const fallback = menu.items[0];
  if (!def || def.unresolved.length > 0 || def.value.trim() === '') return fallback;
  let items = menu.items;
  let found: GrubItem | undefined;
  for (const comp of def.value.split('>')) {
    const c = comp.trim();
    found = /^\d+$/.test(c) ? items[Number(c)] : (items.find((i) => i.id === c) ?? items.find((i) => i.title.text === c));
    if (!found) return fallback;
    items = found.sub?.items ?? [];
  }
  return found;
}

/** The Linux entries of `menu` and everything below it, in menu order; `def` is marked default. */
export function menuEntries(menu: Menu, def: GrubItem | undefined, warn: WarnFunction): BootMenuEntry[] {
  const out: BootMenuEntry[] = [];
  const walk = (m: Menu, path: string[]): void => {
    for (const x of m.seq) {
      if (!('kind' in x)) {
        walk(x, path);
        continue;
      }
      if (x.kind === 'entry' && x.kernel) {
        const e = toEntry(x, x.kernel, path, x === def, warn);
        if (e) out.push(e);
      }
      if (x.sub) walk(x.sub, [...path, x.title.text]);
    }
  };
  walk(menu, []);
  return out;
}

/**
 * One `linux` argument as the kernel receives it: with the double quotes the config wrote
 * (`key="a b"`, also without blanks inside), and otherwise quoted whole when it holds a blank, as
 * GRUB's `linux` does (grub-core/lib/cmdline.c), so it stays one argument on the command line.
 */
function kernelArgument(a: Field): string {
  // An empty argument (`"$unset"`) adds nothing to the command line.
  if (a.text === '') return '';
  const t = a.kernelText ?? a.text;
  return splitKernelArgs(t).length > 1 ? `"${t}"` : t;
}

/** One item with a kernel as an entry; undefined (SKIPPED) when the kernel is not a Linux one. */
function toEntry(item: GrubItem, k: Field, path: string[], isDefault: boolean, warn: WarnFunction): BootMenuEntry | undefined {
  const title = item.title.text;
  const unresolved = new Set<string>(item.title.unresolved);
  const asPath = (f: Field): string => {
    const stripped = stripDevicePrefix(f.text);
    for (const v of f.unresolved) if (mentions(stripped, v)) unresolved.add(v);
    return normalizeIsoPath(stripped.startsWith('/') ? stripped : '/' + stripped);
  };
  const kernel = asPath(k);
  const reason = nonLinuxKernelReason(kernel);
  if (reason !== undefined) {
    warn('SKIPPED', item.file, item.line, `menuentry '${title}': ${kernel} is not a Linux kernel (${reason}); skipped`);
    return undefined;
  }
  const append: string[] = [];
  const initrdArgs: string[] = [];
  for (const a of item.args) {
    if (a.text.startsWith('initrd=')) {
      initrdArgs.push(a.text.slice('initrd='.length));
      continue;
    }
    for (const v of a.unresolved) unresolved.add(v);
    append.push(kernelArgument(a));
  }
  let initrds = (item.initrds ?? []).map(asPath);
  if (item.initrds === undefined && initrdArgs.length > 0) {
    // No initrd command: an EFI-stub kernel would load initrd= itself.
    initrds = initrdArgs.flatMap((s) => s.split(',')).filter((s) => s !== '').map((s) => asPath({ text: s, unresolved: [] }));
  }
  if (unresolved.size > 0) {
    warn(
      'UNRESOLVED_VARIABLE',
      item.file,
      item.line,
      `menuentry '${title}': ${[...unresolved].map((v) => '${' + v + '}').join(', ')} only known at boot time; left literal`,
    );
  }
  const entry: BootMenuEntry = {
    label: title.trim(),
    kernel,
    initrds,
    append,
    source: { file: item.file, line: item.line, loader: 'grub' },
    isDefault,
  };
  if (path.length > 0) entry.menuPath = path;
  return entry;
}
