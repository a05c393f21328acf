/**
 * pxelinux.cfg/default (BIOS PXE with syslinux's pxelinux.0 + vesamenu.c32).
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
 */
import type { MenuModel } from './model.js';
import {
  GENERATED_MARKER,
  LOCAL_LABEL,
  LOCAL_NAME,
  checkSerial,
  checkTimeout,
  cleanLabel,
  commentText,
  foldToAscii,
  importDefault,
  missingDefaultComment,
  planMenu,
  singleEntryLabel,
  treeFile,
  type MenuPlan,
  type MenuRenderOptions,
  type PlannedChain,
  type PlannedEntry,
} from './common.js';

/** A label for vesamenu: ASCII, no `^` hotkey markers, no control characters. */
export function label(text: string, fallback: string): string {
  return cleanLabel(foldToAscii(cleanLabel(text, fallback)), fallback);
}

/** Why syslinux cannot express this entry, or undefined when it can. */
export function unrenderable(p: PlannedEntry): string | undefined {
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

export function entryLines(p: PlannedEntry, menuLabel: string, isDefault: boolean, indent: string): string[] {
  const out = [`${indent}LABEL ${p.name}`, `${indent}  MENU LABEL ${menuLabel}`];
  if (isDefault) out.push(`${indent}  MENU DEFAULT`);
  const e = p.entry;
  if (e.method === 'memdisk') {
    out.push(`${indent}  LINUX memdisk`, `${indent}  INITRD ${treeFile(p.imp, e.initrds[0] ?? '')}`);
  } else {
    out.push(`${indent}  LINUX ${treeFile(p.imp, e.kernel)}`);
    if (e.initrds.length > 0) out.push(`${indent}  INITRD ${e.initrds.map((f) => treeFile(p.imp, f)).join(',')}`);
  }
  const args = p.argv;
  // "APPEND -" appends nothing and overrides a global APPEND of a hand-written file that includes us.
  out.push(`${indent}  APPEND ${args.length > 0 ? args.join(' ') : '-'}`);
  if (e.method !== 'memdisk' && e.sysappend > 0) out.push(`${indent}  SYSAPPEND ${e.sysappend}`);
  return out;
}

function renderImports(plan: MenuPlan, standalone: boolean): string[] {
  const out: string[] = [];
  for (const pi of plan.imports) {
    const impLabel = label(pi.imp.label, pi.imp.name);
    const shown: PlannedEntry[] = [];
    const notes: string[] = [];
    for (const p of pi.entries) {
      const why = unrenderable(p);
      if (why === undefined) shown.push(p);
      else notes.push(`# ${commentText(impLabel)} / ${commentText(label(p.entry.label, p.entry.id))}: left out: ${why}.`);
    }
    const block: string[] = [...notes];
    if (shown.length === 0 && notes.length === 0) block.push(`# ${commentText(impLabel)}: no boot entries.`);
    const only = shown[0];
    if (shown.length === 1 && only) {
      block.push(...entryLines(only, singleEntryLabel(only, label), standalone && only === plan.defaultEntry, ''));
    } else if (shown.length > 1) {
      const inner = importDefault(shown, plan);
      block.push(`MENU BEGIN ${pi.name}`, `  MENU LABEL ${impLabel}`, `  MENU TITLE ${impLabel}`);
      // Before any LABEL: makes this submenu the highlighted item of the top menu.
      if (standalone && plan.defaultEntry !== undefined && shown.includes(plan.defaultEntry)) block.push('  MENU DEFAULT');
      for (const p of shown) {
        block.push('', ...entryLines(p, label(p.entry.label, p.entry.id), p === inner, '  '));
      }
      block.push('', '  MENU SEPARATOR', `  LABEL ${pi.backName}`, '    MENU LABEL Back', '    MENU EXIT', 'MENU END');
    }
    out.push('', ...block);
  }
  for (const c of plan.chains) out.push('', ...chainLines(c, standalone && c === plan.defaultChain));
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

/**
 * Render `pxelinux.cfg/default` (standalone, the default) or, with `standalone: false`, a file of
 * labels and submenus only, for a hand-written `pxelinux.cfg/default` to
 * `INCLUDE pxelinux.cfg/pxe-import.menu`.
 */
export function renderPxelinux(model: MenuModel, options: MenuRenderOptions = {}): string {
  const standalone = options.standalone ?? true;
  const serial = checkSerial(options.serial);
  const timeout = checkTimeout(model);
  const plan = planMenu(model);
  const out: string[] = [GENERATED_MARKER];
  if (serial) out.push(`SERIAL ${serial.port} ${serial.speed}`);
  if (standalone) {
    // A non-zero timeout never rounds down to 0, which would mean "wait forever".
    const tenths = timeout === 0 ? 0 : Math.max(1, Math.round(timeout * 10));
    const missing = missingDefaultComment(plan);
    if (missing) out.push(missing);
    out.push(
      'UI vesamenu.c32',
      `MENU TITLE ${label(model.title, 'PXE boot menu')}`,
      `TIMEOUT ${tenths}`,
      `ONTIMEOUT ${plan.defaultEntry?.name ?? plan.defaultChain?.name ?? LOCAL_NAME}`,
      '',
      `LABEL ${LOCAL_NAME}`,
      `  MENU LABEL ${LOCAL_LABEL}`,
    );
    if (plan.defaultEntry === undefined && plan.defaultChain === undefined) out.push('  MENU DEFAULT');
    out.push('  LOCALBOOT -1');
    if (plan.imports.length > 0) out.push('', 'MENU SEPARATOR');
  }
  out.push(...renderImports(plan, standalone));
  return `${out.join('\n')}\n`;
}
