/**
 * One locked session on a PXE root: the only place (with apply.ts) that writes to it. Every
 * command that changes a root — import, remove, host, chain, init, sync — opens one, changes
 * the state, and lets it bring the derived files and the trees in line:
 *
 *   open      take the lock, read the state, repair what an interrupted run left
 *   commit    write state.json (the one step that makes a change real; the previous one is kept
 *             as state.json.prev)
 *   derive    write what deriveFiles() wants and the disk lacks: exports first (a new version is
 *             exported before any menu names it), then menus and host files, then the links
 *   prune     remove the trees the state lists for removal (past retention, removed imports) and
 *             the leftovers of killed runs — never a tree the state does not name
 *
 * Every step is safe to interrupt: each file is replaced atomically, and the next session's
 * repair finishes what this one started.
 */
import { execFile } from 'node:child_process';
import { access, constants, lstat, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PxeError, type Warning, type WarningHandler } from '../errors.js';
import { removeTree } from '../extract/remove.js';
import type { ConfigFile } from './config.js';
import { deriveFiles, diffDerived, exportsChange, hostFileDirs, snapshotPaths, type DerivedChanges, type DiskSnapshot } from './derived.js';
import { failpoint } from './failpoint.js';
import { ioError, linkTarget, replaceSymlink, writeFileAtomic, writeThroughLink } from './fs-atomic.js';
import { Layout } from './layout.js';
import { acquireLock, type Lock } from './lock.js';
import { resolveSettings, type HostNetwork, type MenuSettings, type ResolvedSettings, type SettingFlags } from './settings.js';
import { readStateFile } from './read.js';
import { EMPTY_STATE, renderState, withSettings, type State } from './state.js';
import { isLeftover } from './trees.js';

export interface SessionOptions {
  /** The PXE root (settings.ts resolveRootDir). */
  readonly root: string;
  readonly flags: SettingFlags;
  readonly config: ConfigFile;
  readonly network: HostNetwork;
  /** False for commands that never name the server (remove, host, chain, init): nothing is guessed. */
  readonly needServer: boolean;
  readonly menu: MenuSettings;
  /** Run `exportfs -ra` after changing the exports file. */
  readonly reload: boolean;
  /** Seconds to wait for another run's lock. */
  readonly waitSeconds: number;
  readonly onWarning?: WarningHandler;
  /** Human-readable notes: "add this INCLUDE line", "exportfs said …". */
  readonly onNote?: (note: string) => void;
  /**
   * `pxe-import repair` only (repair.ts): opens a root whose state is missing or damaged. Called
   * under the lock instead of reading state.json, it gives the state to start from (no imports,
   * so the repaired state's commit removes no tree); nothing is derived or pruned on opening.
   */
  readonly repair?: () => Promise<State>;
  /**
   * Aborted when the command is asked to stop (src/cli/signals.ts): a --wait for the lock ends,
   * and commit() refuses, so an interrupted command commits nothing it had not committed already.
   */
  readonly signal?: AbortSignal;
}

export class RootSession {
  readonly layout: Layout;
  /** Files written or removed outside the trees, in order. */
  readonly changed: string[] = [];
  #state: State;
  #settings: ResolvedSettings;
  #lock: Lock;
  /** The first directory this session created (mkdir -p's answer), removed again if nothing is committed. */
  #created: string | undefined;
  #committed = false;
  /** The exports file the state named before a commit moved it (--exports-file): our lines leave it. */
  #formerExportsFile: string | undefined;
  readonly #said = new Set<string>();

  private constructor(
    readonly options: SessionOptions,
    lock: Lock,
    state: State,
    created: string | undefined,
  ) {
    this.layout = new Layout(options.root);
    this.#lock = lock;
    this.#state = state;
    this.#created = created;
    this.#settings = resolveSettings(options.flags, options.config, state.settings, options.network, options.needServer);
  }

  /** Takes the lock, reads the state and repairs what an interrupted run left. */
  static async open(options: SessionOptions): Promise<RootSession> {
    const layout = new Layout(options.root);
    let created: string | undefined;
    try {
      created = (await mkdir(layout.meta, { recursive: true })) ?? undefined;
      await access(options.root, constants.W_OK);
    } catch (e) {
      // Name the directory that refused: the root itself, or the first ancestor that exists.
      throw ioError((e as NodeJS.ErrnoException).path ?? options.root, `cannot prepare the PXE root ${options.root}`, e);
    }
    const lock = await acquireLock(layout.lock, options.waitSeconds, options.signal);
    let session: RootSession;
    try {
      await failpoint('after-lock', { file: layout.state, signal: options.signal });
      // readStateFile refuses a damaged state, and a missing one while trees exist (STATE_INVALID):
      // only repair, which reads them itself, may open such a root.
      const state = options.repair !== undefined ? await options.repair() : await readStateFile(options.root);
      session = new RootSession(options, lock, state ?? EMPTY_STATE, created);
      // A root without state has nothing to repair; leave it untouched until something is committed.
      // Nor is a root being repaired: its derived files follow the state repair commits.
      if (state === undefined || options.repair !== undefined) return session;
    } catch (e) {
      await lock.release();
      if (created !== undefined) await rm(created, { recursive: true, force: true });
      throw e;
    }
    try {
      await session.derive();
      await session.prune();
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /** Runs `change` on an opened session and always closes it. */
  static async with<T>(options: SessionOptions, change: (session: RootSession) => Promise<T>): Promise<T> {
    const session = await RootSession.open(options);
    try {
      return await change(session);
    } finally {
      await session.close();
    }
  }

  get state(): State {
    return this.#state;
  }

  /** Server, clients, HTTP base and exports file after this command, and the recorded ones it changes. */
  get settings(): ResolvedSettings {
    return this.#settings;
  }

  /** Releases the lock. A session that created the root and committed nothing removes what it created. */
  async close(): Promise<void> {
    await this.#lock.release();
    if (this.#created !== undefined && !this.#committed) await rm(this.#created, { recursive: true, force: true });
  }

  /**
   * Commits a new state. Versions the old state served and the new one does not are listed for
   * removal in the state itself, so a crash before prune() still has them removed by the next run.
   * A command that resolved the settings fully (or a root that has them) records them.
   */
  async commit(next: State): Promise<void> {
    const record = this.options.needServer || this.#state.settings !== undefined;
    let state = record ? withSettings(next, this.#settings.settings) : next;
    const kept = servedTrees(state);
    const dropped = [...servedTrees(this.#state), ...(this.#state.pruning ?? [])].filter((t) => !kept.has(t));
    const pruning = [...new Set([...(state.pruning ?? []), ...dropped])].filter((t) => !kept.has(t)).sort();
    state = { ...state, pruning: pruning.length > 0 ? pruning : undefined };
    if (this.#state.settings?.exportsFile !== undefined && this.#state.settings.exportsFile !== state.settings?.exportsFile) {
      this.#formerExportsFile = this.#state.settings.exportsFile;
    }
    await failpoint('commit', { file: this.layout.state, signal: this.options.signal });
    // The last moment a stop request can still leave the root as it was.
    if (this.options.signal?.aborted) throw new PxeError('INTERRUPTED', this.changed.length === 0 ? 'nothing was changed' : 'nothing was committed');
    await this.#writeState(state);
    this.#state = state;
    this.#committed = true;
  }

  /**
   * Records, before a new tree is made, that it is to be removed unless a commit names it: a run
   * killed while extracting leaves a tree the next run's prune() then removes. It makes no change
   * of its own (a first import that fails still leaves no root behind).
   */
  async reserve(tree: string): Promise<void> {
    const pruning = [...new Set([...(this.#state.pruning ?? []), tree])].sort();
    this.#state = { ...this.#state, pruning };
    await this.#writeState(this.#state);
  }

  async #writeState(state: State): Promise<void> {
    const text = renderState(state);
    const current = await readFile(this.layout.state, 'utf8').catch(() => undefined);
    if (current === text) return;
    // The previous state is kept: a state file damaged by hand or by a disk can be restored.
    if (current !== undefined) await writeFileAtomic(`${this.layout.state}.prev`, current);
    if (await writeFileAtomic(this.layout.state, text)) this.changed.push(this.layout.state);
  }

  /** The changes that would bring the derived files in line with the state (nothing is written). */
  async diff(state: State = this.#state): Promise<DerivedChanges> {
    const derived = deriveFiles(state, this.layout, this.options.menu);
    return diffDerived(derived, await this.#snapshot(snapshotPaths(derived)), this.layout);
  }

  /** Writes every derived file that differs from the state's, in crash-safe order. */
  async derive(): Promise<void> {
    const changes = await this.diff();
    for (const w of changes.warnings) this.#warn(w);
    for (const n of changes.notes) this.#note(n);
    if (changes.exports !== undefined) await this.#writeExports(changes.exports);
    // Moved with --exports-file: our lines leave the old file only once the new one has them.
    if (this.#formerExportsFile !== undefined) await this.#leaveExportsFile(this.#formerExportsFile);
    // Only once this session committed: the repair in open() derives too, and a point hit
    // there would stop the run before it changed anything.
    if (this.#committed) await failpoint('after-exports', { file: changes.writes[0]?.path ?? this.layout.state, signal: this.options.signal });
    for (const w of changes.writes) if (await writeFileAtomic(w.path, w.text)) this.changed.push(w.path);
    for (const path of changes.removes) {
      await rm(path, { force: true });
      this.changed.push(path);
    }
    if (this.#committed) await failpoint('after-menus', { file: changes.links[0]?.path ?? this.layout.state, signal: this.options.signal });
    for (const l of changes.links) if (await replaceSymlink(l.path, l.target)) this.changed.push(l.path);
    for (const path of changes.unlinks) {
      await rm(path, { force: true });
      this.changed.push(path);
    }
  }

  /**
   * Refuses, before `state` is committed, what deriving it would fail at: a link blocked by a file
   * of the user's (diffDerived throws), an exports file that cannot be written.
   */
  async precheck(state: State): Promise<void> {
    const changes = await this.diff(state);
    if (changes.exports !== undefined) await checkWritable(this.#settings.settings.exportsFile);
  }

  /**
   * Removes the trees the state lists for removal, and what killed runs left in the versions folder.
   * A tree the state does not name is reported (TREE_UNNAMED) and left alone: it may be all that is
   * left of imports whose state was lost, and `pxe-import repair` adopts it.
   */
  async prune(): Promise<void> {
    const pruning = this.#state.pruning ?? [];
    for (const tree of pruning) {
      const path = join(this.options.root, tree);
      if (!(await exists(path))) continue;
      await removeTree(path);
      this.changed.push(path);
    }
    const served = servedTrees(this.#state);
    const versions = join(this.layout.meta, 'versions');
    for (const name of await readdir(versions).catch(() => [] as string[])) {
      const dir = this.layout.versionsOf(name);
      for (const v of await readdir(dir).catch(() => [] as string[])) {
        if (!isLeftover(v)) {
          if (!served.has(this.layout.treePath(name, v))) {
            this.#warn({ code: 'TREE_UNNAMED', message: `a tree ${this.layout.state} does not name: left in place (pxe-import repair adopts it; or remove it by hand)`, file: join(dir, v) });
          }
          continue;
        }
        await removeTree(join(dir, v));
        this.changed.push(join(dir, v));
      }
      if ((await readdir(dir).catch(() => ['?'])).length === 0) await rm(dir, { recursive: true, force: true });
    }
    if (pruning.length > 0) {
      this.#state = { ...this.#state, pruning: undefined };
      await this.#writeState(this.#state);
    }
  }

  /**
   * The snapshot of everything the derived files could replace or remove. Each group of reads is
   * made at once (one wait for the disk, not one per file); the maps keep the listing order.
   */
  async #snapshot(paths: readonly string[]): Promise<DiskSnapshot> {
    const readText = (p: string) => readFile(p, 'utf8').catch(() => undefined);
    const texts = async (ps: readonly string[]) => {
      const read = await Promise.all(ps.map(readText));
      const out = new Map<string, string>();
      ps.forEach((p, i) => read[i] !== undefined && out.set(p, read[i]));
      return out;
    };
    const files = await texts(paths);
    const hostPaths = await Promise.all(
      hostFileDirs(this.layout).map(async ({ dir, accepts }) => (await readdir(dir).catch(() => [] as string[])).filter(accepts).map((name) => join(dir, name))),
    );
    const hostFiles = await texts(hostPaths.flat());
    const listing = await readdir(this.options.root, { withFileTypes: true }).catch(() => []);
    const targets = await Promise.all(listing.map((e) => (e.isSymbolicLink() ? readlink(join(this.options.root, e.name)).catch(() => '') : null)));
    const rootEntries = new Map<string, string | null>(listing.map((e, i) => [e.name, targets[i] ?? null]));
    const exportsFile = this.#settings.settings.exportsFile;
    const exports = await readFile(exportsFile).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw ioError(exportsFile, 'cannot read the exports file', e);
    });
    return { files, hostFiles, exportsFile, exports, rootEntries };
  }

  /** The exports file moved (--exports-file): this root's lines leave the old one. */
  async #leaveExportsFile(file: string): Promise<void> {
    this.#formerExportsFile = undefined;
    const { bytes } = exportsChange(await readFile(file).catch(() => undefined), file, this.layout, []);
    if (bytes !== undefined && (await writeThroughLink(file, bytes))) this.changed.push(file);
  }

  async #writeExports(bytes: Buffer): Promise<void> {
    const file = this.#settings.settings.exportsFile;
    await checkWritable(file);
    if (await writeThroughLink(file, bytes)) {
      this.changed.push(file);
      if (this.options.reload) await this.#reloadExports();
    }
  }

  async #reloadExports(): Promise<void> {
    try {
      const { stderr } = await promisify(execFile)('exportfs', ['-ra'], { timeout: 60_000 });
      this.#note(`exportfs -ra: ok${stderr.trim() ? ` (${stderr.trim().replace(/\n/g, '; ')})` : ''}`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') this.#note('exportfs not found: install nfs-kernel-server, then run exportfs -ra');
      else throw new PxeError('IO', `exportfs -ra failed: ${(err.stderr ?? err.message).trim().replace(/\n/g, '; ')}`);
    }
  }

  /** Said once per session, however often derive() runs (repair, then after the commit). */
  #note(n: string): void {
    if (this.#said.has(n)) return;
    this.#said.add(n);
    this.options.onNote?.(n);
  }

  #warn(w: Warning): void {
    const key = `${w.code} ${w.file ?? ''} ${w.message}`;
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.options.onWarning?.(w);
  }
}

/** The tree paths (relative to the root) a state serves: every current and retained version. */
function servedTrees(state: State): Set<string> {
  const out = new Set<string>();
  for (const [name, r] of Object.entries(state.imports)) {
    out.add(`.pxe-import/versions/${name}/${r.version}`);
    for (const old of r.retained) out.add(`.pxe-import/versions/${name}/${old.version}`);
  }
  return out;
}

/** Fails before a write (and before a commit that would need it) when the file cannot be written. */
async function checkWritable(path: string): Promise<void> {
  const file = await linkTarget(path);
  await access(file, constants.W_OK).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw ioError(file, 'exports file is not writable', e);
    const dir = dirname(file);
    await access(dir, constants.W_OK).catch((e2) => {
      throw ioError(dir, `cannot create the exports file ${file} here (use --exports-file, or run as root)`, e2);
    });
  });
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
