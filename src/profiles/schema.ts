import { PxeError } from '../errors.js';

/**
 * A profile: how to recognise one family of ISOs and how to boot it over the
 * network. Profiles are JSON files in profiles/ (see profiles/README.md); users add
 * or override them with --profiles DIR. Every field is checked on load, and an error
 * names the file and the field.
 */
export interface Profile {
  readonly id: string;
  /**
   * `linux`: boot the kernel and initrds from the extracted tree.
   * `memdisk`: load the whole ISO into RAM with syslinux's memdisk (for ISOs that cannot run from NFS).
   * `sanboot`: iPXE boots the whole ISO over HTTP as a SAN disk (range requests; nothing in RAM).
   * `unsupported`: recognised, but cannot boot over the network (`reason` says why): no entry is made.
   */
  readonly method: 'linux' | 'memdisk' | 'sanboot' | 'unsupported';
  /** Why an `unsupported` family cannot boot over the network, and what to use instead; undefined otherwise. */
  readonly reason: string | undefined;
  readonly family: string;
  readonly name: string;
  /** Higher wins when several profiles match (a derivative over its base family). */
  readonly priority: number;
  readonly detect: Detection;
  /** Where a human-readable release name comes from. */
  readonly release: ReleaseRule | undefined;
  readonly boot: BootRule;
  readonly cmdline: {
    readonly nfs: string | undefined;
    readonly http: string | undefined;
    /** Why a transport whose template is null cannot work for this family; shown by inspect. */
    readonly unsupported: { readonly nfs?: string; readonly http?: string };
  };
  /**
   * What the server must provide for these entries (an HTTP base, an NFS export, RAM), as
   * templates with the command-line variables; inspect prints them filled in.
   */
  readonly serverNeeds: readonly string[];
  /** The family's unattended-install answer file (`host add --auto`); undefined when it takes none. */
  readonly auto: AnswerRule | undefined;
  readonly sysappend: number;
  /** Printed by inspect and import, e.g. the memdisk RAM warning. */
  readonly warnings: readonly string[];
  /** The file the profile was loaded from. */
  readonly file: string;
}

export interface Detection {
  /** Every rule must hold. */
  readonly all: readonly DetectRule[];
  /** At least one must hold (when given). */
  readonly any: readonly DetectRule[];
  /** None may hold. */
  readonly none: readonly DetectRule[];
  /** Chosen only with --profile (or when its rules match, if it has any). */
  readonly manual: boolean;
  /**
   * Arguments of the ISO's own boot entries (`name=*` or exact, as dropArguments) that identify the
   * family when no profile's file rules hold: a new release that moved its files is still
   * recognised from its boot configuration, with a PROFILE_PARTIAL_MATCH warning.
   */
  readonly bootArguments: readonly string[];
}

/**
 * `exists`: a path (glob: `*` within a name, `**` across directories) exists.
 * `file` + `matches`: the file's text matches the regular expression (case-insensitive).
 */
export type DetectRule = { readonly exists: string } | { readonly file: string; readonly matches: RegExp };

export interface ReleaseRule {
  readonly file: string;
  /** Named group `release`, else the whole match, else the first line. */
  readonly pattern: RegExp | undefined;
}

export interface BootRule {
  /** Take kernels, initrds, labels and arguments from the ISO's isolinux/GRUB configuration. */
  readonly fromBootConfig: boolean;
  /** Used when the ISO has no usable configuration (or fromBootConfig is false): globs, first match wins. */
  readonly kernel: readonly string[];
  readonly initrds: readonly string[];
  /** Arguments for entries found by pattern (the ISO's config provides its own). */
  readonly defaultArguments: readonly string[];
  /** Kernels (globs) an entry must use to be kept, e.g. to leave out a memtest entry. Empty: any. */
  readonly kernelFilter: readonly string[];
  /** Entries whose label matches are left out (e.g. "Check disc for defects"). */
  readonly dropLabels: readonly RegExp[];
  /** ISO arguments that only make sense on optical media: `name=*` globs or exact tokens. */
  readonly dropArguments: readonly string[];
  /**
   * The root image the family boots (globs, first match wins), named by `{rootImage}` in the
   * templates: the file detection found, not a fixed name. Empty: the templates name none.
   */
  readonly rootImage: readonly string[];
  /**
   * The whole ISO is also stored, as `<name>.iso` beside the extracted tree (`{isoFile}`), for
   * initrds that fetch the ISO itself over HTTP (KIWI's `root=live:http://…/x.iso`).
   */
  readonly keepIso: boolean;
  /**
   * The installer finds its ISO inside the initramfs at this path (Proxmox: "proxmox.iso"): each
   * entry boots a combined initrd, its own last initrd with the whole ISO appended as this file.
   */
  readonly embedIso: string | undefined;
}

/**
 * Answer-file formats pxe-import can check (src/import/answer-file.ts). A family's format is
 * named in its profile; another family's (preseed, autoinstall, AutoYaST, Agama) is one entry
 * here and one checker there.
 */
export const ANSWER_FORMATS = ['kickstart'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export interface AnswerRule {
  readonly format: AnswerFormat;
  /** The kernel argument that names the file; `{autoUrl}` is its URL over HTTP, e.g. "inst.ks={autoUrl}". */
  readonly argument: string;
}

/** Variables a command-line template may use. */
export const TEMPLATE_VARIABLES = [
  'isoArgs', // the ISO's own arguments after dropArguments
  'server', // NFS/HTTP server address
  'exportPath', // the tree's path as exported over NFS
  'httpBase', // URL of the tree's root, ending in "/"
  'name', // the import's name
  'kernelTopDir', // first directory of the kernel path: "casper", "arch", "casper_pop-os_22.04_…"
  'kernelSuffix', // what follows the first "-" of the kernel's file name: "lts" for vmlinuz-lts
  'isoLabel', // the volume id
  'rootImage', // the root image boot.rootImage found: "live/filesystem.squashfs"
  'rootImageTopDir', // first directory of that root image: "arch" for arch/x86_64/airootfs.sfs
  'isoFile', // the ISO kept beside the tree (boot.keepIso): "<name>.iso"
  'isoKiB', // the ISO's size in KiB, rounded up to a whole MiB (a ramdisk that must hold it)
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const METHODS = ['linux', 'memdisk', 'sanboot', 'unsupported'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Fields {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: { [key: string]: Json },
  ) {}

  fail(field: string, message: string): never {
    const at = this.path ? `${this.path}.${field}` : field;
    throw new PxeError('PROFILE_INVALID', `${this.file}: ${at}: ${message}`, { file: this.file });
  }

  #get(field: string, required: boolean): Json | undefined {
    const v = this.value[field];
    if (v === undefined && required) this.fail(field, 'is required');
    return v;
  }

  string(field: string, required = true): string | undefined {
    const v = this.#get(field, required);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') this.fail(field, `expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  nullableString(field: string): string | undefined {
    const v = this.value[field];
    if (v === null || v === undefined) return undefined;
    return this.string(field);
  }

  number(field: string, fallback: number, min: number, max: number): number {
    const v = this.#get(field, false);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(field, `expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  }

  boolean(field: string, fallback: boolean): boolean {
    const v = this.#get(field, false);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  strings(field: string): string[] {
    const v = this.#get(field, false);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, `expected a list of strings, got ${JSON.stringify(v)}`);
    return v.map((item, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${field}[${i}]`, `expected a non-empty string, got ${JSON.stringify(item)}`);
      return item;
    });
  }

  regex(field: string, source: string | undefined): RegExp | undefined {
    if (source === undefined) return undefined;
    try {
      return new RegExp(source, 'im');
    } catch (e) {
      this.fail(field, `invalid regular expression: ${(e as Error).message}`);
    }
  }

  object(field: string, required = true): Fields | undefined {
    const v = this.#get(field, required);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `expected an object, got ${JSON.stringify(v)}`);
    return new Fields(this.file, this.path ? `${this.path}.${field}` : field, v);
  }

  objects(field: string): Fields[] {
    const v = this.#get(field, false);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, 'expected a list of objects');
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) this.fail(`${field}[${i}]`, `expected an object, got ${JSON.stringify(item)}`);
      return new Fields(this.file, `${this.path ? `${this.path}.` : ''}${field}[${i}]`, item);
    });
  }

  only(allowed: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!allowed.includes(key) && !key.startsWith('$') && key !== 'comment') this.fail(key, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

const ID = /^[a-z0-9][a-z0-9._-]*$/;

/** Parses and validates one profile file's text. */
export function parseProfile(text: string, file: string): Profile {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new PxeError('PROFILE_INVALID', `${file}: not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PxeError('PROFILE_INVALID', `${file}: expected a JSON object`, { file });
  const f = new Fields(file, '', json);
  f.only(['id', 'family', 'name', 'method', 'reason', 'priority', 'detect', 'release', 'boot', 'cmdline', 'serverNeeds', 'auto', 'sysappend', 'warnings']);
  const method = f.string('method', false) ?? 'linux';
  if (!(METHODS as readonly string[]).includes(method)) f.fail('method', `expected ${METHODS.map((m) => `"${m}"`).join(', ')}, got "${method}"`);
  const reason = f.string('reason', method === 'unsupported');
  if (reason !== undefined && method !== 'unsupported') f.fail('reason', 'only an "unsupported" profile has a reason');
  const id = f.string('id')!;
  if (!ID.test(id)) f.fail('id', `"${id}" must be lower-case letters, digits, ".", "_" or "-"`);

  const d = f.object('detect')!;
  d.only(['all', 'any', 'none', 'manual', 'bootArguments']);
  const rules = (field: string): DetectRule[] =>
    d.objects(field).map((r) => {
      r.only(['exists', 'file', 'matches']);
      const exists = r.string('exists', false);
      const fileRule = r.string('file', false);
      if (exists !== undefined && fileRule === undefined && r.value.matches === undefined) return { exists };
      if (exists === undefined && fileRule !== undefined) return { file: fileRule, matches: r.regex('matches', r.string('matches'))! };
      return r.fail('exists', 'a rule is either {"exists": GLOB} or {"file": PATH, "matches": REGEX}');
    });
  const detect: Detection = { all: rules('all'), any: rules('any'), none: rules('none'), manual: d.boolean('manual', false), bootArguments: d.strings('bootArguments') };
  if (!detect.manual && detect.all.length === 0 && detect.any.length === 0) d.fail('all', 'a profile needs at least one "all" or "any" rule, or "manual": true');

  const r = f.object('release', false);
  r?.only(['file', 'pattern']);
  const release = r ? { file: r.string('file')!, pattern: r.regex('pattern', r.string('pattern', false)) } : undefined;

  // An unsupported family boots nothing, so it needs no boot rule and no command lines.
  const b = f.object('boot', method !== 'unsupported') ?? new Fields(file, 'boot', {});
  b.only(['fromBootConfig', 'kernel', 'initrds', 'defaultArguments', 'kernelFilter', 'dropLabels', 'dropArguments', 'rootImage', 'keepIso', 'embedIso']);
  const boot: BootRule = {
    fromBootConfig: b.boolean('fromBootConfig', true),
    kernel: b.strings('kernel'),
    initrds: b.strings('initrds'),
    defaultArguments: b.strings('defaultArguments'),
    kernelFilter: b.strings('kernelFilter'),
    dropLabels: b.strings('dropLabels').map((s, i) => b.regex(`dropLabels[${i}]`, s)!),
    dropArguments: b.strings('dropArguments'),
    rootImage: b.strings('rootImage'),
    keepIso: b.boolean('keepIso', false),
    embedIso: b.string('embedIso', false),
  };
  if (boot.keepIso && method !== 'linux') b.fail('keepIso', `only a "linux" profile keeps the ISO beside its tree (a ${method} profile stores the ISO alone)`);
  if (method === 'linux' && !boot.fromBootConfig && boot.kernel.length === 0) b.fail('kernel', 'is required when fromBootConfig is false');
  if (boot.embedIso !== undefined && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(boot.embedIso.replace(/^\//, '')) || /(^|\/)\.\.?(\/|$)/.test(boot.embedIso ?? '')) {
    b.fail('embedIso', `"${boot.embedIso}" must be a plain path inside the initramfs, e.g. "proxmox.iso"`);
  }
  if (boot.embedIso !== undefined && method !== 'linux') b.fail('embedIso', 'only a "linux" profile boots an initrd');

  // sanboot passes no kernel command line: iPXE boots the ISO's own loader.
  const c = f.object('cmdline', method !== 'sanboot' && method !== 'unsupported');
  c?.only(['nfs', 'http', 'unsupported']);
  const templates = { nfs: c?.nullableString('nfs'), http: c?.nullableString('http') };
  if (c && templates.nfs === undefined && templates.http === undefined) c.fail('nfs', 'at least one of "nfs" and "http" must be a template');
  const u = c?.object('unsupported', false);
  u?.only(['nfs', 'http']);
  const unsupported: { nfs?: string; http?: string } = {};
  for (const transport of ['nfs', 'http'] as const) {
    const reason = u?.string(transport, false);
    if (reason === undefined) continue;
    if (templates[transport] !== undefined) u!.fail(transport, `a reason why ${transport} cannot work, but cmdline.${transport} is a template`);
    unsupported[transport] = reason;
  }
  const cmdline = { ...templates, unsupported };
  for (const [field, template] of Object.entries(templates)) {
    checkVariables(template ?? '', (message) => c!.fail(field, message));
    for (const m of (template ?? '').matchAll(/\{([^}]*)\}/g)) {
      if ((m[1] === 'rootImage' || m[1] === 'rootImageTopDir') && boot.rootImage.length === 0) c?.fail(field, `{${m[1]}} needs boot.rootImage, the globs that find it`);
      if ((m[1] === 'isoFile' || m[1] === 'isoKiB') && !boot.keepIso) c?.fail(field, `{${m[1]}} needs "keepIso": true in boot`);
    }
  }
  const serverNeeds = f.strings('serverNeeds');
  serverNeeds.forEach((t, i) => checkVariables(t, (message) => f.fail(`serverNeeds[${i}]`, message)));
  const a = f.object('auto', false);
  a?.only(['format', 'argument']);
  let auto: AnswerRule | undefined;
  if (a) {
    const format = a.string('format')!;
    if (!(ANSWER_FORMATS as readonly string[]).includes(format)) a.fail('format', `"${format}" is not a format pxe-import can check (known: ${ANSWER_FORMATS.join(', ')})`);
    const argument = a.string('argument')!;
    if (!argument.includes('{autoUrl}') || /\s/.test(argument)) a.fail('argument', `expected one kernel argument naming {autoUrl}, e.g. "inst.ks={autoUrl}", got "${argument}"`);
    for (const m of argument.matchAll(/\{([^}]*)\}/g)) if (m[1] !== 'autoUrl') a.fail('argument', `unknown variable {${m[1]}} (known: autoUrl)`);
    auto = { format: format as AnswerFormat, argument };
  }

  return {
    id,
    method: method as Profile['method'],
    reason,
    family: f.string('family')!,
    name: f.string('name')!,
    priority: f.number('priority', 0, -1000, 1000),
    detect,
    release,
    boot,
    cmdline,
    serverNeeds,
    auto,
    sysappend: f.number('sysappend', 0, 0, 7),
    warnings: f.strings('warnings'),
    file,
  };
}

/** Every `{name}` in a template must be one of TEMPLATE_VARIABLES. */
function checkVariables(template: string, fail: (message: string) => never): void {
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(m[1]!)) fail(`unknown variable {${m[1]}} (known: ${TEMPLATE_VARIABLES.join(', ')})`);
  }
}
