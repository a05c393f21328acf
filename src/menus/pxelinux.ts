/**
 * The pxelinux dialect (BIOS PXE with syslinux's pxelinux.0 + vesamenu.c32): pxelinux.cfg/default,
 * the file a hand-written one INCLUDEs, and per-host files.
 *
 * Syslinux facts this relies on (geneC/syslinux com32/elflink/ldlinux/readconfig.c, doc/syslinux.cfg):
 *  - `APPEND` takes the rest of the line raw: nothing is quoted or escaped, so the kernel command
 *    line is written as the kernel should see it (`ds=nocloud;s=…` stays bare, cobbler#1777).
 *  - `LABEL` ends at the first blank; labels are looked up case-sensitively across all submenus, so
 *    `ONTIMEOUT <label>` works for an entry inside `MENU BEGIN`.
 *  - `MENU DEFAULT` right after `MENU BEGIN` (before any LABEL) makes the submenu the parent's
 *    default item; inside a LABEL it highlights that label.
 *  - `INITRD a,b,c` (3.71+) loads several initrds in order: microcode first, as the entry lists them.
 *  - `TIMEOUT` is in tenths of a second; 0 waits forever.
 *  - `SERIAL` should be the first directive in the file.
 *  - vesamenu draws bytes with a code-page-437 font, so labels are folded to ASCII.
 *  - vesamenu draws a label in WIDTH - 2 * MARGIN - 4 columns (com32/menu/menumain.c draw_row) and
 *    cuts the rest wherever it falls; this file sets neither, so the defaults (80, 10) give 56.
 */
import {
  GENERATED_MARKER,
  LOCAL_LABEL,
  LOCAL_NAME,
  cleanLabel,
  commentText,
  foldToAscii,
  importBlocks,
  importDefault,
  missingDefaultComment,
  singleEntryLabel,
  treeFile,
  type EntryPlace,
  type LoaderDialect,
  type MenuContext,
  type PlannedChain,
  type PlannedEntry,
  type PlannedImport,
} from './common.js';

/** Columns vesamenu gives a label with the default MENU WIDTH 80 and MENU MARGIN 10. */
export const VESAMENU_LABEL_COLUMNS = 80 - 2 * 10 - 4;

/** A label for vesamenu: ASCII, no `^` hotkey markers, no control characters, fitted to its width. */
function label(text: string, fallback: string): string {
  return fitLabel(plainLabel(text, fallback));
}

/** ASCII, no `^` hotkey markers, no control characters: what vesamenu can draw, at any length. */
function plainLabel(text: string, fallback: string): string {
  return cleanLabel(foldToAscii(cleanLabel(text, fallback)), fallback);
}

/**
 * A label that fits `columns`: unchanged when it does, else cut at the last blank that leaves room
 * for "..." (at the width when one word fills it), trailing punctuation dropped before the "...".
 * vesamenu would cut it mid-word at the box's edge.
 */
export function fitLabel(text: string, columns = VESAMENU_LABEL_COLUMNS): string {
  if (text.length <= columns) return text;
  const room = columns - 3;
  const blank = text.lastIndexOf(' ', room);
  // A cut leaving less than half the room would waste the line: one long word is cut where it must be.
  const head = blank >= room / 2 ? text.slice(0, blank) : text.slice(0, room);
  return `${head.replace(/[\s\-:,;/(]+$/, '')}...`;
}

function cannotBoot(p: PlannedEntry): string | undefined {
  if (p.entry.method === 'sanboot') return "pxelinux cannot attach an ISO over HTTP (iPXE's sanboot); the iPXE menu, boot.ipxe, offers it";
  const files = [p.entry.method === 'memdisk' ? 'memdisk' : p.entry.kernel, ...p.entry.initrds].map((f) => treeFile(p.imp, f));
  for (const f of files) {
    if (/[\s\u0000-\u001f\u007f]/.test(f)) return `the path '${commentText(f)}' contains a blank, which syslinux cannot express`;
  }
  for (const f of files.slice(1)) {
    if (f.includes(',')) return `the initrd path '${commentText(f)}' contains ',', the INITRD list separator`;
  }
  if (p.entry.method === 'memdisk' && p.entry.initrds.length !== 1) return 'a memdisk entry needs exactly one ISO image';
  return undefined;
}

function header(ctx: MenuContext, note?: string): string[] {
  const out = [GENERATED_MARKER];
  if (note !== undefined) out.push(note);
  // SERIAL should be the first directive in the file.
  if (ctx.serial) out.push(`SERIAL ${ctx.serial.port} ${ctx.serial.speed}`);
  return out;
}

function entry(p: PlannedEntry, _ctx: MenuContext, place: EntryPlace, highlighted: boolean): string[] {
  const indent = place === 'submenu' ? '  ' : '';
  // "<import>: <entry>" is fitted whole, not each half.
  const menuLabel = place === 'top' ? fitLabel(singleEntryLabel(p, plainLabel)) : label(p.entry.label, p.entry.id);
  const out = [`${indent}LABEL ${p.name}`, `${indent}  MENU LABEL ${menuLabel}`];
  if (highlighted) out.push(`${indent}  MENU DEFAULT`);
  const e = p.entry;
  if (e.method === 'memdisk') {
    out.push(`${indent}  LINUX memdisk`, `${indent}  INITRD ${treeFile(p.imp, e.initrds[0] ?? '')}`);
  } else {
    out.push(`${indent}  LINUX ${treeFile(p.imp, e.kernel)}`);
    if (e.initrds.length > 0) out.push(`${indent}  INITRD ${e.initrds.map((f) => treeFile(p.imp, f)).join(',')}`);
  }
  // APPEND takes the rest of the line raw; "APPEND -" appends nothing and overrides a global
  // APPEND of a hand-written file that includes us.
  out.push(`${indent}  APPEND ${p.argv.length > 0 ? p.argv.join(' ') : '-'}`);
  if (e.method !== 'memdisk' && e.sysappend > 0) out.push(`${indent}  SYSAPPEND ${e.sysappend}`);
  return out;
}

function submenu(ctx: MenuContext, pi: PlannedImport, shown: readonly PlannedEntry[]): string[] {
  const { plan, standalone } = ctx;
  const impLabel = label(pi.imp.label, pi.imp.name);
  const inner = importDefault(shown, plan);
  const out = [`MENU BEGIN ${pi.name}`, `  MENU LABEL ${impLabel}`, `  MENU TITLE ${impLabel}`];
  // Before any LABEL: makes this submenu the highlighted item of the top menu.
  if (standalone && plan.defaultEntry !== undefined && shown.includes(plan.defaultEntry)) out.push('  MENU DEFAULT');
  for (const p of shown) out.push('', ...entry(p, ctx, 'submenu', p === inner));
  out.push('', '  MENU SEPARATOR', `  LABEL ${pi.backName}`, '    MENU LABEL Back', '    MENU EXIT', 'MENU END');
  return out;
}

/**
 * A distribution's netboot tree under a path prefix: `CONFIG file dir` restarts pxelinux with that
 * tree's own menu and makes `dir` the prefix every later relative file name is read under, so the
 * tree's menus work as shipped. The tree's modules (vesamenu.c32, …) must come from the same
 * Syslinux version as this pxelinux.0.
 */
function chainLines(c: PlannedChain, isDefault: boolean): string[] {
  const out: string[] = [];
  if (/^https?:/.test(c.chain.prefix)) out.push('# Note: http:// prefixes need lpxelinux.0, or pxelinux.0 started by iPXE.');
  out.push(`LABEL ${c.name}`, `  MENU LABEL ${label(c.chain.label, c.chain.name)}`);
  if (isDefault) out.push('  MENU DEFAULT');
  out.push(`  CONFIG ${c.chain.prefix}pxelinux.cfg/default ${c.chain.prefix}`);
  return out;
}

function menu(ctx: MenuContext): string {
  const { model, plan, standalone } = ctx;
  const out = header(ctx);
  if (standalone) {
    // A non-zero timeout never rounds down to 0, which would mean "wait forever".
    const tenths = ctx.timeout === 0 ? 0 : Math.max(1, Math.round(ctx.timeout * 10));
    const missing = missingDefaultComment(plan);
    if (missing) out.push(missing);
    // A default this menu leaves out has no LABEL here: time out to the local disk instead, as GRUB does.
    const why = plan.defaultEntry !== undefined ? cannotBoot(plan.defaultEntry) : undefined;
    const entry = why === undefined ? plan.defaultEntry : undefined;
    if (why !== undefined) out.push(`# The default entry is left out of this menu (${commentText(why)}): the local disk boots on timeout.`);
    out.push(
      'UI vesamenu.c32',
      `MENU TITLE ${label(model.title, 'PXE boot menu')}`,
      `TIMEOUT ${tenths}`,
      `ONTIMEOUT ${entry?.name ?? plan.defaultChain?.name ?? LOCAL_NAME}`,
      '',
      `LABEL ${LOCAL_NAME}`,
      `  MENU LABEL ${LOCAL_LABEL}`,
    );
    if (entry === undefined && plan.defaultChain === undefined) out.push('  MENU DEFAULT');
    out.push('  LOCALBOOT -1');
    if (plan.imports.length > 0) out.push('', 'MENU SEPARATOR');
  }
  out.push(...importBlocks(pxelinuxDialect, ctx, submenu));
  for (const c of plan.chains) out.push('', ...chainLines(c, standalone && c === plan.defaultChain));
  return `${out.join('\n')}\n`;
}

/**
 * `pxelinux.cfg/01-aa-bb-cc-dd-ee-ff`, which pxelinux itself looks for before `default`
 * (doc/pxelinux.txt). `PROMPT 0` with no UI boots `DEFAULT` without a prompt; holding Shift or Alt
 * still gives the boot: prompt, which then waits (TIMEOUT 0).
 */
function hostFile(p: PlannedEntry, ctx: MenuContext, note: string): string {
  const out = [...header(ctx, note), `DEFAULT ${p.name}`, 'PROMPT 0', 'TIMEOUT 0', '', ...entry(p, ctx, 'host', false)];
  return `${out.join('\n')}\n`;
}

export const pxelinuxDialect: LoaderDialect = {
  id: 'pxelinux',
  title: 'pxelinux',
  hostPath: { dir: 'pxelinux.cfg', prefix: '01-', suffix: '' },
  label,
  cannotBoot,
  header,
  entry,
  menu,
  hostFile,
};
