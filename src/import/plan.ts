/**
 * What `pxe-import IMAGE --as NAME` will do, decided without touching the disk. The edges
 * (identify.ts, session.ts) gather the facts — the state, the image's identity, which versions
 * are on disk, the image's tree view when one is needed — and apply.ts carries the plan out.
 * `--dry-run`, `--json` and `--check` print the very plan the real run applies.
 */
import { PxeError, type Warning } from '../errors.js';
import type { Analysis, AnalyzeOptions, Profile, TreeView } from '../profiles/index.js';
import { unsupportedError } from '../profiles/unsupported.js';
import type { ResolvedSettings } from './settings.js';
import { httpBaseWarnings, serveContext } from './serve.js';
import { Layout, versionId } from './layout.js';
import { isUnknownSource, withImport, withSettings, type ImportRecord, type RetainedVersion, type RootSettings, type SourceIdentity, type State } from './state.js';

export interface ImportRequest {
  readonly image: string;
  readonly name: string;
  /** --profile: use this profile instead of detecting one. */
  readonly profileId: string | undefined;
  /** --label; undefined keeps the recorded one, or takes the release. */
  readonly label: string | undefined;
  /** --force: a new version even when the image is unchanged. */
  readonly force: boolean;
  /** Older versions kept (on disk and exported) after a newer import. */
  readonly retention: number;
}

export interface PlanFacts {
  readonly root: string;
  readonly state: State;
  readonly identity: SourceIdentity;
  /** This root's settings after this command (settings.ts). */
  readonly settings: ResolvedSettings;
  /** Versions of this name whose directory exists. */
  readonly present: ReadonlySet<string>;
  readonly profiles: readonly Profile[];
  readonly now: Date;
  /** The image's tree; needed only when {@link needsTreeView} says so. */
  readonly tree: PlanTree | undefined;
}

/**
 * What a plan that looks into the image is given: its tree view, and the profile analysis to run
 * on it (profiles/index.ts analyzeView). The edge passes both, loading the profile code only for
 * such a plan: a re-import that finds the image unchanged (a cron run) plans without it.
 */
export interface PlanTree {
  readonly view: TreeView;
  readonly analyze: (view: TreeView, image: string, options: AnalyzeOptions) => Analysis;
}

/** Why the import does what it does: shown by --dry-run, and in --json as codes and text. */
export interface PlanReason {
  readonly code: 'FIRST_IMPORT' | 'IMAGE_CHANGED' | 'SOURCE_UNKNOWN' | 'FORCED' | 'TREE_MISSING' | 'SAME_IMAGE' | 'SETTING_CHANGED' | 'CLIENTS_CHANGED' | 'LABEL_CHANGED' | 'SERVED_CHANGED';
  readonly message: string;
}

interface PlanBase {
  readonly name: string;
  readonly image: string;
  readonly reasons: readonly PlanReason[];
  /** The version that serves NAME after the import. */
  readonly version: string;
  /** The state to commit (the current one when unchanged). */
  readonly state: State;
  /** Recorded root settings this import changes, as the user should be told. */
  readonly settingChanges: readonly string[];
  readonly warnings: readonly Warning[];
}

export type ImportPlan =
  | (PlanBase & { readonly action: 'unchanged' })
  /** The same tree, served differently: clients, label, server address or HTTP base (command lines planned again). */
  | (PlanBase & { readonly action: 'update'; readonly record: ImportRecord; readonly analysis: Analysis | undefined })
  /**
   * A new version directory: the tree extracted, or for memdisk/sanboot the whole ISO copied, or
   * both (a profile with boot.keepIso: the tree, and the ISO beside it as `<name>.iso`).
   */
  | (PlanBase & { readonly action: 'new-version'; readonly record: ImportRecord; readonly analysis: Analysis; readonly place: 'extract' | 'copy-iso' | 'extract-and-copy-iso' });

/** True when the plan cannot be made without the image's tree view (new version, or command lines planned again). */
export function needsTreeView(facts: Omit<PlanFacts, 'tree'>, request: ImportRequest): boolean {
  const d = decide(facts, request);
  return d.kind === 'new-version' || d.replan;
}

export function planImport(facts: PlanFacts, request: ImportRequest): ImportPlan {
  const { state, settings } = facts;
  const { name } = request;
  const layout = new Layout(facts.root);
  const d = decide(facts, request);
  const base = { name, image: request.image, settingChanges: settings.changes };
  const previous = state.imports[name];
  const nextState = (record: ImportRecord | undefined): State => withSettings(record ? withImport(state, record) : state, settings.settings);

  if (d.kind === 'new-version' || d.replan) {
    if (!facts.tree) throw new PxeError('INTERNAL', `planImport(${name}): the tree view is needed (see needsTreeView)`);
  }

  if (d.kind === 'new-version') {
    const version = versionId(facts.now, facts.identity.fingerprint, (id) => facts.present.has(id));
    const analysis = analyze(facts, request, version, request.profileId);
    const retained: RetainedVersion[] = previous
      ? [{ version: previous.version, exportPath: previous.exportPath, nfs: servesNfs(previous) }, ...previous.retained].slice(0, request.retention)
      : [];
    const record: ImportRecord = {
      name,
      label: request.label ?? defaultLabel(analysis, facts.tree!.view, name),
      source: facts.identity,
      profile: { id: analysis.match.profile.id, family: analysis.match.profile.family, release: analysis.match.release },
      version,
      exportPath: layout.version(name, version),
      clients: settings.settings.clients,
      served: served(settings.settings),
      entries: analysis.plan.entries,
      retained,
      importedAt: facts.now.toISOString(),
    };
    const { method, boot } = analysis.match.profile;
    const place = method !== 'linux' ? 'copy-iso' : boot.keepIso ? 'extract-and-copy-iso' : 'extract';
    const settingReasons = settings.changes.map((message): PlanReason => ({ code: 'SETTING_CHANGED', message }));
    return { ...base, action: 'new-version', reasons: [...d.reasons, ...settingReasons], version, state: nextState(record), record, analysis, place, warnings: analysis.plan.warnings };
  }

  // The same tree: new clients, a new label or a new server address take effect on it.
  const prev = previous!;
  let analysis: Analysis | undefined;
  let record: ImportRecord = { ...prev, label: request.label ?? prev.label, clients: settings.settings.clients };
  if (d.replan) {
    // Planning again for the tree already on disk: it was laid out for the recorded profile.
    analysis = analyze(facts, request, prev.version, prev.profile.id);
    record = { ...record, entries: analysis.plan.entries, served: served(settings.settings) };
  }
  const after = nextState(record);
  if (JSON.stringify(after) === JSON.stringify(state)) {
    return { ...base, action: 'unchanged', reasons: d.reasons, version: prev.version, state, warnings: analysis?.plan.warnings ?? [] };
  }
  const reasons = [...d.reasons.filter((r) => r.code !== 'SAME_IMAGE'), ...updateReasons(prev, record, facts.state.settings, settings)];
  return { ...base, action: 'update', reasons, version: prev.version, state: after, record, analysis, warnings: analysis?.plan.warnings ?? [] };
}

interface Decision {
  readonly kind: 'new-version' | 'same-tree';
  /** Same tree, but its command lines name another server or HTTP base: plan the entries again. */
  readonly replan: boolean;
  readonly reasons: PlanReason[];
}

function decide(facts: Omit<PlanFacts, 'tree'>, request: ImportRequest): Decision {
  const { state, identity, settings } = facts;
  if (state.chains?.[request.name]) {
    throw new PxeError('USAGE', `--as: "${request.name}" is the name of a chain entry (pxe-import chain list); import under another name`);
  }
  const previous = state.imports[request.name];
  const newVersion = (code: PlanReason['code'], message: string): Decision => ({ kind: 'new-version', replan: false, reasons: [{ code, message }] });
  if (!previous) return newVersion('FIRST_IMPORT', `${request.name} is not imported yet`);
  if (request.force) return newVersion('FORCED', '--force: a new version although the image is unchanged');
  if (isUnknownSource(previous.source)) {
    return newVersion('SOURCE_UNKNOWN', `the image of version ${previous.version} is not known (its state was rebuilt by pxe-import repair): a new version from this one`);
  }
  if (!sameSource(previous.source, identity)) return newVersion('IMAGE_CHANGED', `the image changed (size, modification time or volume descriptors differ from version ${previous.version})`);
  if (!facts.present.has(previous.version)) return newVersion('TREE_MISSING', `the tree of version ${previous.version} is missing`);
  const was = previous.served;
  const now = served(settings.settings);
  const replan = was?.server !== now.server || was.httpBase !== now.httpBase;
  return { kind: 'same-tree', replan, reasons: [{ code: 'SAME_IMAGE', message: `same image as version ${previous.version} (size, time and volume descriptors)` }] };
}

function updateReasons(prev: ImportRecord, next: ImportRecord, wasSettings: RootSettings | undefined, now: ResolvedSettings): PlanReason[] {
  const out: PlanReason[] = [];
  if (JSON.stringify(prev.clients) !== JSON.stringify(next.clients)) out.push({ code: 'CLIENTS_CHANGED', message: `clients: ${prev.clients.join(',')} -> ${next.clients.join(',')}` });
  if (prev.label !== next.label) out.push({ code: 'LABEL_CHANGED', message: `label: ${JSON.stringify(prev.label)} -> ${JSON.stringify(next.label)}` });
  if (JSON.stringify(prev.served) !== JSON.stringify(next.served)) {
    out.push({ code: 'SERVED_CHANGED', message: `command lines planned again on the same tree for server ${next.served?.server}${next.served?.httpBase ? ` and HTTP base ${next.served.httpBase}` : ''}` });
  }
  if (JSON.stringify(wasSettings) !== JSON.stringify(now.settings)) {
    for (const c of now.changes) out.push({ code: 'SETTING_CHANGED', message: c });
    if (!wasSettings) out.push({ code: 'SETTING_CHANGED', message: "the root's settings are recorded (server, clients, HTTP base, exports file)" });
  }
  return out;
}

function analyze(facts: PlanFacts, request: ImportRequest, version: string, profileId: string | undefined): Analysis {
  const { server, httpBase } = facts.settings.settings;
  const tree = facts.tree!;
  const analysis = tree.analyze(tree.view, request.image, {
    profiles: facts.profiles,
    profileId,
    serve: serveContext(new Layout(facts.root), request.name, server, httpBase, version),
  });
  const refused = unsupportedError(analysis, request.image);
  if (refused) throw refused;
  if (analysis.match.profile.method === 'sanboot' && httpBase === undefined) {
    throw new PxeError('USAGE', `${request.image}: profile ${analysis.match.profile.id} needs --http-base URL (or httpBase in the config file): iPXE's sanboot reads the ISO over HTTP`);
  }
  const derived = httpBaseWarnings(request.name, analysis.plan.entries, server, httpBase);
  return derived.length === 0 ? analysis : { ...analysis, plan: { ...analysis.plan, warnings: [...analysis.plan.warnings, ...derived] } };
}

function served(s: RootSettings): { server: string; httpBase: string | undefined } {
  return { server: s.server, httpBase: s.httpBase };
}

/** A new version's label without --label: the detected release, else the volume id, else the name. */
export function defaultLabel(analysis: Analysis, view: TreeView, name: string): string {
  return analysis.match.release ?? (view.volumeId || name);
}

/** Whether a version of this record is exported over NFS (only linux entries boot from NFS). */
export function servesNfs(r: Pick<ImportRecord, 'entries'>): boolean {
  return r.entries.some((e) => e.nfs !== undefined && e.method === 'linux');
}

function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.fingerprint === b.fingerprint;
}

