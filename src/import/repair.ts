/**
 * `pxe-import repair`: a root whose state.json is missing or damaged (every other command refuses
 * it, exit 4) gets a state again, rebuilt from what the root still holds, and serves again. Two ways:
 *
 *   --from-prev  state.json.prev as it was, less the trees it names that are gone.
 *   (default)    the version directories themselves. For each ROOT/.pxe-import/versions/NAME/, the
 *                version the ROOT/NAME link points at (else the newest) is served and every other
 *                one is kept as a retained version; each one's entries are planned again from its
 *                tree on disk (tree-dir.ts) with the root's settings. What no tree tells — labels,
 *                the image each version came from, machine assignments, chain entries — comes from
 *                state.json when it still parses, else from state.json.prev: a record is taken over
 *                for the very version it names. A version no state names has an unknown image
 *                (state.ts unknownSource): the next import of its ISO makes a new version.
 *
 * Repair never removes a tree: a version it cannot plan is left in place and said. It commits the
 * state and derives menus, exports and links through the session, under the root's lock. The
 * planning is pure (orderVersions, restorePrevious, rebuildState); the edges read the disk.
 */
import { readdir, readlink, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PxeError, type Warning } from '../errors.js';
import { openImage } from '../udf/disc.js';
import { analyzeView, treeViewOf, unsupportedError, type Analysis, type Profile, type TreeView } from '../profiles/index.js';
import type { RootRequest } from './apply.js';
import { checkName, compareVersionIds, isVersionId, Layout, versionTime } from './layout.js';
import { defaultLabel, servesNfs } from './plan.js';
import { readStateText } from './read.js';
import { serveContext } from './serve.js';
import { RootSession } from './session.js';
import { resolveSettings, type ResolvedSettings } from './settings.js';
import { EMPTY_STATE, parseState, unknownSource, type ImportRecord, type RetainedVersion, type State } from './state.js';
import { treeViewOfDirectory } from './tree-dir.js';
import { listVersionDirs } from './trees.js';

export interface RepairRequest {
  /** Restore state.json.prev (less the trees it names that are gone) instead of rebuilding from the trees. */
  readonly fromPrev: boolean;
  /** Plan only: read without the lock, write nothing. */
  readonly dryRun: boolean;
}

export interface RepairOptions extends RootRequest {
  readonly profiles: readonly Profile[];
}

/** A version directory as found on disk. */
export interface VersionOnDisk {
  readonly name: string;
  readonly version: string;
  /** The tree's view (of the extracted directory, or of the ISO a whole-ISO version holds); undefined when unreadable. */
  readonly view: TreeView | undefined;
  /** Why there is no view. */
  readonly problem?: string;
  /** A whole-ISO version (memdisk, sanboot): it holds only NAME.iso, of this many bytes. */
  readonly wholeIso?: { readonly size: number };
}

/** A state file that parsed, and which file it was. */
export interface RecordedState {
  readonly state: State;
  readonly file: string;
}

export interface RepairFacts {
  readonly root: string;
  /** Every version directory under the versions folder. */
  readonly versions: readonly VersionOnDisk[];
  /** NAME -> the version its ROOT/NAME link points at (only links that point at one of NAME's versions). */
  readonly links: ReadonlyMap<string, string>;
  /** What a state file still tells (state.json if it parses, else state.json.prev), for what the trees cannot. */
  readonly recorded: RecordedState | undefined;
  readonly settings: ResolvedSettings;
  readonly profiles: readonly Profile[];
}

export interface RepairPlan {
  /** `versions`: rebuilt from the version directories; `previous`: state.json.prev restored. */
  readonly from: 'versions' | 'previous';
  /** The state to commit. */
  readonly state: State;
  /** One line each: what is served, kept, dropped or left alone, and why. */
  readonly notes: readonly string[];
  /** Warnings from planning the served versions' entries again. */
  readonly warnings: readonly Warning[];
}

export interface RepairResult {
  readonly plan: RepairPlan;
  /** Files written or moved (none for --dry-run). */
  readonly changed: readonly string[];
}

/**
 * The order in which a name's versions are tried as its current one: the version its ROOT/NAME
 * link points at (what was served when the state was lost), then the others newest first. The first
 * that can be planned is served; the rest are retained.
 */
export function orderVersions(versions: readonly string[], linked: string | undefined): string[] {
  const newestFirst = [...versions].sort((a, b) => compareVersionIds(b, a));
  if (linked === undefined || !newestFirst.includes(linked)) return newestFirst;
  return [linked, ...newestFirst.filter((v) => v !== linked)];
}

/**
 * state.json.prev as it was, less what is gone: an import whose current tree is missing is dropped,
 * and so is a retained version whose tree is missing. Nothing is left to prune: trees the previous
 * state was about to remove stay (a restored state may be one step behind the trees).
 */
export function restorePrevious(previous: RecordedState, versions: readonly VersionOnDisk[]): RepairPlan {
  const present = new Set(versions.map((v) => `${v.name}/${v.version}`));
  const notes: string[] = [];
  const imports: Record<string, ImportRecord> = {};
  for (const name of Object.keys(previous.state.imports).sort()) {
    const r = previous.state.imports[name]!;
    if (!present.has(`${name}/${r.version}`)) {
      notes.push(`${name}: dropped: ${previous.file} serves version ${r.version}, whose tree is gone`);
      continue;
    }
    const retained = r.retained.filter((old) => present.has(`${name}/${old.version}`));
    for (const old of r.retained) if (!retained.includes(old)) notes.push(`${name}: retained version ${old.version} dropped: its tree is gone`);
    imports[name] = { ...r, retained };
    notes.push(`${name}: serves version ${r.version}${retained.length > 0 ? `, keeps ${retained.map((o) => o.version).join(', ')}` : ''} (from ${previous.file})`);
  }
  if (previous.state.pruning?.length) notes.push(`${previous.file} listed ${previous.state.pruning.length} tree(s) to remove: repair removes none`);
  for (const v of versions) {
    const r = imports[v.name];
    if (r?.version !== v.version && !r?.retained.some((o) => o.version === v.version)) {
      notes.push(`${join('.pxe-import/versions', v.name, v.version)}: left in place, not named by ${previous.file} (pxe-import repair without --from-prev adopts it)`);
    }
  }
  return { from: 'previous', state: { ...previous.state, imports, pruning: undefined }, notes, warnings: [] };
}

/** The state rebuilt from the version directories (see the file comment). */
export function rebuildState(facts: RepairFacts): RepairPlan {
  const notes: string[] = [];
  const warnings: Warning[] = [];
  const recorded = facts.recorded?.state;
  const imports: Record<string, ImportRecord> = {};
  const byName = new Map<string, VersionOnDisk[]>();
  for (const v of facts.versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  const leftAlone = (v: VersionOnDisk, why: string) => notes.push(`${join('.pxe-import/versions', v.name, v.version)}: left in place, not served: ${why}`);

  for (const name of [...byName.keys()].sort()) {
    const found = byName.get(name)!;
    if (!validName(name)) {
      for (const v of found) leftAlone(v, `"${name}" is not a name pxe-import gives`);
      continue;
    }
    const known = new Map<string, VersionOnDisk>();
    for (const v of found) {
      if (!isVersionId(v.version)) leftAlone(v, `"${v.version}" is not a version id`);
      else if (v.view === undefined) leftAlone(v, v.problem ?? 'unreadable');
      else known.set(v.version, v);
    }
    const was = recorded?.imports[name];
    const planned: Array<{ version: VersionOnDisk; analysis: Analysis }> = [];
    for (const id of orderVersions([...known.keys()], facts.links.get(name))) {
      const v = known.get(id)!;
      const result = planVersion(facts, v, was);
      if (typeof result === 'string') leftAlone(v, result);
      else planned.push({ version: v, analysis: result });
    }
    const current = planned[0];
    if (!current) {
      if (was) notes.push(`${name}: dropped: no tree of it can be served`);
      continue;
    }
    const retained: RetainedVersion[] = planned.slice(1).map(({ version, analysis }) => ({
      version: version.version,
      exportPath: new Layout(facts.root).version(name, version.version),
      nfs: servesNfs(analysis.plan),
    }));
    const { record, reused } = currentRecord(facts, current.version, current.analysis, retained, was);
    imports[name] = record;
    if (!reused) warnings.push(...current.analysis.plan.warnings);
    const why = facts.links.get(name) === record.version ? `the ${name} link's` : 'the newest';
    const kept = retained.length > 0 ? `, keeps ${retained.map((r) => r.version).join(', ')}` : '';
    const image = reused ? '' : `; its image is unknown, so the next import of its ISO makes a new version`;
    notes.push(`${name}: serves version ${record.version} (${why}, ${record.profile.id}, ${record.entries.length} entr${record.entries.length === 1 ? 'y' : 'ies'})${kept}${image}`);
  }
  for (const name of Object.keys(recorded?.imports ?? {}).sort()) {
    if (!byName.has(name)) notes.push(`${name}: dropped: ${facts.recorded!.file} names it, but no tree of it is left`);
  }
  if (facts.recorded) notes.push(`labels, image sources, machine assignments and chain entries taken from ${facts.recorded.file} where it still matches the trees`);
  const state: State = {
    format: 1,
    settings: facts.settings.settings,
    imports,
    ...(recorded?.hosts ? { hosts: recorded.hosts } : {}),
    ...(recorded?.chains ? { chains: recorded.chains } : {}),
  };
  return { from: 'versions', state, notes, warnings };
}

/**
 * The served version's record. When the recorded state names this very version with the same
 * profile, its record is taken over (label, image source, clients, time), and so are its entries
 * unless the server or HTTP base changed; otherwise the record is made as a new import's is.
 */
function currentRecord(facts: RepairFacts, v: VersionOnDisk, analysis: Analysis, retained: RetainedVersion[], was: ImportRecord | undefined): { record: ImportRecord; reused: boolean } {
  const { server, httpBase } = facts.settings.settings;
  const profile = { id: analysis.match.profile.id, family: analysis.match.profile.family, release: analysis.match.release };
  const same = was?.version === v.version && was.profile.id === profile.id ? was : undefined;
  if (same) {
    const served = same.served?.server === server && same.served.httpBase === httpBase;
    return { record: { ...same, retained, ...(served ? {} : { entries: analysis.plan.entries, served: { server, httpBase } }) }, reused: true };
  }
  const layout = new Layout(facts.root);
  return {
    record: {
      name: v.name,
      label: defaultLabel(analysis, v.view!, v.name),
      source: unknownSource(v.wholeIso?.size ?? 0),
      profile,
      version: v.version,
      exportPath: layout.version(v.name, v.version),
      clients: facts.settings.settings.clients,
      served: { server, httpBase },
      entries: analysis.plan.entries,
      retained,
      importedAt: (versionTime(v.version) ?? new Date(0)).toISOString(),
    },
    reused: false,
  };
}

/**
 * Plans a version's entries from its tree, or says why it cannot be. An extracted tree is planned
 * with the profile the recorded state gives its name (it may have been chosen with --profile),
 * else detected; a whole ISO with its recorded memdisk or sanboot profile, else memdisk (sanboot
 * needs an HTTP base, and only the iPXE menu boots it).
 */
function planVersion(facts: RepairFacts, v: VersionOnDisk, was: ImportRecord | undefined): Analysis | string {
  const { server, httpBase } = facts.settings.settings;
  const recordedProfile = facts.profiles.find((p) => p.id === was?.profile.id);
  const candidates: Array<string | undefined> = [];
  if (v.wholeIso) {
    const whole = recordedProfile && (recordedProfile.method === 'memdisk' || (recordedProfile.method === 'sanboot' && httpBase !== undefined));
    candidates.push(whole ? recordedProfile.id : 'memdisk');
  } else {
    if (recordedProfile?.method === 'linux') candidates.push(recordedProfile.id);
    candidates.push(undefined);
  }
  const dir = join(facts.root, '.pxe-import/versions', v.name, v.version);
  let problem = 'no profile fits';
  for (const profileId of candidates) {
    try {
      const analysis = analyzeView(v.view!, dir, { profiles: facts.profiles, profileId, serve: serveContext(new Layout(facts.root), v.name, server, httpBase, v.version) });
      const refused = unsupportedError(analysis, dir);
      if (refused) {
        problem = refused.message;
        continue;
      }
      if (!v.wholeIso && analysis.match.profile.method !== 'linux') {
        problem = `profile ${analysis.match.profile.id} boots a whole ISO, and this is an extracted tree`;
        continue;
      }
      return analysis;
    } catch (e) {
      if (!(e instanceof PxeError)) throw e;
      problem = e.message.split('\n')[0]!;
    }
  }
  return problem;
}

function validName(name: string): boolean {
  try {
    checkName(name);
    return true;
  } catch {
    return false;
  }
}

/** state.json and state.json.prev as they are: parsed, or why not. */
export interface StateFiles {
  readonly current: { readonly state: State | undefined; readonly problem: string | undefined; readonly exists: boolean };
  readonly previous: { readonly state: State | undefined; readonly problem: string | undefined };
}

export async function readStateFiles(layout: Layout): Promise<StateFiles> {
  const read = async (file: string) => {
    const text = await readStateText(file);
    if (text === undefined) return { state: undefined, problem: 'missing', exists: false };
    try {
      return { state: parseState(text, file), problem: undefined, exists: true };
    } catch (e) {
      if (e instanceof PxeError && e.code === 'STATE_INVALID') return { state: undefined, problem: e.message, exists: true };
      throw e;
    }
  };
  return { current: await read(layout.state), previous: await read(`${layout.state}.prev`) };
}

/** The state file whose settings and records repair starts from: the previous one for --from-prev, else state.json if it parses, else the previous one. */
export function recordedState(files: StateFiles, layout: Layout, fromPrev: boolean): RecordedState | undefined {
  const prev = files.previous.state ? { state: files.previous.state, file: `${layout.state}.prev` } : undefined;
  if (fromPrev) return prev;
  return files.current.state ? { state: files.current.state, file: layout.state } : prev;
}

/** Every version directory with its view (an edge: reads the trees). */
export async function versionsOnDisk(layout: Layout): Promise<VersionOnDisk[]> {
  const out: VersionOnDisk[] = [];
  for (const [name, versions] of await listVersionDirs(layout)) {
    for (const version of versions) {
      const dir = layout.version(name, version);
      try {
        const listing = await readdir(dir, { withFileTypes: true });
        const iso = listing.length === 1 && listing[0]!.isFile() && listing[0]!.name === `${name}.iso` ? join(dir, `${name}.iso`) : undefined;
        if (iso === undefined) {
          // A tree with the ISO kept beside it (boot.keepIso): the ISO's size fills {isoKiB} again.
          const kept = listing.find((e) => e.isFile() && e.name === `${name}.iso`);
          out.push({ name, version, view: await treeViewOfDirectory(dir, kept ? (await stat(join(dir, kept.name))).size : undefined) });
          continue;
        }
        const image = await openImage(iso);
        try {
          out.push({ name, version, view: await treeViewOf(image), wholeIso: { size: (await stat(iso)).size } });
        } finally {
          await image.source.close();
        }
      } catch (e) {
        if (!(e instanceof PxeError) && !(e as NodeJS.ErrnoException).code) throw e;
        out.push({ name, version, view: undefined, problem: (e as Error).message });
      }
    }
  }
  return out;
}

/** The ROOT/NAME links that point at one of NAME's versions (as the session writes them, relative to the root). */
export async function linksOnDisk(layout: Layout, versions: readonly VersionOnDisk[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of new Set(versions.map((v) => v.name))) {
    const target = await readlink(layout.link(name)).catch(() => undefined);
    if (target === undefined) continue;
    const prefix = [`${layout.treePath(name, '')}`, `${layout.root}/${layout.treePath(name, '')}`].find((p) => target.startsWith(p));
    const version = prefix === undefined ? undefined : target.slice(prefix.length).replace(/\/+$/, '');
    if (version !== undefined && versions.some((v) => v.name === name && v.version === version)) out.set(name, version);
  }
  return out;
}

/** The plan for this root: the files read, the trees read, then restorePrevious or rebuildState. */
async function planRepair(request: RepairRequest, options: RepairOptions, files: StateFiles, settings: ResolvedSettings): Promise<RepairPlan> {
  const layout = new Layout(options.root);
  const versions = await versionsOnDisk(layout);
  const recorded = recordedState(files, layout, request.fromPrev);
  const damaged = files.current.exists && files.current.state === undefined ? [`${layout.state}: unusable, ${request.dryRun ? 'would be' : 'is'} kept as ${layout.state}.damaged`] : [];
  if (request.fromPrev) {
    if (!recorded) {
      throw new PxeError('STATE_INVALID', `${layout.state}.prev: ${files.previous.problem === 'missing' ? 'missing' : `unusable (${files.previous.problem})`}; run pxe-import repair without --from-prev to rebuild the state from the trees`, {
        file: `${layout.state}.prev`,
      });
    }
    const plan = restorePrevious(recorded, versions);
    return { ...plan, notes: [...damaged, ...plan.notes] };
  }
  const plan = rebuildState({ root: options.root, versions, links: await linksOnDisk(layout, versions), recorded, settings, profiles: options.profiles });
  return { ...plan, notes: [...damaged, ...plan.notes] };
}

/**
 * Repairs the root: under its lock, plans from state.json, state.json.prev and the trees, commits
 * the state (a damaged state.json is kept as state.json.damaged, and state.json.prev is left as it
 * was), then derives menus, exports and links. With `dryRun`, reads without the lock and writes nothing.
 */
export async function repairRoot(request: RepairRequest, options: RepairOptions): Promise<RepairResult> {
  const layout = new Layout(options.root);
  if (request.dryRun) {
    const files = await readStateFiles(layout);
    const settings = resolveSettings(options.flags, options.config, recordedState(files, layout, request.fromPrev)?.state.settings, options.network);
    return { plan: await planRepair(request, options, files, settings), changed: [] };
  }
  let files: StateFiles | undefined;
  const start = async (): Promise<State> => {
    files = await readStateFiles(layout);
    return { ...EMPTY_STATE, settings: recordedState(files, layout, request.fromPrev)?.state.settings };
  };
  return RootSession.with({ ...options, needServer: true, repair: start }, async (session) => {
    const read = files!;
    const plan = await planRepair(request, options, read, session.settings);
    // A root with trees gets a state even when none of them can be served: commands work on it
    // again, and the trees stay, reported as unnamed.
    const nothing = !read.current.exists && !read.previous.state && (await listVersionDirs(layout)).size === 0;
    if (nothing) return { plan: { ...plan, notes: [...plan.notes, `${options.root}: no state and no tree: nothing to repair`] }, changed: [] };
    await session.precheck(plan.state);
    if (read.current.exists && read.current.state === undefined) {
      // The damaged file must not become state.json.prev over the good one when the repaired state is written.
      await rename(layout.state, `${layout.state}.damaged`);
      session.changed.push(`${layout.state}.damaged`);
    }
    await session.commit(plan.state);
    await session.derive();
    // Only leftovers of killed runs go: the repaired state lists nothing to prune, and trees it
    // does not name are reported (TREE_UNNAMED) and left in place.
    await session.prune();
    return { plan, changed: session.changed };
  });
}
