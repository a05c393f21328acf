/**
 * Reader for isolinux / syslinux / extlinux configuration files (menu.c32 and vesamenu.c32 menus).
 *
 * Semantics follow geneC/syslinux doc/syslinux.txt and doc/menu.txt:
 *  - keywords are case-insensitive; one directive per line; '#' lines are comments;
 *  - the working directory is the directory of the entry config file; relative file names
 *    (KERNEL, INITRD, INCLUDE, CONFIG) resolve against it; INCLUDE does not change it;
 *    `CONFIG file` keeps it unless a directory is given (`CONFIG file dir`, or the label form
 *    `LABEL x / CONFIG file / APPEND dir`);
 *  - APPEND before the first LABEL is global and is used by labels without their own APPEND;
 *    `APPEND -` in a label means "nothing";
 *  - `INITRD a,b,c` (3.71+) and `initrd=a,b` inside APPEND; when both exist, the last
 *    `initrd=` on the assembled command line wins, as in syslinux's find_argument();
 *  - INCLUDE nests up to 16 levels (MAX_INCLUDE_DEPTH); loops are refused;
 *  - `COM32 whichsys.c32` with `-iso-`/`-sys-`/`-pxe-` picks the branch an ISO boot takes;
 *    branches reachable only as `-pxe-` are skipped;
 *  - default: ONTIMEOUT label, else the (last) MENU DEFAULT, else DEFAULT label, else, with a
 *    menu UI, the first bootable label.
 * Entries for COM32/LOCALBOOT/BOOT/BSS/PXE/FDIMAGE labels and non-Linux images (memtest, memdisk,
 * iPXE, .c32) are not returned.
 */
import {
  ReadTracker,
  isoBasename,
  isoDirname,
  nonLinuxKernelReason,
  normalizeIsoPath,
  resolveIsoPath,
  splitKernelArgs,
} from './common.js';
import {
  MAX_CONFIG_DEPTH,
  MAX_ENTRIES,
  MAX_INCLUDE_DEPTH,
  type BootConfigResult,
  type BootConfigSource,
  type BootMenuEntry,
} from './types.js';

/** Entries whose label is a bare LABEL identifier (no MENU LABEL); discovery prefers other labels. */
export const bareLabelEntries: WeakSet<BootMenuEntry> = new WeakSet();

type LabelKind = 'kernel' | 'linux' | 'boot' | 'bss' | 'pxe' | 'fdimage' | 'com32' | 'config' | 'localboot';

const KERNEL_KEYWORDS: ReadonlySet<string> = new Set([
  'kernel',
  'linux',
  'boot',
  'bss',
  'pxe',
  'fdimage',
  'com32',
  'config',
  'localboot',
]);

interface SysLabel {
  name: string;
  file: string;
  line: number;
  cwd: string;
  menuPath: string[];
  menuLabel?: string;
  kind?: LabelKind;
  image?: string;
  append?: string;
  initrd?: string;
  menuDefault: boolean;
  /** MENU EXIT / MENU GOTO / MENU QUIT: a menu action, not a boot target. */
  menuAction: boolean;
  disabled: boolean;
}

interface SubMenu {
  tag: string;
  title?: string;
  label?: string;
}

/** One configuration "session": the entry file or a file reached by CONFIG. */
interface SysContext {
  file: string;
  cwd: string;
  labels: SysLabel[];
  globalAppend?: string;
  sawLabel: boolean;
  defaultCmd?: string;
  onTimeout?: string;
  ui?: string;
  current?: SysLabel;
  menus: SubMenu[];
  /** Set by a global CONFIG: the rest of this session is not read. */
  switchTo?: { file: string; cwd: string; line: number; from: string };
  stopped: boolean;
  inText: boolean;
}

interface ContextEntries {
  entries: BootMenuEntry[];
  /** Entry produced by each label name (first one wins), for default resolution. */
  byLabel: Map<string, BootMenuEntry>;
  /** The entry this context boots by default, if any. */
  defaultEntry?: BootMenuEntry;
}

/** Parse a syslinux configuration starting at `entryFile` (absolute ISO path). */
export function parseSyslinux(source: BootConfigSource, entryFile: string): BootConfigResult {
  const tracker = new ReadTracker(source);
  const file = normalizeIsoPath(entryFile);
  const parser = new SyslinuxParser(tracker);
  const result = parser.runSession(file, isoDirname(file), [], file, 0);
  const entries = result?.entries ?? [];
  if (result?.defaultEntry) result.defaultEntry.isDefault = true;
  return { entries, warnings: tracker.warnings, assumptions: tracker.assumptions, filesRead: tracker.filesRead };
}

class SyslinuxParser {
  #entryCount = 0;
  #entryLimitWarned = false;

  constructor(readonly tracker: ReadTracker) {}

  /**
   * Read one CONFIG session (file plus its INCLUDEs), then turn its labels into entries,
   * following CONFIG labels into their own sessions.
   */
  runSession(file: string, cwd: string, chain: string[], fromFile: string, fromLine: number): ContextEntries | undefined {
    if (chain.includes(file)) {
      this.tracker.warn('INCLUDE_LOOP', fromFile, fromLine, `CONFIG ${file} would loop back to a config already being read; refused`);
      return undefined;
    }
    if (chain.length >= MAX_CONFIG_DEPTH) {
      this.tracker.warn('INCLUDE_DEPTH', fromFile, fromLine, `CONFIG ${file}: more than ${MAX_CONFIG_DEPTH} chained configs; refused`);
      return undefined;
    }
    const text = this.tracker.read(file, fromFile, fromLine, 'CONFIG');
    if (text === undefined) return undefined;
    const ctx: SysContext = { file, cwd, labels: [], sawLabel: false, menus: [], stopped: false, inText: false };
    this.#readFile(ctx, file, text, [file]);
    this.#finishLabel(ctx);
    const nextChain = [...chain, file];
    if (ctx.switchTo) {
      // A global CONFIG restarts the loader with the new file: this session's labels are gone.
      const s = ctx.switchTo;
      return this.runSession(s.file, s.cwd, nextChain, s.from, s.line);
    }
    return this.#buildEntries(ctx, nextChain);
  }

  #readFile(ctx: SysContext, file: string, text: string, includeStack: string[]): void {
    const lines = text.split('\n'); // ReadTracker.read made every line end LF
    for (let i = 0; i < lines.length && !ctx.stopped; i++) {
      this.#line(ctx, file, i + 1, lines[i] ?? '', includeStack);
    }
    if (ctx.inText) {
      // TEXT HELP without ENDTEXT: syslinux keeps reading help text to EOF of this file.
      this.tracker.warn('SYNTAX', file, lines.length, 'TEXT HELP block not closed by ENDTEXT');
      ctx.inText = false;
    }
  }

  #line(ctx: SysContext, file: string, lineNo: number, raw: string, includeStack: string[]): void {
    const line = raw.trim();
    if (ctx.inText) {
      if (/^endtext\b/i.test(line)) ctx.inText = false;
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const [kwRaw, rest] = splitFirst(line);
    const kw = kwRaw.toLowerCase();

    if (kw === 'menu') {
      this.#menuDirective(ctx, file, lineNo, rest, includeStack);
      return;
    }
    if (kw === 'text') {
      if (/^help\b/i.test(rest)) ctx.inText = true;
      return;
    }
    if (kw === 'label') {
      this.#finishLabel(ctx);
      ctx.sawLabel = true;
      ctx.current = {
        name: rest,
        file,
        line: lineNo,
        cwd: ctx.cwd,
        menuPath: menuPathOf(ctx),
        menuDefault: false,
        menuAction: false,
        disabled: false,
      };
      return;
    }
    if (KERNEL_KEYWORDS.has(kw)) {
      const cur = ctx.current;
      if (cur) {
        if (cur.kind !== undefined) {
          this.tracker.warn('SYNTAX', file, lineNo, `label ${cur.name}: second ${kwRaw.toUpperCase()} line; the last one is used`);
        }
        cur.kind = kw as LabelKind;
        cur.image = rest;
        return;
      }
      if (kw === 'config') {
        // Global CONFIG: switch to another configuration file now.
        const [target, dir] = splitFirst(rest);
        if (target === '') {
          this.tracker.warn('SYNTAX', file, lineNo, 'CONFIG without a file name');
          return;
        }
        const targetPath = resolveIsoPath(ctx.cwd, syslinuxPath(target));
        const newCwd = dir === '' ? ctx.cwd : resolveIsoPath(ctx.cwd, syslinuxPath(firstWord(dir)));
        ctx.switchTo = { file: targetPath, cwd: newCwd, line: lineNo, from: file };
        ctx.stopped = true;
        return;
      }
      this.tracker.warn('SYNTAX', file, lineNo, `${kwRaw.toUpperCase()} outside a LABEL is ignored`);
      return;
    }
    switch (kw) {
      case 'append':
        if (ctx.current) ctx.current.append = rest;
        else if (!ctx.sawLabel) ctx.globalAppend = rest;
        else this.tracker.warn('SYNTAX', file, lineNo, 'APPEND after a LABEL block ended but outside a label is ignored');
        return;
      case 'initrd':
        if (ctx.current) ctx.current.initrd = rest;
        else this.tracker.warn('SYNTAX', file, lineNo, 'INITRD outside a LABEL is ignored');
        return;
      case 'include':
        this.#include(ctx, file, lineNo, firstWord(rest), includeStack, undefined);
        return;
      case 'default':
        ctx.defaultCmd = rest;
        return;
      case 'ontimeout':
        ctx.onTimeout = rest;
        return;
      case 'ui':
        ctx.ui = rest;
        return;
      default:
        // PROMPT, TIMEOUT, TOTALTIMEOUT, PATH, SERIAL, DISPLAY, F1..F12, SAY, IMPLICIT, ALLOWOPTIONS,
        // NOESCAPE, NOCOMPLETE, NOHALT, CONSOLE, FONT, KBDMAP, ONERROR, IPAPPEND, SYSAPPEND, ...:
        // no bearing on which kernel boots with which arguments.
        return;
    }
  }

  #menuDirective(ctx: SysContext, file: string, lineNo: number, rest: string, includeStack: string[]): void {
    const [subRaw, arg] = splitFirst(rest);
    const sub = subRaw.toLowerCase();
    const cur = ctx.current;
    switch (sub) {
      case 'label':
        if (cur) cur.menuLabel = arg;
        else {
          const m = ctx.menus[ctx.menus.length - 1];
          if (m) m.label = arg;
        }
        return;
      case 'title': {
        if (!cur) {
          const m = ctx.menus[ctx.menus.length - 1];
          if (m) m.title = arg;
        }
        return;
      }
      case 'default':
        if (cur) cur.menuDefault = true;
        return;
      case 'disable':
        if (cur) cur.disabled = true;
        return;
      case 'exit':
      case 'goto':
      case 'quit':
        if (cur) cur.menuAction = true;
        return;
      case 'begin':
        this.#finishLabel(ctx);
        ctx.menus.push({ tag: arg });
        return;
      case 'end':
        this.#finishLabel(ctx);
        if (ctx.menus.length === 0) this.tracker.warn('SYNTAX', file, lineNo, 'MENU END without MENU BEGIN');
        else ctx.menus.pop();
        return;
      case 'include': {
        const [target, tag] = splitFirst(arg);
        this.#include(ctx, file, lineNo, target, includeStack, tag === '' ? undefined : tag);
        return;
      }
      default:
        // MENU HIDE, SEPARATOR, INDENT, COLOR, BACKGROUND, WIDTH, MARGIN, ...: presentation only.
        return;
    }
  }

  #include(ctx: SysContext, file: string, lineNo: number, target: string, includeStack: string[], submenuTag: string | undefined): void {
    if (target === '') {
      this.tracker.warn('SYNTAX', file, lineNo, 'INCLUDE without a file name');
      return;
    }
    const path = resolveIsoPath(ctx.cwd, syslinuxPath(target));
    if (includeStack.includes(path)) {
      this.tracker.warn('INCLUDE_LOOP', file, lineNo, `INCLUDE ${path} would include itself (${[...includeStack, path].join(' -> ')}); refused`);
      return;
    }
    if (includeStack.length > MAX_INCLUDE_DEPTH) {
      this.tracker.warn('INCLUDE_DEPTH', file, lineNo, `INCLUDE ${path}: nesting deeper than ${MAX_INCLUDE_DEPTH} levels; refused`);
      return;
    }
    const text = this.tracker.read(path, file, lineNo, 'INCLUDE');
    if (text === undefined) return;
    if (submenuTag !== undefined) {
      this.#finishLabel(ctx);
      ctx.menus.push({ tag: submenuTag });
    }
    this.#readFile(ctx, path, text, [...includeStack, path]);
    if (submenuTag !== undefined) {
      this.#finishLabel(ctx);
      ctx.menus.pop();
    }
  }

  #finishLabel(ctx: SysContext): void {
    if (ctx.current) ctx.labels.push(ctx.current);
    ctx.current = undefined;
  }

  #buildEntries(ctx: SysContext, chain: string[]): ContextEntries {
    const out: ContextEntries = { entries: [], byLabel: new Map() };
    const pxeOnly = whichsysPxeOnly(ctx.labels);
    const childDefaults = new Map<string, BootMenuEntry | undefined>();

    for (const label of ctx.labels) {
      if (label.disabled || label.menuAction) continue;
      if (pxeOnly.has(label.name)) {
        this.tracker.warn('SKIPPED', label.file, label.line, `label ${label.name} is only booted over PXE (whichsys.c32 -pxe-); not followed`);
        continue;
      }
      const kind = label.kind ?? 'kernel';
      if (kind === 'config') {
        const [target] = splitFirst(label.image ?? '');
        if (target === '') {
          this.tracker.warn('SYNTAX', label.file, label.line, `label ${label.name}: CONFIG without a file name`);
          continue;
        }
        const targetPath = resolveIsoPath(label.cwd, syslinuxPath(target));
        const dir = firstWord(label.append ?? '');
        const newCwd = dir === '' ? label.cwd : resolveIsoPath(label.cwd, syslinuxPath(dir));
        const child = this.runSession(targetPath, newCwd, chain, label.file, label.line);
        if (!child) continue;
        const prefix = label.menuLabel === undefined ? label.menuPath : [...label.menuPath, cleanMenuLabel(label.menuLabel)];
        for (const e of child.entries) {
          const path = [...prefix, ...(e.menuPath ?? [])];
          if (path.length > 0) e.menuPath = path;
          else delete e.menuPath;
          out.entries.push(e);
        }
        childDefaults.set(label.name, child.defaultEntry);
        continue;
      }
      if (kind !== 'kernel' && kind !== 'linux') continue; // COM32, LOCALBOOT, BOOT, BSS, PXE, FDIMAGE
      // "The default for image is the same as label" (doc/syslinux.txt).
      const imageText = firstWord(label.image ?? label.name);
      if (imageText === '') continue;
      const kernel = resolveIsoPath(label.cwd, syslinuxPath(imageText));
      if (kind === 'kernel' && /\.(c32|com|cbt|0|bs|bin|bss|img)$/i.test(kernel)) continue; // typed by extension
      const reason = nonLinuxKernelReason(kernel);
      if (reason !== undefined) {
        this.tracker.warn('SKIPPED', label.file, label.line, `label ${label.name}: ${kernel} is not a Linux kernel (${reason}); skipped`);
        continue;
      }
      const entry = this.#entry(ctx, label, kernel);
      if (!entry) break;
      out.entries.push(entry);
      if (!out.byLabel.has(label.name)) out.byLabel.set(label.name, entry);
    }

    const def = this.#resolveDefault(ctx, out, childDefaults);
    if (def) out.defaultEntry = def;
    return out;
  }

  #entry(ctx: SysContext, label: SysLabel, kernel: string): BootMenuEntry | undefined {
    if (this.#entryCount >= MAX_ENTRIES) {
      if (!this.#entryLimitWarned) {
        this.tracker.warn('LIMIT', label.file, label.line, `more than ${MAX_ENTRIES} entries; the rest are ignored`);
        this.#entryLimitWarned = true;
      }
      return undefined;
    }
    this.#entryCount++;
    let appendText = label.append ?? ctx.globalAppend ?? '';
    if (appendText.trim() === '-') appendText = '';
    const tokens = splitKernelArgs(appendText);
    const append: string[] = [];
    let fromAppend: string | undefined;
    for (const t of tokens) {
      if (t.startsWith('initrd=')) fromAppend = t.slice('initrd='.length);
      else append.push(t);
    }
    let initrdSpec: string | undefined;
    if (fromAppend !== undefined) {
      if (label.initrd !== undefined && firstWord(label.initrd) !== fromAppend) {
        this.tracker.warn(
          'SYNTAX',
          label.file,
          label.line,
          `label ${label.name}: both INITRD and initrd= in APPEND; syslinux uses the last initrd= on the command line (${fromAppend})`,
        );
      }
      initrdSpec = fromAppend;
    } else if (label.initrd !== undefined) {
      initrdSpec = firstWord(label.initrd);
    }
    const initrds =
      initrdSpec === undefined
        ? []
        : initrdSpec
            .split(',')
            .map((s) => s.trim().replace(/^"|"$/g, ''))
            .filter((s) => s !== '')
            .map((s) => resolveIsoPath(label.cwd, syslinuxPath(s)));
    const entry: BootMenuEntry = {
      label: label.menuLabel !== undefined ? cleanMenuLabel(label.menuLabel) : label.name,
      kernel,
      initrds,
      append,
      source: { file: label.file, line: label.line, loader: 'syslinux' },
      isDefault: false,
    };
    if (label.menuPath.length > 0) entry.menuPath = label.menuPath;
    if (label.menuLabel === undefined) bareLabelEntries.add(entry);
    return entry;
  }

  #resolveDefault(
    ctx: SysContext,
    out: ContextEntries,
    childDefaults: Map<string, BootMenuEntry | undefined>,
  ): BootMenuEntry | undefined {
    const byName = (name: string, seen: Set<string>): BootMenuEntry | undefined => {
      if (seen.has(name) || seen.size > 16) return undefined;
      seen.add(name);
      const label =
        ctx.labels.find((l) => l.name === name) ?? ctx.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
      if (!label) return undefined;
      if (label.kind === 'config') return childDefaults.get(label.name);
      if (label.kind === 'com32' && isoBasename(firstWord(label.image ?? '')).toLowerCase() === 'whichsys.c32') {
        const target = whichsysIsoTarget(label.append ?? '');
        return target === undefined ? undefined : byName(target, seen);
      }
      return out.byLabel.get(label.name);
    };

    if (ctx.onTimeout !== undefined) {
      const e = byName(firstWord(ctx.onTimeout), new Set());
      if (e) return e;
    }
    const topDefaults = ctx.labels.filter((l) => l.menuDefault && l.menuPath.length === 0);
    const anyDefaults = ctx.labels.filter((l) => l.menuDefault);
    const md = topDefaults[topDefaults.length - 1] ?? anyDefaults[anyDefaults.length - 1];
    if (md) {
      const e = byName(md.name, new Set());
      if (e) return e;
    }
    if (ctx.defaultCmd !== undefined) {
      const e = byName(firstWord(ctx.defaultCmd), new Set());
      if (e) return e;
    }
    const menuUi =
      (ctx.ui !== undefined && /menu\.c32|vesamenu\.c32|gfxboot/i.test(ctx.ui)) ||
      (ctx.defaultCmd !== undefined && /\.c32$/i.test(firstWord(ctx.defaultCmd)));
    if (menuUi) {
      // The menu highlights its first item when nothing is marked default; take the first
      // top-level item that is a Linux entry.
      for (const l of ctx.labels) {
        if (l.menuPath.length > 0 || l.disabled || l.menuAction) continue;
        const e = l.kind === 'config' ? childDefaults.get(l.name) : out.byLabel.get(l.name);
        if (e) return e;
      }
    }
    return undefined;
  }
}

/** Labels reached only through whichsys.c32's `-pxe-` branch (an ISO boot takes `-iso-`, else `-sys-`). */
function whichsysPxeOnly(labels: SysLabel[]): Set<string> {
  const pxe = new Set<string>();
  const other = new Set<string>();
  for (const l of labels) {
    if (l.kind !== 'com32' || isoBasename(firstWord(l.image ?? '')).toLowerCase() !== 'whichsys.c32') continue;
    const branches = whichsysBranches(l.append ?? '');
    for (const [mode, cmd] of branches) {
      const target = firstWord(cmd);
      if (target === '') continue;
      if (mode === 'pxe') pxe.add(target);
      else other.add(target);
    }
  }
  for (const t of other) pxe.delete(t);
  return pxe;
}

function whichsysIsoTarget(append: string): string | undefined {
  const branches = new Map(whichsysBranches(append));
  const cmd = branches.get('iso') ?? branches.get('sys');
  if (cmd === undefined) return undefined;
  const t = firstWord(cmd);
  return t === '' ? undefined : t;
}

/** `-pxe- pxe -sys- sys -iso- chain.c32 hd0` → [['pxe','pxe'],['sys','sys'],['iso','chain.c32 hd0']]. */
function whichsysBranches(append: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /-(pxe|sys|iso|ext)-\s+((?:(?!\s-(?:pxe|sys|iso|ext)-(?:\s|$)).)*)/gi;
  for (const m of append.matchAll(re)) {
    out.push([(m[1] ?? '').toLowerCase(), (m[2] ?? '').trim()]);
  }
  return out;
}

function menuPathOf(ctx: SysContext): string[] {
  return ctx.menus.map((m) => cleanMenuLabel(m.label ?? m.title ?? m.tag));
}

/** Remove menu.c32 hotkey markers ('^') and surrounding blanks: '^Try Ubuntu' → 'Try Ubuntu'. */
export function cleanMenuLabel(text: string): string {
  return text.replace(/\^/g, '').replace(/\s+/g, ' ').trim();
}

/** pxelinux '::/path' (absolute on the TFTP server) and DOS backslashes → ISO path form. */
function syslinuxPath(p: string): string {
  let s = p.replace(/\\/g, '/');
  if (s.startsWith('::')) s = s.slice(2);
  return s;
}

function splitFirst(s: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s.trim());
  if (!m) return ['', ''];
  return [m[1] ?? '', (m[2] ?? '').trim()];
}

function firstWord(s: string): string {
  return splitFirst(s)[0];
}
