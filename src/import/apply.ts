/**
 * `pxe-import IMAGE --as NAME` at the edges: gather the facts the plan needs (identify.ts, the
 * session's state, the versions on disk, the image's tree view), make the plan (plan.ts, pure),
 * and apply it. The steps are listed so the CLI can show them as a task list; running them in
 * order is the import. Order is crash safety: the new tree is complete before state.json names
 * it, and state.json is written before any derived file (exports, menus, link) points at it.
 */
import { constants, copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PxeError, type Warning, type WarningHandler } from '../errors.js';
import { removeTree } from '../extract/remove.js';
import type { DiscImage } from '../udf/disc.js';
import type { Profile } from '../profiles/index.js';
import { failpoint } from './failpoint.js';
import { ioError } from './fs-atomic.js';
import { identify } from './identify.js';
import { checkName, Layout } from './layout.js';
import { needsTreeView, planImport, type ImportPlan, type ImportRequest, type PlanFacts } from './plan.js';
import { RootSession, type SessionOptions } from './session.js';
import { resolveSettings, type ResolvedSettings } from './settings.js';
import { readRootState } from './read.js';
import type { ImportRecord, SourceIdentity, State } from './state.js';

/** What every command that works on a root is given (SessionOptions without what the command decides). */
export type RootRequest = Omit<SessionOptions, 'needServer'>;

export interface ImportOptions extends RootRequest {
  readonly profiles: readonly Profile[];
  /** --strict: any warning fails the import before anything is committed. */
  readonly strict: boolean;
  /** The clock; tests inject one. */
  readonly now?: () => Date;
}

export interface ImportResult {
  readonly name: string;
  readonly action: 'imported' | 'updated' | 'unchanged';
  readonly plan: ImportPlan;
  /** The import as recorded after the run. */
  readonly record: ImportRecord;
  /** Files written or removed outside the new tree. */
  readonly changed: readonly string[];
}

/** One stage of an import, as the CLI's task list shows it. */
export interface ImportStep {
  readonly title: string;
  /** A reason to skip (shown by the task list), or false. */
  readonly skip: () => string | false;
  /** `progress` receives bytes done and total while a long step runs. */
  readonly run: (progress: (done: number, total: number) => void) => Promise<void>;
}

/** An import in progress: steps to run in order, then `result()`, and always `close()`. */
export interface ImportRun {
  readonly steps: readonly ImportStep[];
  result(): ImportResult;
  close(): Promise<void>;
}

export function startImport(request: ImportRequest, options: ImportOptions): ImportRun {
  checkName(request.name);
  const strict = strictWarnings(options);
  const opts: ImportOptions = { ...options, onWarning: strict.handler };
  let identity: SourceIdentity | undefined;
  let session: RootSession | undefined;
  let image: DiscImage | undefined;
  let plan: ImportPlan | undefined;
  // The version directory this run made, until a commit names it: close() removes it otherwise,
  // whatever stopped the run (an error, ENOSPC at the commit, --strict, a signal).
  let placed: string | undefined;
  let extracting = false;
  let committed = false;
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new PxeError('INTERNAL', 'import steps run out of order');
    return v;
  };
  const skipUnlessNew = () => (plan?.action === 'new-version' ? false : plan?.action === 'update' ? 'same image: the tree stays' : 'unchanged: same size, time and volume descriptors');

  const steps: ImportStep[] = [
    // The image first: a missing or invalid ISO must fail before anything is written.
    { title: `Inspect ${request.image}`, skip: () => false, run: async () => void (identity = await identify(request.image)) },
    { title: `Prepare ${options.root} (lock, repair interrupted runs)`, skip: () => false, run: async () => void (session = await RootSession.open({ ...opts, needServer: true })) },
    {
      title: 'Plan: detect the distribution and the boot entries',
      skip: () => false,
      run: async () => {
        const s = need(session);
        const made = await makePlan(request, opts, s.state, s.settings, need(identity), (img) => (image = img));
        plan = made;
        for (const w of made.warnings) strict.handler(w);
        await strict.check(request.image);
        await s.precheck(made.state);
      },
    },
    {
      title: `Extract into ${options.root}/.pxe-import/versions/${request.name}/`,
      skip: skipUnlessNew,
      run: async (progress) => {
        const p = need(plan);
        if (p.action !== 'new-version') return;
        await need(session).reserve(need(session).layout.treePath(p.name, p.version));
        extracting = true;
        await placeTree(need(image), p, need(session).layout, request.image, opts, progress);
        placed = need(session).layout.version(p.name, p.version);
        await failpoint('after-extract', { file: placed, signal: options.signal });
        await strict.check(request.image);
      },
    },
    {
      title: `Switch ${request.name} to the new version (state, exports, menus, link)`,
      skip: () => (plan?.action === 'unchanged' ? 'unchanged' : false),
      run: async () => {
        const s = need(session);
        await s.commit(need(plan).state);
        committed = true;
        await failpoint('after-commit', { file: s.settings.settings.exportsFile, signal: options.signal });
        // Not interruptible: once committed, the derived files are brought in line (a few small files).
        await s.derive();
      },
    },
    {
      title: 'Remove versions past retention',
      skip: () => (plan?.action === 'unchanged' ? 'unchanged' : false),
      run: async () => {
        await failpoint('before-prune', { file: need(session).layout.state, signal: options.signal });
        await need(session).prune();
      },
    },
  ];
  /** The one line an interrupted import ends with (src/cli/signals.ts): what it undid, what is served. */
  const interrupted = (): PxeError => {
    if (committed) return new PxeError('INTERRUPTED', `${request.name}: switched to version ${need(plan).version}; old versions past retention are left for the next run`);
    const served = session?.state.imports[request.name]?.version;
    const still = served !== undefined ? `it still serves version ${served}` : 'nothing was imported';
    return new PxeError('INTERRUPTED', `${request.name}: ${extracting ? `the unfinished version was removed; ${still}` : served !== undefined ? `nothing was changed; ${still}` : still}`);
  };
  return {
    // Each step first honours a stop request; one from inside a step (the extraction, a --wait
    // for the lock, the commit) ends the import the same way.
    steps: steps.map((step) => ({
      ...step,
      run: async (progress) => {
        try {
          if (options.signal?.aborted) throw new PxeError('INTERRUPTED', 'stopped between steps');
          await step.run(progress);
        } catch (e) {
          throw e instanceof PxeError && e.code === 'INTERRUPTED' ? interrupted() : e;
        }
      },
    })),
    result() {
      const p = need(plan);
      const s = need(session);
      const record = s.state.imports[request.name];
      if (!record) throw new PxeError('INTERNAL', `${request.name}: not in the state after the import`);
      return { name: request.name, action: p.action === 'new-version' ? 'imported' : p.action === 'update' ? 'updated' : 'unchanged', plan: p, record, changed: s.changed };
    },
    async close() {
      await image?.source.close();
      image = undefined;
      try {
        if (placed !== undefined && !committed) await removeTree(placed);
        placed = undefined;
      } finally {
        await session?.close();
      }
    },
  };
}

/** `pxe-import IMAGE --as NAME` without a task list: the steps in order. */
export async function importImage(request: ImportRequest, options: ImportOptions): Promise<ImportResult> {
  const run = startImport(request, options);
  try {
    for (const s of run.steps) if (!s.skip()) await s.run(() => {});
    return run.result();
  } finally {
    await run.close();
  }
}

/** For --dry-run and --check: the plan the import would apply, read without the lock, nothing written. */
export async function previewImport(request: ImportRequest, options: ImportOptions): Promise<ImportPlan> {
  checkName(request.name);
  const identity = await identify(request.image);
  const state = await readRootState(options.root);
  const settings = resolveSettings(options.flags, options.config, state.settings, options.network);
  let image: DiscImage | undefined;
  try {
    const plan = await makePlan(request, options, state, settings, identity, (img) => (image = img));
    for (const w of plan.warnings) options.onWarning?.(w);
    return plan;
  } finally {
    await (image as DiscImage | undefined)?.source.close();
  }
}

/**
 * `sync`'s look at one image in the session it holds: the plan when importing `request` would
 * change nothing, else undefined (and importImage does the import, in a session of its own). The
 * same plan as the import's, from the identity and the state alone: one that needs the image's
 * tree view is never unchanged. Nothing is written, so nothing needs checking before a commit.
 */
export async function planIfUnchanged(request: ImportRequest, options: ImportOptions, session: RootSession, identity: SourceIdentity): Promise<ImportPlan | undefined> {
  const facts = await planFacts(request, options, session.state, session.settings, identity);
  if (needsTreeView(facts, request)) return undefined;
  const plan = planImport({ ...facts, tree: undefined }, request);
  return plan.action === 'unchanged' ? plan : undefined;
}

/** What the plan needs but the image's tree view: the versions on disk, the clock. */
async function planFacts(request: ImportRequest, options: ImportOptions, state: State, settings: ResolvedSettings, identity: SourceIdentity): Promise<Omit<PlanFacts, 'tree'>> {
  const layout = new Layout(options.root);
  const present = new Set(await readdir(layout.versionsOf(request.name)).catch(() => [] as string[]));
  return { root: options.root, state, identity, settings, present, profiles: options.profiles, now: (options.now ?? (() => new Date()))() };
}

/** Gathers what the plan needs — the versions on disk and, only when needed, the image's tree view — and plans. */
async function makePlan(
  request: ImportRequest,
  options: ImportOptions,
  state: State,
  settings: ResolvedSettings,
  identity: SourceIdentity,
  opened: (image: DiscImage) => void,
): Promise<ImportPlan> {
  const facts = await planFacts(request, options, state, settings, identity);
  if (!needsTreeView(facts, request)) return planImport({ ...facts, tree: undefined }, request);
  // Only a plan that looks into the image loads the image readers and the profile code: an unchanged
  // re-import (a cron run) decides from the identity and the state alone.
  const [{ openImage }, { analyzeView, treeViewOf }] = await Promise.all([import('../udf/disc.js'), import('../profiles/index.js')]);
  const image = await openImage(request.image, { onWarning: options.onWarning });
  opened(image);
  // A note, not a warning: reading UDF over a Windows disc's README.TXT stub is what the user wants, and --strict must not refuse it.
  if (image.treeNote) options.onNote?.(`${request.image}: ${image.treeNote}`);
  return planImport({ ...facts, tree: { view: await treeViewOf(image), analyze: analyzeView } }, request);
}

/** Extracts the tree (or, for memdisk and sanboot, copies the ISO; or both, for boot.keepIso) into the version directory, atomically. */
async function placeTree(image: DiscImage, plan: ImportPlan & { action: 'new-version' }, layout: Layout, imagePath: string, options: ImportOptions, progress: (done: number, total: number) => void): Promise<void> {
  const target = layout.version(plan.name, plan.version);
  await mkdir(dirname(target), { recursive: true });
  if (plan.place === 'copy-iso') {
    const partial = `${target}.partial`;
    await mkdir(partial, { recursive: true });
    try {
      await copyFile(imagePath, join(partial, `${plan.name}.iso`), constants.COPYFILE_FICLONE);
      await rename(partial, target);
    } catch (e) {
      await removeTree(partial);
      throw ioError(target, 'cannot copy the image', e);
    }
    return;
  }
  const combined = plan.analysis.plan.combinedInitrds;
  const [{ extractImageTo }, { writeCombinedInitrd }] = await Promise.all([import('../extract/atomic.js'), import('../extract/combined-initrd.js')]);
  await extractImageTo(image, target, {
    onWarning: options.onWarning,
    signal: options.signal,
    onProgress: (p) => progress(p.bytesDone, p.bytesTotal),
    // What the import adds to the tree goes in before the rename, so the tree appears complete or not at all.
    beforeCommit: async (staging) => {
      if (plan.place === 'extract-and-copy-iso') {
        // The initrd fetches this file ({isoFile}); a file of that name in the ISO's own root is refused, not replaced.
        const kept = join(staging, `${plan.name}.iso`);
        try {
          await copyFile(imagePath, kept, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
        } catch (e) {
          throw ioError(join(target, `${plan.name}.iso`), 'cannot keep the image beside the tree', e);
        }
      }
      for (const c of combined) {
        await mkdir(dirname(join(staging, c.path)), { recursive: true, mode: 0o755 });
        await writeCombinedInitrd({ initrd: join(staging, c.initrd), file: imagePath, name: c.embed, out: join(staging, c.path), signal: options.signal });
      }
    },
  });
}

/** Passes warnings on, and under --strict fails the import at the next check once any was seen. */
function strictWarnings(options: ImportOptions): { handler: WarningHandler; check: (image: string) => Promise<void> } {
  const seen: Warning[] = [];
  return {
    handler: (w) => {
      seen.push(w);
      options.onWarning?.(w);
    },
    check: async (image) => {
      if (!options.strict || seen.length === 0) return;
      throw new PxeError('WARNINGS_STRICT', `${image}: ${seen.length} warning(s) and --strict: nothing was imported`, { file: image });
    },
  };
}
