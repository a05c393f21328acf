/**
 * Per-machine files: a machine assigned to one entry (`pxe-import host add`) boots it at once,
 * with its extra kernel arguments, and never sees the menu. The entry is the menu's own
 * {@link PlannedEntry} (same name, files and command line, plus the host's arguments), rendered by
 * the same per-entry code as the menus; only the wrapping differs.
 *
 *  - pxelinux: `pxelinux.cfg/01-aa-bb-cc-dd-ee-ff`, which pxelinux itself looks for before
 *    `default` (doc/pxelinux.txt). `PROMPT 0` with no UI boots `DEFAULT` without a prompt.
 *  - GRUB: `grub/grub.cfg-01-aa-bb-cc-dd-ee-ff`, read through the `configfile` line grub.cfg
 *    has for that MAC (grub.ts hostDispatch). `timeout=0` boots it at once.
 *  - iPXE: `hosts/aa-bb-cc-dd-ee-ff.ipxe`, chained by boot.ipxe; if the entry fails to boot it
 *    exits, and boot.ipxe shows the menu.
 *
 * A machine whose entry a loader cannot boot (memdisk under GRUB, sanboot under pxelinux and GRUB),
 * or whose import or entry is gone, gets no file for that loader: it sees the menu, and a note says so.
 * Pure, like the menu renderers.
 */
import type { MenuModel } from './model.js';
import {
  GENERATED_MARKER,
  checkSerial,
  commentText,
  hyphenMac,
  planMenu,
  resolveHosts,
  type MenuRenderOptions,
  type PlannedEntry,
  type ResolvedHost,
} from './common.js';
import { entryLines as grubEntryLines, grubCannot, grubHostFile, title as grubTitle } from './grub.js';
import { checkHttpBase, entryBlock } from './ipxe.js';
import { entryLines as pxelinuxEntryLines, label as pxelinuxLabel, unrenderable as pxelinuxCannot } from './pxelinux.js';

/** Where the per-host files live, relative to the root. */
export const HOST_FILE_DIRS = { pxelinux: 'pxelinux.cfg', grub: 'grub', ipxe: 'hosts' } as const;

/** True for a file name a per-host file of this loader could have (so stale ones can be found). */
export function isHostFileName(loader: keyof typeof HOST_FILE_DIRS, name: string): boolean {
  const mac = '(?:[0-9a-f]{2}-){5}[0-9a-f]{2}';
  const re = { pxelinux: `^01-${mac}$`, grub: `^grub\\.cfg-01-${mac}$`, ipxe: `^${mac}\\.ipxe$` }[loader];
  return new RegExp(re).test(name);
}

export interface HostFile {
  readonly loader: keyof typeof HOST_FILE_DIRS;
  /** Relative to the root, e.g. `pxelinux.cfg/01-52-54-00-12-34-56`. */
  readonly path: string;
  readonly text: string;
}

export interface RenderedHosts {
  readonly files: readonly HostFile[];
  /** One line per machine that gets the menu under some loader, and why. */
  readonly notes: readonly string[];
  /** The notes of machines whose import or entry is gone (they get the menu everywhere). */
  readonly unresolved: readonly string[];
}

function what(h: ResolvedHost): string {
  return `${h.host.importName}${h.host.entryId === undefined ? '' : `/${h.host.entryId}`}`;
}

function header(h: ResolvedHost, p: PlannedEntry): string {
  const args = h.host.append === '' ? '' : ` with "${commentText(h.host.append)}"`;
  return `# Machine ${h.host.mac} boots ${commentText(p.imp.name)}/${commentText(p.entry.id)}${args}, without a menu (pxe-import host).`;
}

function pxelinuxFile(h: ResolvedHost, p: PlannedEntry, options: MenuRenderOptions): string {
  const serial = checkSerial(options.serial);
  const out = [GENERATED_MARKER, header(h, p)];
  if (serial) out.push(`SERIAL ${serial.port} ${serial.speed}`);
  // Holding Shift or Alt still gives the boot: prompt, which then waits (TIMEOUT 0).
  out.push(`DEFAULT ${p.name}`, 'PROMPT 0', 'TIMEOUT 0', '', ...pxelinuxEntryLines(p, pxelinuxLabel(p.entry.label, p.entry.id), false, ''));
  return `${out.join('\n')}\n`;
}

function grubFile(h: ResolvedHost, p: PlannedEntry, options: MenuRenderOptions): string {
  const serial = checkSerial(options.serial);
  const out = [GENERATED_MARKER, header(h, p)];
  if (serial) out.push(`serial --unit=${serial.port} --speed=${serial.speed}`, 'terminal_input serial console', 'terminal_output serial console');
  out.push('set timeout=0', `set default='${p.name}'`, '', ...grubEntryLines(p, grubTitle(p.entry.label, p.entry.id), ''));
  return `${out.join('\n')}\n`;
}

function ipxeFile(h: ResolvedHost, p: PlannedEntry, block: readonly string[]): string {
  const out = [
    '#!ipxe',
    GENERATED_MARKER,
    header(h, p),
    '',
    `goto ${p.name}`,
    '',
    ':failed',
    ':bios-only',
    // Back in boot.ipxe, whose chain line then falls through to its menu.
    'echo This machine\'s own entry did not boot: showing the menu.',
    'exit 1',
    '',
    ...block,
  ];
  return `${out.join('\n')}\n`;
}

/** The per-host files of every machine in `model.hosts`, sorted by path. */
export function renderHostFiles(model: MenuModel, options: MenuRenderOptions = {}): RenderedHosts {
  const plan = planMenu(model);
  const httpBase = checkHttpBase(model.httpBase);
  const files: HostFile[] = [];
  const notes: string[] = [];
  const unresolved: string[] = [];
  for (const h of resolveHosts(model, plan)) {
    const p = h.planned;
    if (!p) {
      const note = `${h.host.mac}: ${what(h)} is not imported (any more): this machine gets the menu; pxe-import host add it again or host remove it`;
      notes.push(note);
      unresolved.push(note);
      continue;
    }
    const mac = hyphenMac(h.host.mac);
    const cannot: string[] = [];
    const px = pxelinuxCannot(p);
    if (px === undefined) files.push({ loader: 'pxelinux', path: `${HOST_FILE_DIRS.pxelinux}/01-${mac}`, text: pxelinuxFile(h, p, options) });
    else cannot.push(`pxelinux (${px})`);
    const gr = grubCannot(p);
    if (gr === undefined) files.push({ loader: 'grub', path: `${HOST_FILE_DIRS.grub}/${grubHostFile(h.host.mac)}`, text: grubFile(h, p, options) });
    else cannot.push(`GRUB (${gr})`);
    const block = entryBlock(p, httpBase, '../');
    if (typeof block !== 'string') files.push({ loader: 'ipxe', path: `${HOST_FILE_DIRS.ipxe}/${mac}.ipxe`, text: ipxeFile(h, p, block) });
    else cannot.push(`iPXE (${block})`);
    if (cannot.length > 0) notes.push(`${h.host.mac}: gets the menu under ${cannot.join(', ')}`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, notes, unresolved };
}
