/**
 * `pxe-import sync DIR`: import every ISO in a folder (re-importing only what changed), for cron,
 * and with --prune remove the imports whose ISO is gone. The folder walk is the edge; the mapping
 * file, the names and the prune policy are pure.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeSystemError, PxeError, type WarningHandler } from '../errors.js';
import { importImage, planIfUnchanged, type ImportOptions, type ImportResult } from './apply.js';
import { identify } from './identify.js';
import { checkName, nameFromImage } from './layout.js';
import type { ImportRequest } from './plan.js';
import { removeImport } from './remove.js';
import { RootSession, type SessionOptions } from './session.js';
import { readRootState } from './read.js';
import type { State } from './state.js';

export const MAP_FILE = 'pxe-import.map';

/** A prune that would remove more than this share of the folder's imports is refused unless forced. */
export const MAX_PRUNE_SHARE = 0.5;

export interface SyncEntry {
  readonly file: string;
  readonly name: string;
}

/** DIR/pxe-import.map: "FILE.iso NAME" lines, # comments allowed. */
export function parseSyncMap(text: string, file: string): SyncEntry[] {
  const out: SyncEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (!t) return;
    const m = /^(\S+)\s+(\S+)$/.exec(t);
    if (!m) throw new PxeError('USAGE', `${file}:${i + 1}: expected "FILE.iso NAME"`, { file });
    out.push({ file: m[1]!, name: m[2]! });
  });
  return out;
}

/**
 * The images to import and their names: the map file's when there is one, else every *.iso by
 * file name. Two files that come to the same name would replace each other on every run, so the
 * second is refused (its reason in `refused`), never imported.
 */
export function syncEntries(listing: readonly string[], mapText: string | undefined, mapFile: string): { entries: SyncEntry[]; refused: Array<SyncEntry & { reason: string }> } {
  const wanted = mapText !== undefined ? parseSyncMap(mapText, mapFile) : listing.filter((f) => /\.iso$/i.test(f)).sort().map((f) => ({ file: f, name: nameFromImage(f) }));
  const entries: SyncEntry[] = [];
  const refused: Array<SyncEntry & { reason: string }> = [];
  const byName = new Map<string, string>();
  for (const e of wanted) {
    const first = byName.get(e.name);
    if (first !== undefined) {
      refused.push({ ...e, reason: `${e.file} and ${first} both become "${e.name}"; name one of them in ${MAP_FILE} ("FILE.iso NAME")` });
      continue;
    }
    byName.set(e.name, e.file);
    entries.push(e);
  }
  return { entries, refused };
}

/**
 * The imports of `folder` whose ISO is gone, or why none may be removed: an empty folder is more
 * likely unmounted or mistyped than emptied on purpose, and a prune that would remove most of the
 * imports is too, so both take --force.
 */
export function planPrune(state: State, folder: string, present: ReadonlySet<string>, force: boolean, device: number): { remove: string[]; refusal: string | undefined } {
  const fromFolder = Object.values(state.imports).filter((r) => r.source.path.startsWith(`${folder}/`));
  const gone = fromFolder.filter((r) => !present.has(r.source.path)).map((r) => r.name);
  if (gone.length === 0 || force) return { remove: gone, refusal: undefined };
  const was = state.syncFolders?.[folder]?.device;
  if (was !== undefined && was !== device) {
    return { remove: [], refusal: `${folder} is on another file system than at the last sync (device ${device}, was ${was}): not pruning (is its disk mounted?); pass --force to prune anyway` };
  }
  if (present.size === 0) {
    return { remove: [], refusal: `${folder} holds no ISO image: not pruning the ${gone.length} import(s) from it (an unmounted or mistyped folder?); pass --force to prune anyway` };
  }
  if (gone.length > fromFolder.length * MAX_PRUNE_SHARE) {
    return { remove: [], refusal: `${folder}: pruning would remove ${gone.length} of its ${fromFolder.length} imports (${gone.join(', ')}); not pruning more than ${MAX_PRUNE_SHARE * 100}% without --force` };
  }
  return { remove: gone, refusal: undefined };
}

export type SyncEvent =
  | { readonly kind: 'imported'; readonly entry: SyncEntry; readonly result: ImportResult }
  | { readonly kind: 'failed'; readonly entry: SyncEntry; readonly error: Error }
  | { readonly kind: 'removed'; readonly name: string }
  | { readonly kind: 'not-pruned'; readonly name: string | undefined; readonly reason: string };

export interface SyncRequest {
  readonly folder: string;
  readonly prune: boolean;
  /** Prune even an empty folder, or more than MAX_PRUNE_SHARE of its imports. */
  readonly force: boolean;
  readonly retention: number;
}

/** Runs the sync; `onEvent` hears each outcome as it happens. Returns the number of failures. */
export async function syncFolder(request: SyncRequest, given: ImportOptions, onEvent: (e: SyncEvent) => void): Promise<{ failed: number; total: number }> {
  const folder = resolve(request.folder);
  const st = await stat(folder).catch(() => undefined);
  if (!st) throw new PxeError('USAGE', `${folder}: no such folder`, { file: folder });
  if (!st.isDirectory()) throw new PxeError('USAGE', `${folder}: not a folder (sync takes a folder of ISO images; to import one image: pxe-import IMAGE --as NAME)`, { file: folder });
  const listing = await readdir(folder).catch((e: NodeJS.ErrnoException) => {
    throw new PxeError('IO', `${folder}: cannot list the folder: ${describeSystemError(e)}`, { file: folder });
  });
  const mapFile = join(folder, MAP_FILE);
  const mapText = await readFile(mapFile, 'utf8').catch(() => undefined);
  const { entries, refused } = syncEntries(listing, mapText, mapFile);
  for (const e of entries) checkName(e.name);
  let failed = refused.length;
  for (const r of refused) onEvent({ kind: 'failed', entry: r, error: new PxeError('USAGE', r.reason) });
  const options = { ...given, onWarning: oncePerRun(given.onWarning) };
  // A stop request (src/cli/signals.ts) ends the sync between images, or the import it interrupts.
  const stopped = (done: number, detail: string) => new PxeError('INTERRUPTED', `${detail}; sync stopped with ${done} of ${entries.length} image(s) done`);
  // Images found unchanged are looked at in one session, held from one to the next: locking,
  // reading the state and checking the derived files once, not once per image, is what keeps a
  // cron run over a folder of unchanged images quick. An image with work to do is imported as on
  // its own (importImage, its own session), this one closed first.
  const held = new HeldSession({ ...options, needServer: true });
  try {
    for (const [done, entry] of entries.entries()) {
      if (options.signal?.aborted) throw stopped(done, `${entry.name}: not looked at`);
      const image: ImportRequest = { image: join(folder, entry.file), name: entry.name, profileId: undefined, label: undefined, force: false, retention: request.retention };
      try {
        const identity = await identify(image.image);
        const session = await held.open();
        const plan = await planIfUnchanged(image, options, session, identity);
        if (plan !== undefined) {
          const record = session.state.imports[entry.name]!;
          onEvent({ kind: 'imported', entry, result: { name: entry.name, action: 'unchanged', plan, record, changed: held.newChanges() } });
          continue;
        }
        await held.close();
        onEvent({ kind: 'imported', entry, result: await importImage(image, options) });
      } catch (e) {
        if (e instanceof PxeError && e.code === 'INTERRUPTED') throw stopped(done, e.message);
        if (stopsTheRun(e)) throw e;
        failed++;
        onEvent({ kind: 'failed', entry, error: e as Error });
      }
    }
    if (request.prune) {
      await held.close();
      if (options.signal?.aborted) throw stopped(entries.length, 'nothing was pruned');
      const state = await readRootState(options.root);
      const present = new Set(entries.map((e) => join(folder, e.file)));
      const { remove, refusal } = planPrune(state, folder, present, request.force, st.dev);
      if (refusal) {
        failed++;
        onEvent({ kind: 'not-pruned', name: undefined, reason: refusal });
      }
      for (const name of remove) {
        try {
          await removeImport(options, name, false);
          onEvent({ kind: 'removed', name });
        } catch (e) {
          if (e instanceof PxeError && e.code === 'INTERRUPTED') throw stopped(entries.length, `${name}: not removed (${e.message})`);
          // Machines still assigned to it (pxe-import host): keep it, say why, go on with the others.
          if (stopsTheRun(e)) throw e;
          failed++;
          onEvent({ kind: 'not-pruned', name, reason: (e as Error).message });
        }
      }
    }
    if (options.signal?.aborted) throw stopped(entries.length, 'every image was looked at');
    // Remembered for the next prune: the file system this folder's images were found on.
    if (entries.length > 0) {
      const remember = async (session: RootSession) => {
        if (session.state.syncFolders?.[folder]?.device === st.dev) return;
        await session.commit({ ...session.state, syncFolders: { ...session.state.syncFolders, [folder]: { device: st.dev } } });
      };
      // The held session resolved the settings as an import does, and holds them recorded
      // already (an unchanged plan means so): committing in it records what a session that
      // guesses nothing would.
      const session = held.current();
      if (session !== undefined) await remember(session);
      else await RootSession.with({ ...options, needServer: false }, remember);
    }
  } finally {
    await held.close();
  }
  return { failed, total: entries.length + refused.length };
}

/** A session opened when first needed and kept open until closed; reopened on the next need. */
class HeldSession {
  #session: RootSession | undefined;
  /** How many of the session's changed files were already reported. */
  #reported = 0;

  constructor(readonly options: SessionOptions) {}

  async open(): Promise<RootSession> {
    if (this.#session === undefined) {
      this.#session = await RootSession.open(this.options);
      this.#reported = 0;
    }
    return this.#session;
  }

  current(): RootSession | undefined {
    return this.#session;
  }

  /** Files the session changed since the last call (opening it may have repaired some). */
  newChanges(): string[] {
    const all = this.#session?.changed ?? [];
    const out = all.slice(this.#reported);
    this.#reported = all.length;
    return out;
  }

  async close(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await s?.close();
  }
}

/**
 * Errors about the root rather than an image: the images after it would meet them too. Another
 * run holds the lock (exit 75), or the state is damaged or lost (exit 4): stop with that code.
 */
function stopsTheRun(e: unknown): boolean {
  return e instanceof PxeError && (e.code === 'LOCKED' || e.code === 'STATE_INVALID');
}

/** Each image opens a session of its own; a tree the state does not name is said once per sync, not once per image. */
function oncePerRun(onWarning: WarningHandler | undefined): WarningHandler | undefined {
  if (onWarning === undefined) return undefined;
  const said = new Set<string>();
  return (w) => {
    if (w.code === 'TREE_UNNAMED') {
      const key = `${w.file} ${w.message}`;
      if (said.has(key)) return;
      said.add(key);
    }
    onWarning(w);
  };
}
