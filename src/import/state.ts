/**
 * state.json: the truth about a PXE root. Pure: parse and render text, and derive new states;
 * reading and writing the file is the session's (session.ts).
 */
import { PxeError } from '../errors.js';
import type { BootEntry } from '../profiles/boot-entry.js';

/** Identifies an image file cheaply: an unchanged file is skipped without reading its data. */
export interface SourceIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the volume descriptors. */
  readonly fingerprint: string;
}

/**
 * The source of a version `pxe-import repair` rebuilt from its tree: the image it came from is not
 * known. Its empty fingerprint matches no image, so the next import of the real ISO under that name
 * makes a new version (and records the image) rather than taking the tree as unchanged.
 */
export function unknownSource(size: number): SourceIdentity {
  return { path: '', size, mtimeMs: 0, fingerprint: '' };
}

export function isUnknownSource(source: SourceIdentity): boolean {
  return source.fingerprint === '';
}

/** A version kept after a newer one replaced it, so clients booted from it keep working. */
export interface RetainedVersion {
  readonly version: string;
  readonly exportPath: string;
  /** Whether it is exported over NFS. */
  readonly nfs: boolean;
}

export interface ServedFrom {
  readonly server: string;
  readonly httpBase: string | undefined;
}

export interface ImportRecord {
  readonly name: string;
  readonly label: string;
  readonly source: SourceIdentity;
  readonly profile: { readonly id: string; readonly family: string; readonly release: string | undefined };
  readonly version: string;
  readonly exportPath: string;
  readonly clients: readonly string[];
  /** The server and HTTP base the entries' command lines name (absent in states written before 0.1.1). */
  readonly served?: ServedFrom;
  readonly entries: readonly BootEntry[];
  /** Older versions still on disk and exported, newest first. */
  readonly retained: readonly RetainedVersion[];
  readonly importedAt: string;
}

/**
 * One machine booted straight into one entry, without a menu (`pxe-import host add`). It names the
 * import and entry, never file paths, so a re-import moves it to the new version by itself.
 */
export interface HostAssignment {
  /** Normalised `aa:bb:cc:dd:ee:ff` (src/hosts/mac.ts). */
  readonly mac: string;
  readonly import: string;
  /** Entry id within the import; undefined follows the import's default entry. */
  readonly entry: string | undefined;
  /** Extra kernel arguments appended to the entry's own, e.g. an answer-file URL; '' when none. */
  readonly append: string;
  /**
   * The machine's answer file (`host add --auto`), copied to this path relative to the root and
   * served over HTTP; its family's argument naming the URL is part of `append`.
   */
  readonly auto?: string;
}

/**
 * A menu item that hands the client to a distribution's own netboot tree (`pxe-import chain`), so
 * its shipped pxelinux menus run unchanged under a path prefix.
 */
export interface ChainRecord {
  readonly name: string;
  readonly label: string;
  /**
   * Path prefix ending in "/": a directory relative to the PXE root (`debian-netboot/`) or an
   * absolute http:// URL.
   */
  readonly prefix: string;
}

/**
 * What a root serves with, recorded so that a later run (cron, `host add`, `remove`) derives the
 * same files without being told again. A flag that differs changes it, and the change is reported.
 */
export interface RootSettings {
  /** The address clients reach this server at (nfsroot=, fetch= URLs). */
  readonly server: string;
  /** exports(5) clients allowed to mount the trees. */
  readonly clients: readonly string[];
  /** URL of the root over HTTP, ending in "/"; undefined: iPXE loads over TFTP. */
  readonly httpBase: string | undefined;
  /** The exports file this root's lines live in. */
  readonly exportsFile: string;
}

export interface State {
  readonly format: 1;
  /** Absent in states written before 0.2 (and in a root that never imported): defaults apply. */
  readonly settings?: RootSettings;
  readonly imports: Readonly<Record<string, ImportRecord>>;
  /** Per-machine assignments by MAC; absent in states written before they existed. */
  readonly hosts?: Readonly<Record<string, HostAssignment>>;
  /** Chain entries by name; absent when there are none. */
  readonly chains?: Readonly<Record<string, ChainRecord>>;
  /**
   * Trees (paths relative to the root) that a committed change stopped serving and that are still to
   * be removed: recorded with the change, so a run killed before removing them has the next one do it.
   */
  readonly pruning?: readonly string[];
  /**
   * Folders `sync` imported from, with the file system (st_dev) they were on: a folder later found
   * on another file system (its disk not mounted, the mount point showing instead) is not pruned.
   */
  readonly syncFolders?: Readonly<Record<string, { readonly device: number }>>;
}

export const EMPTY_STATE: State = { format: 1, imports: {} };

/** Parses state.json's text; anything that is not a pxe-import state is STATE_INVALID, naming the file. */
export function parseState(text: string, file: string): State {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PxeError('STATE_INVALID', `${file}: state file is not valid JSON (${(e as Error).message}); restore it from ${file}.prev or run pxe-import repair`, { file });
  }
  const state = json as State;
  if (
    typeof json !== 'object' ||
    json === null ||
    state.format !== 1 ||
    !isObject(state.imports) ||
    !optionalObject(state.hosts) ||
    !optionalObject(state.chains) ||
    !optionalObject(state.settings) ||
    !optionalObject(state.syncFolders) ||
    !(state.pruning === undefined || (Array.isArray(state.pruning) && state.pruning.every((t) => typeof t === 'string' && /^\.pxe-import\/versions\/(?!\.\.?\/)[^/]+\/(?!\.\.?$)[^/]+$/.test(t))))
  ) {
    throw new PxeError('STATE_INVALID', `${file}: not a pxe-import state (format ${JSON.stringify(state?.format)}); restore it from ${file}.prev or run pxe-import repair`, { file });
  }
  // A record every command would trip over (a hand edit, a damaged disk) is refused here, once,
  // rather than failing later as an internal error in whichever command reads it first.
  for (const [name, record] of Object.entries(state.imports)) {
    const bad = recordProblem(name, record);
    if (bad) throw new PxeError('STATE_INVALID', `${file}: imports.${name}: ${bad}; restore it from ${file}.prev or run pxe-import repair`, { file });
  }
  return state;
}

/** A path segment of a version directory: no "/", not "." or "..". */
const SEGMENT = /^(?!\.\.?$)[^/]+$/;

/** What makes an import record unusable (the fields commands read without checking), or undefined. */
function recordProblem(name: string, r: unknown): string | undefined {
  if (!isObject(r)) return 'not an object';
  const record = r as Partial<Record<keyof ImportRecord, unknown>>;
  if (record.name !== name || !SEGMENT.test(name)) return `name ${JSON.stringify(record.name)} differs from its key`;
  if (typeof record.version !== 'string' || !SEGMENT.test(record.version)) return `invalid version ${JSON.stringify(record.version)}`;
  for (const key of ['label', 'exportPath', 'importedAt'] as const) if (typeof record[key] !== 'string') return `${key} is not a string`;
  for (const key of ['source', 'profile'] as const) if (!isObject(record[key])) return `${key} is not an object`;
  for (const key of ['clients', 'entries', 'retained'] as const) if (!Array.isArray(record[key])) return `${key} is not a list`;
  const retained = record.retained as unknown[];
  if (!retained.every((v) => isObject(v) && typeof (v as RetainedVersion).version === 'string' && SEGMENT.test((v as RetainedVersion).version))) return 'a retained version is invalid';
  if (!(record.entries as unknown[]).every(isObject)) return 'an entry is not an object';
  return undefined;
}

function optionalObject(v: unknown): boolean {
  return v === undefined || isObject(v);
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}

/**
 * Sorted keys and a trailing newline: the same state is always the same bytes. Empty `hosts` and
 * `chains` are left out, so a root that never used them keeps its state file byte for byte.
 */
export function renderState(state: State): string {
  const out: {
    format: 1;
    settings?: RootSettings;
    imports: Record<string, ImportRecord>;
    hosts?: Record<string, HostAssignment>;
    chains?: Record<string, ChainRecord>;
    pruning?: readonly string[];
    syncFolders?: Record<string, { readonly device: number }>;
  } = {
    format: 1,
    ...(state.settings ? { settings: state.settings } : {}),
    imports: sorted(state.imports),
  };
  if (state.hosts && Object.keys(state.hosts).length > 0) out.hosts = sorted(state.hosts);
  if (state.chains && Object.keys(state.chains).length > 0) out.chains = sorted(state.chains);
  if (state.pruning && state.pruning.length > 0) out.pruning = state.pruning;
  if (state.syncFolders && Object.keys(state.syncFolders).length > 0) out.syncFolders = sorted(state.syncFolders);
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function withSettings(state: State, settings: RootSettings): State {
  return { ...state, settings };
}

export function withImport(state: State, record: ImportRecord): State {
  return { ...state, imports: { ...state.imports, [record.name]: record } };
}

export function withoutImport(state: State, name: string): State {
  const imports = { ...state.imports };
  delete imports[name];
  return { ...state, imports };
}

/** Hosts whose assignment names this import. */
export function hostsUsing(state: State, name: string): HostAssignment[] {
  return Object.values(state.hosts ?? {}).filter((h) => h.import === name);
}

export function withHost(state: State, host: HostAssignment): State {
  return { ...state, hosts: { ...state.hosts, [host.mac]: host } };
}

export function withoutHosts(state: State, macs: readonly string[]): State {
  const hosts = { ...state.hosts };
  for (const mac of macs) delete hosts[mac];
  return { ...state, hosts };
}

export function withChain(state: State, chain: ChainRecord): State {
  return { ...state, chains: { ...state.chains, [chain.name]: chain } };
}

export function withoutChain(state: State, name: string): State {
  const chains = { ...state.chains };
  delete chains[name];
  return { ...state, chains };
}
