import { discoverBootEntries, type BootConfigAssumption, type BootConfigWarning, type BootMenuEntry } from '../bootconfig/index.js';
import { PxeError, type Warning } from '../errors.js';
import type { BootEntry } from './boot-entry.js';
import { matchesArgument } from './detect.js';
import type { Profile, TemplateVariable } from './schema.js';
import { globPaths, globToRegExp, type TreeView } from './tree-view.js';

/** Where the imported tree will be served from; fills the command-line templates. */
export interface ServeContext {
  readonly name: string;
  readonly server: string;
  /** The tree's path as the NFS server exports it. */
  readonly exportPath: string;
  /** URL of the tree's root over HTTP, ending in "/". */
  readonly httpBase: string;
}

export interface EntryPlan {
  readonly entries: readonly BootEntry[];
  /**
   * Problems worth telling the user: the profile's caveats (PROFILE_CAVEAT), then the ISO's boot
   * config warnings (BOOTCONFIG_*, with file and line), then arguments left out (PROFILE_ARGUMENT_DROPPED).
   */
  readonly warnings: readonly Warning[];
  /** The ISO's configuration files that were read. */
  readonly configFiles: readonly string[];
  /**
   * Conditions of the ISO's GRUB config decided as the machine served would decide them (which
   * branch ran and why); information, not warnings.
   */
  readonly assumptions: readonly BootConfigAssumption[];
  /**
   * The ISO's boot entries that were seen but are not in `entries`, each with where it is and why
   * it was left out (`/boot/grub/grub.cfg:12: 'Memtest' (/boot/memtest.bin): not a Linux kernel`).
   */
  readonly dropped: readonly string[];
  /** Initrds the import writes into the tree (an initrd with the ISO appended), for profiles with `embedIso`. */
  readonly combinedInitrds: readonly CombinedInitrdPlan[];
  /** The profile's serverNeeds with the variables filled in: what the server must provide. */
  readonly serverNeeds: readonly string[];
}

export interface CombinedInitrdPlan {
  /** Where it goes, relative to the tree: under {@link COMBINED_INITRD_DIR}. */
  readonly path: string;
  /** The ISO's own initrd it starts with, relative to the tree. */
  readonly initrd: string;
  /** The ISO's path inside the initramfs. */
  readonly embed: string;
}

/**
 * The folder of the tree the combined initrds are written to. A name no distribution uses; an ISO
 * that has it anyway is refused rather than overwritten.
 */
export const COMBINED_INITRD_DIR = '.pxe-import-initrd';

/**
 * Turns an ISO's boot configuration (or, without one, the profile's file patterns)
 * into boot entries with network command lines. Pure: the view holds all it reads.
 */
export function planBootEntries(profile: Profile, view: TreeView, serve: ServeContext): EntryPlan {
  if (profile.method === 'unsupported') return unsupportedPlan(profile);
  if (profile.method !== 'linux') return wholeIsoPlan(profile, view, serve);
  const warnings: Warning[] = [];
  let found: BootMenuEntry[] = [];
  let configFiles: string[] = [];
  let assumptions: BootConfigAssumption[] = [];
  const leftOut: Array<{ file: string; line: number; text: string }> = [];
  if (profile.boot.fromBootConfig) {
    const result = discoverBootEntries(view);
    configFiles = result.filesRead;
    assumptions = result.assumptions;
    warnings.push(...result.warnings.filter(worthReporting).map(bootConfigWarning));
    for (const w of result.warnings) if (w.code === 'SKIPPED' || w.code === 'KERNEL_MISSING') leftOut.push({ file: w.file, line: w.line, text: w.message });
    const why = result.entries.map((e) => ({ e, reason: dropReason(profile, e) }));
    let kept = why.filter((x) => x.reason === undefined).map((x) => x.e);
    if (kept.length === 0) {
      // A respin that moved the kernel (/boot/kernel on a casper system): the family's usual
      // paths do not hold on this ISO, its own entries do.
      kept = why.filter((x) => x.reason?.byPath === true).map((x) => x.e);
      if (kept.length > 0) {
        warnings.push({
          code: 'PROFILE_ENTRY_GUESSED',
          message: `no entry of the ISO's boot configuration uses the family's kernel paths (${profile.boot.kernelFilter.join(', ')}); its own entries with kernels elsewhere (${[...new Set(kept.map((e) => e.kernel))].join(', ')}) are kept: check that they boot`,
        });
      }
    }
    for (const { e, reason } of why) {
      if (reason && !kept.includes(e)) leftOut.push({ file: e.source.file, line: e.source.line, text: `'${e.label}' (${e.kernel}): ${reason.text}` });
    }
    // ISOs with both menus mostly repeat one in the other with small differences; GRUB's is
    // the one distributions maintain (and UEFI machines see), so isolinux is the fallback.
    const grub = kept.filter((e) => e.source.loader === 'grub');
    found = grub.length > 0 ? grub : kept;
  }
  if (found.length === 0) {
    const fallback = entryFromPatterns(profile, view);
    if (fallback) {
      found = [fallback];
      // Guessed, not read: the ISO's own arguments (root device, options) are not known.
      if (profile.boot.fromBootConfig) {
        const read = configFiles.length > 0 ? `none of ${configFiles.join(', ')} gives a usable entry` : 'no boot configuration was found';
        warnings.push({
          code: 'PROFILE_ENTRY_GUESSED',
          message: `${read}: the entry is built from the profile's file patterns (${fallback.kernel}) and its default arguments (${profile.boot.defaultArguments.join(' ') || 'none'}), not from the ISO's own; check that it boots`,
        });
      }
    }
  }
  // A template naming what this ISO lacks (no root image the globs find, an unknown ISO size)
  // would give a line that cannot boot: that line is left out, said once.
  const lines = { nfs: usableTemplate(profile, 'nfs', view, warnings), http: usableTemplate(profile, 'http', view, warnings) };
  if (lines.nfs === undefined && lines.http === undefined && (profile.cmdline.nfs !== undefined || profile.cmdline.http !== undefined)) {
    for (const e of found) leftOut.push({ file: e.source.file, line: e.source.line, text: `'${e.label}' (${e.kernel}): no command line the profile can fill for this ISO` });
    found = [];
  }
  const ids = new Set<string>();
  const defaultIndex = Math.max(0, found.findIndex((e) => e.isDefault));
  const entries = found.map((e, i): BootEntry => {
    const vars = { ...variables(serve, view, e.kernel, profile), isoArgs: '' };
    const isoArgs = e.append.filter((a) => {
      if (dropped(profile.boot.dropArguments, a)) return false;
      if (UNRESOLVED.test(a)) {
        // GRUB expands a variable nobody set to nothing; no GRUB runs on a network boot to set it.
        warnings.push({
          code: 'PROFILE_ARGUMENT_DROPPED',
          message: `"${a}" names a variable with no value outside the ISO's GRUB; left out`,
          ...at(e.source.file, e.source.line),
        });
        return false;
      }
      return true;
    });
    return {
      id: uniqueId(slug(e.label), ids),
      label: e.label,
      kernel: e.kernel.replace(/^\/+/, ''),
      initrds: e.initrds.map((p) => p.replace(/^\/+/, '')),
      nfs: lines.nfs === undefined ? undefined : buildCommandLine(lines.nfs, isoArgs, vars),
      http: lines.http === undefined ? undefined : buildCommandLine(lines.http, isoArgs, vars),
      isDefault: i === defaultIndex,
      origin: e.source.line > 0 ? { kind: 'boot-config', file: e.source.file, line: e.source.line } : { kind: 'profile' },
      sysappend: profile.sysappend,
      method: 'linux',
    };
  });
  const plan = { entries, warnings: [...caveats(profile), ...warnings], configFiles, assumptions, dropped: inConfigOrder(leftOut, configFiles), combinedInitrds: [], serverNeeds: needs(profile, serve, view) };
  return profile.boot.embedIso === undefined ? plan : withEmbeddedIso(plan, profile.boot.embedIso, view);
}

/**
 * Each entry boots its last initrd with the ISO appended as `embed` (where Proxmox's installer
 * looks for its ISO before it looks for a CD); earlier initrds (microcode) stay as they are.
 */
function withEmbeddedIso(plan: EntryPlan, embed: string, view: TreeView): EntryPlan {
  if (view.exists(`/${COMBINED_INITRD_DIR}`)) {
    throw new PxeError('PROFILE_INVALID', `the ISO has a /${COMBINED_INITRD_DIR} of its own, where pxe-import writes the combined initrd; import it with another --profile`);
  }
  const combined = new Map<string, CombinedInitrdPlan>();
  const entries = plan.entries.map((e) => {
    const initrd = e.initrds.at(-1);
    if (initrd === undefined) return e;
    const path = `${COMBINED_INITRD_DIR}/${initrd}`;
    combined.set(path, { path, initrd, embed: embed.replace(/^\/+/, '') });
    return { ...e, initrds: [...e.initrds.slice(0, -1), path] };
  });
  const warnings = [...plan.warnings];
  if (combined.size > 0) warnings.push({ code: 'INITRD_EMBEDS_ISO', message: embeddedIsoRam(embed, view.imageBytes) });
  return { ...plan, entries, warnings, combinedInitrds: [...combined.values()] };
}

/** The kernel unpacks the initrd into RAM while it still holds the packed copy: about twice the ISO, plus the installer's own needs. */
function embeddedIsoRam(embed: string, imageBytes: number | undefined): string {
  const what = `the installer's initrd carries the whole ISO as /${embed.replace(/^\/+/, '')}`;
  if (imageBytes === undefined) return `${what}: a client needs about twice the ISO's size in RAM, plus 1 GiB`;
  const mib = (n: number) => Math.ceil(n / 2 ** 20);
  return `${what} (${mib(imageBytes)} MiB): a client needs at least ${mib(2 * imageBytes) + 1024} MiB of RAM (twice the ISO while the kernel unpacks it, plus 1 GiB)`;
}

/**
 * The whole ISO, stored as `<name>.iso` in the version directory, is the one "initrd". memdisk: the
 * kernel is memdisk (from the TFTP root), which makes it a RAM disk. sanboot: iPXE attaches it
 * over HTTP as a disk; there is no kernel.
 */
function wholeIsoPlan(profile: Profile, view: TreeView, serve: ServeContext): EntryPlan {
  const memdisk = profile.method === 'memdisk';
  const vars = { ...variables(serve, view, memdisk ? 'memdisk' : '', profile), isoArgs: '' };
  const fill = (t: string | undefined) => (t === undefined ? undefined : buildCommandLine(t, [], vars));
  return {
    entries: [
      {
        id: profile.method,
        label: `${view.volumeId || serve.name} (${memdisk ? 'whole ISO in RAM' : 'ISO over HTTP'})`,
        kernel: memdisk ? 'memdisk' : '',
        initrds: [`${serve.name}.iso`],
        nfs: fill(profile.cmdline.nfs),
        http: fill(profile.cmdline.http),
        isDefault: true,
        origin: { kind: 'profile' },
        sysappend: profile.sysappend,
        method: memdisk ? 'memdisk' : 'sanboot',
      },
    ],
    warnings: caveats(profile),
    configFiles: [],
    assumptions: [],
    dropped: [],
    combinedInitrds: [],
    serverNeeds: needs(profile, serve, view),
  };
}

function needs(profile: Profile, serve: ServeContext, view: TreeView): string[] {
  const vars: Record<string, string | undefined> = variables(serve, view, '', profile);
  return profile.serverNeeds.map((t) => t.replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m));
}

/** A family recognised but unable to boot over the network: no entry, the profile's reason as a warning. */
function unsupportedPlan(profile: Profile): EntryPlan {
  const warning: Warning = { code: 'PROFILE_UNSUPPORTED', message: `${profile.name} cannot boot over the network: ${profile.reason ?? 'no reason given'}` };
  return { entries: [], warnings: [warning, ...caveats(profile)], configFiles: [], assumptions: [], dropped: [], combinedInitrds: [], serverNeeds: [] };
}

/** `file:line: text` lines, in the order the files were read, then by line. */
function inConfigOrder(items: ReadonlyArray<{ file: string; line: number; text: string }>, files: readonly string[]): string[] {
  const rank = (f: string): number => (files.includes(f) ? files.indexOf(f) : files.length);
  return [...items].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line).map((x) => `${x.file}:${x.line}: ${x.text}`);
}

function worthReporting(w: BootConfigWarning): boolean {
  return w.code !== 'SKIPPED' && w.code !== 'FILE_MISSING';
}

function caveats(profile: Profile): Warning[] {
  return profile.warnings.map((message) => ({ code: 'PROFILE_CAVEAT', message }));
}

function bootConfigWarning(w: BootConfigWarning): Warning {
  return { code: `BOOTCONFIG_${w.code}`, message: w.message, ...at(w.file, w.line) };
}

/** A warning's place in a config file; line 0 means the whole file, so it is left out. */
function at(file: string, line: number): Pick<Warning, 'file' | 'line'> {
  return line > 0 ? { file, line } : { file };
}

/** Why the profile leaves this entry out (`byPath`: only because of kernelFilter), or undefined. */
function dropReason(profile: Profile, e: BootMenuEntry): { text: string; byPath: boolean } | undefined {
  const label = profile.boot.dropLabels.find((re) => re.test(e.label));
  if (label) return { text: `label matches the profile's dropLabels /${label.source}/`, byPath: false };
  if (profile.boot.kernelFilter.length === 0) return undefined;
  if (profile.boot.kernelFilter.some((g) => globToRegExp(g.startsWith('/') ? g : `/${g}`).test(e.kernel))) return undefined;
  return { text: `kernel outside the profile's kernelFilter ${profile.boot.kernelFilter.join(', ')}`, byPath: true };
}

/** Without a usable boot configuration: the first kernel the patterns find, and every initrd they find, in pattern order. */
function entryFromPatterns(profile: Profile, view: TreeView): BootMenuEntry | undefined {
  const kernel = profile.boot.kernel.flatMap((g) => globPaths(view, g).sort()).find((p) => !view.isDirectory(p));
  if (!kernel) return undefined;
  const initrds: string[] = [];
  for (const g of profile.boot.initrds) for (const p of globPaths(view, g).sort()) if (!initrds.includes(p) && !view.isDirectory(p)) initrds.push(p);
  return {
    label: profile.name,
    kernel,
    initrds,
    append: [...profile.boot.defaultArguments],
    source: { file: profile.file, line: 0, loader: 'syslinux' },
    isDefault: true,
  };
}

type Variables = Record<Exclude<TemplateVariable, 'isoArgs'>, string | undefined>;

/** The template variables for one entry; undefined where this ISO has no value (see usableTemplate). */
function variables(serve: ServeContext, view: TreeView, kernel: string, profile: Profile): Variables {
  const rootImage = rootImageOf(profile, view);
  return {
    server: serve.server,
    exportPath: serve.exportPath,
    httpBase: serve.httpBase,
    name: serve.name,
    kernelTopDir: kernel.replace(/^\/+/, '').split('/')[0] ?? '',
    kernelSuffix: /^[^-]*-(.*)$/.exec(kernel.slice(kernel.lastIndexOf('/') + 1))?.[1] ?? '',
    isoLabel: view.volumeId,
    rootImage,
    rootImageTopDir: rootImage?.split('/').slice(0, -1)[0],
    isoFile: profile.boot.keepIso ? `${serve.name}.iso` : undefined,
    isoKiB: view.imageBytes === undefined ? undefined : String(Math.ceil(view.imageBytes / MIB) * 1024),
  };
}

const MIB = 2 ** 20;

/** The first file boot.rootImage's globs find (in glob order, then by name), without the leading "/". */
function rootImageOf(profile: Profile, view: TreeView): string | undefined {
  for (const g of profile.boot.rootImage) {
    const hit = globPaths(view, g).sort().find((p) => !view.isDirectory(p));
    if (hit) return hit.replace(/^\/+/, '');
  }
  return undefined;
}

/** The profile's nfs or http template, or undefined (with a warning) when it names a value this ISO lacks. */
function usableTemplate(profile: Profile, kind: 'nfs' | 'http', view: TreeView, warnings: Warning[]): string | undefined {
  const template = profile.cmdline[kind];
  if (template === undefined) return undefined;
  const vars = variables({ name: '', server: '', exportPath: '', httpBase: '' }, view, '', profile);
  const missing = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as keyof Variables).filter((v) => v in vars && vars[v] === undefined);
  if (missing.length === 0) return template;
  const why = missing.map((v) => (v === 'rootImage' || v === 'rootImageTopDir' ? `{${v}}: no ${profile.boot.rootImage.join(' or ')} on this ISO` : v === 'isoKiB' ? "{isoKiB}: the ISO's size is not known here" : `{${v}}: no value`));
  warnings.push({ code: 'PROFILE_TEMPLATE_UNRESOLVED', message: `the ${kind.toUpperCase()} line is left out: ${why.join('; ')}`, file: profile.file });
  return undefined;
}

/** A GRUB variable the boot-config reader could not resolve, left literal in a token. */
const UNRESOLVED = /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/;

/** "name=*" drops every "name=…" token; anything else must equal the token. */
export function dropped(patterns: readonly string[], token: string): boolean {
  return matchesArgument(patterns, token);
}

/** The key an argument is known by: "ip" for "ip=dhcp", the token itself for a flag. */
function argumentKey(token: string): string {
  const eq = token.indexOf('=');
  return eq > 0 ? token.slice(0, eq) : token;
}

/**
 * Fills a template. The profile's own arguments win over the ISO's arguments of the
 * same name (so "boot=casper" appears once and "ip=dhcp" replaces "ip=frommedia"), and
 * whatever the ISO puts after a "---" or "--" separator stays at the end, where
 * installers and init expect it.
 */
export function buildCommandLine(template: string, isoArgs: readonly string[], vars: Readonly<Record<string, string | undefined>>): string {
  const filled = template.replace(/\{(\w+)\}/g, (m, name: string) => (name === 'isoArgs' ? '\u0000' : (vars[name] ?? m)));
  const own = filled.split(/\s+/).filter((t) => t !== '' && t !== '\u0000');
  const ownKeys = new Set(own.map(argumentKey));
  const sep = isoArgs.findIndex((a) => a === '---' || a === '--');
  const head = (sep >= 0 ? isoArgs.slice(0, sep) : isoArgs).filter((a) => !ownKeys.has(argumentKey(a)));
  const tail = sep >= 0 ? isoArgs.slice(sep) : [];
  const tokens = filled
    .split(/\s+/)
    .flatMap((t) => (t === '\u0000' ? head : t.includes('\u0000') ? [t.replace('\u0000', head.join(' '))] : [t]))
    .filter((t) => t !== '');
  const seen = new Set<string>();
  const unique = tokens.filter((t) => (seen.has(t) ? false : (seen.add(t), true)));
  return [...unique, ...tail].join(' ');
}

function slug(label: string): string {
  const s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return s || 'entry';
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}
