import { access, constants, copyFile, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PxeError, type WarningHandler } from '../errors.js';
import { extractImageTo } from '../extract/atomic.js';
import { removeTree } from '../extract/remove.js';
import { openIsoImage, type IsoImage } from '../iso9660/image.js';
import { openFileSource } from '../iso9660/source.js';
import { readVolumeDescriptors } from '../iso9660/volume-descriptor.js';
import { renderMenus, isGeneratedByUs } from '../menus/index.js';
import { HOST_FILE_DIRS, isHostFileName, renderHostFiles } from '../menus/hosts.js';
import type { MenuModel } from '../menus/model.js';
import { analyzeImage, type Analysis, type Profile } from '../profiles/index.js';
import { menuModel, syncExports, wantedExports, type MenuSettings } from './derive.js';
import { ioError, replaceSymlink, writeFileAtomic } from './fs-atomic.js';
import { Layout, checkName, versionId } from './layout.js';
import { failpoint } from './failpoint.js';
import { acquireLock, type Lock } from './lock.js';
import { hostsUsing, readState, withImport, withoutHosts, withoutImport, writeState, type ImportRecord, type SourceIdentity, type State } from './state.js';
import { createHash } from 'node:crypto';

export interface RootOptions {
  /** The PXE root: TFTP root, NFS-exported and HTTP-served. */
  readonly root: string;
  readonly exportsFile: string;
  readonly menu: MenuSettings;
  /** Older versions kept (on disk and exported) after a newer import; default 1. */
  readonly retention: number;
  /** Run `exportfs -ra` after changing the exports file. */
  readonly reload: boolean;
  /** Seconds to wait for another run's lock. */
  readonly waitSeconds: number;
  readonly onWarning?: WarningHandler;
  /** Human-readable notes: "add this INCLUDE line", "exportfs said …". */
  readonly onNote?: (note: string) => void;
}

export interface ImportOptions extends RootOptions {
  readonly image: string;
  readonly name: string;
  readonly server: string;
  readonly clients: readonly string[];
  readonly profiles: readonly Profile[];
  readonly profileId: string | undefined;
  readonly label: string | undefined;
  /** Re-import even when the image is unchanged. */
  readonly force: boolean;
  readonly signal?: AbortSignal;
}

export interface ImportResult {
  readonly name: string;
  readonly action: 'imported' | 'unchanged';
  readonly record: ImportRecord;
  readonly analysis: Analysis | undefined;
  /** Files written or removed outside the new tree. */
  readonly changed: readonly string[];
}

/** The identity of an image file from its size, mtime and volume descriptors: no file data is read. */
export async function identify(image: string): Promise<SourceIdentity> {
  const source = await openFileSource(image);
  try {
    const st = await stat(image);
    const descriptors = await readVolumeDescriptors(source);
    return { path: resolve(image), size: st.size, mtimeMs: Math.trunc(st.mtimeMs), fingerprint: createHash('sha256').update(descriptors.descriptorBytes).digest('hex') };
  } finally {
    await source.close();
  }
}

function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.fingerprint === b.fingerprint;
}

/**
 * One locked session on a PXE root. Every public step is safe to interrupt: state.json
 * is written (atomically) only once a new tree is complete, and every other file is
 * re-derived from it, so the next run repairs whatever a crash left half-done.
 */
export class PxeRoot {
  readonly layout: Layout;
  #lock: Lock | undefined;
  #state: State | undefined;
  /** The first directory this run created (mkdir -p's answer), removed again if nothing is committed. */
  #created: string | undefined;
  #committed = false;
  readonly #noted = new Set<string>();
  readonly changed: string[] = [];

  constructor(readonly options: RootOptions) {
    this.layout = new Layout(options.root);
  }

  get state(): State {
    if (!this.#state) throw new PxeError('INTERNAL', 'PXE root not opened');
    return this.#state;
  }

  /** Checks the root and exports file are writable, takes the lock, and repairs what an interrupted run left. */
  async open(): Promise<void> {
    const { root, exportsFile } = this.options;
    try {
      this.#created = (await mkdir(this.layout.meta, { recursive: true })) ?? undefined;
      await access(root, constants.W_OK);
    } catch (e) {
      throw ioError(root, 'PXE root is not writable', e);
    }
    const exportsDir = dirname(exportsFile);
    await access(exportsFile, constants.W_OK).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw ioError(exportsFile, 'exports file is not writable', e);
      await access(exportsDir, constants.W_OK).catch((e2) => {
        throw ioError(exportsDir, `cannot create the exports file ${exportsFile} here (use --exports-file, or run as root)`, e2);
      });
    });
    this.#lock = await acquireLock(this.layout.lock, this.options.waitSeconds);
    failpoint('after-lock');
    this.#state = await readState(this.layout.state);
    // A root without state has nothing to repair; leave it untouched until something is committed.
    if (!(await exists(this.layout.state))) return;
    await this.derive();
    await this.prune();
  }

  /** Releases the lock. A run that created the root and committed nothing removes what it created. */
  async close(): Promise<void> {
    await this.#lock?.release();
    this.#lock = undefined;
    if (this.#created !== undefined && !this.#committed) await rm(this.#created, { recursive: true, force: true });
  }

  /** Commits a new state: the one step that makes a new version current. */
  async commit(state: State): Promise<void> {
    if (await writeState(this.layout.state, state)) this.changed.push(this.layout.state);
    this.#state = state;
    this.#committed = true;
  }

  /**
   * Writes every derived file from the state, each atomically and only when its
   * content changes: exports first (so a new version is exported before any menu
   * names it), then menus, then the NAME symlinks.
   */
  async derive(): Promise<void> {
    const state = this.state;
    await this.#writeExports(state);
    failpoint('after-exports');
    await this.#writeMenus(state);
    failpoint('after-menus');
    await this.#writeLinks(state);
  }

  async #writeExports(state: State): Promise<void> {
    const file = this.options.exportsFile;
    const before = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw ioError(file, 'cannot read exports file', e);
    });
    const { text, covered } = syncExports(before ?? '', file, wantedExports(state));
    for (const c of covered) this.options.onWarning?.({ code: 'ISO_QUIRK', message: c });
    if (before === undefined && text === '') return;
    if (await writeFileAtomic(file, text)) {
      this.changed.push(file);
      if (this.options.reload) await this.#reloadExports();
    }
  }

  async #reloadExports(): Promise<void> {
    try {
      const { stderr } = await promisify(execFile)('exportfs', ['-ra'], { timeout: 60_000 });
      this.options.onNote?.(`exportfs -ra: ok${stderr.trim() ? ` (${stderr.trim().replace(/\n/g, '; ')})` : ''}`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') this.options.onNote?.('exportfs not found: install nfs-kernel-server, then run exportfs -ra');
      else throw new PxeError('IO', `exportfs -ra failed: ${(err.stderr ?? err.message).trim().replace(/\n/g, '; ')}`);
    }
  }

  async #writeMenus(state: State): Promise<void> {
    const model = menuModel(state, this.layout, this.options.menu);
    const serial = this.options.menu.serial;
    const menus = renderMenus(model, { serial });
    const included = renderMenus(model, { standalone: false, serial });
    const targets = [
      { full: this.layout.pxelinuxDefault, include: this.layout.pxelinuxInclude, text: menus.pxelinux, part: included.pxelinux, how: 'INCLUDE pxelinux.cfg/pxe-import.menu' },
      { full: this.layout.grubConfig, include: this.layout.grubInclude, text: menus.grub, part: included.grub, how: 'source /grub/pxe-import.cfg' },
      { full: this.layout.ipxeScript, include: this.layout.ipxeInclude, text: menus.ipxe, part: menus.ipxe, how: 'chain pxe-import.ipxe' },
    ];
    for (const t of targets) {
      const existing = await readFile(t.full, 'utf8').catch(() => undefined);
      if (existing !== undefined && !isGeneratedByUs(existing)) {
        // Never overwrite a file the admin wrote: write ours beside it and say how to use it.
        if (await writeFileAtomic(t.include, t.part)) {
          this.changed.push(t.include);
          this.options.onNote?.(`${t.full} was not written by pxe-import and is left alone; add this line to it: ${t.how}`);
        }
        continue;
      }
      if (await writeFileAtomic(t.full, t.text)) this.changed.push(t.full);
    }
    await this.#writeHostFiles(model, serial);
  }

  /**
   * Per-machine files (src/menus/hosts.ts), each written only when it changes; ours that no
   * assignment wants any more are removed. A same-named file pxe-import did not write is never
   * touched: that machine keeps the admin's file, and a note says so.
   */
  async #writeHostFiles(model: MenuModel, serial: MenuSettings['serial']): Promise<void> {
    const { files, unresolved } = renderHostFiles(model, { serial });
    // Said on every run until fixed: a re-import that dropped an assigned entry must not go unnoticed.
    for (const n of unresolved) {
      if (this.#noted.has(n)) continue; // derive() runs twice in most commands (repair, then after the commit)
      this.#noted.add(n);
      this.options.onNote?.(n);
    }
    const wanted = new Set(files.map((f) => f.path));
    for (const f of files) {
      const full = join(this.options.root, f.path);
      const existing = await readFile(full, 'utf8').catch(() => undefined);
      if (existing !== undefined && !isGeneratedByUs(existing)) {
        this.options.onNote?.(`${full} was not written by pxe-import and is left alone; that machine keeps it`);
        continue;
      }
      if (await writeFileAtomic(full, f.text)) this.changed.push(full);
    }
    for (const [loader, dir] of Object.entries(HOST_FILE_DIRS) as [keyof typeof HOST_FILE_DIRS, string][]) {
      for (const name of await readdir(join(this.options.root, dir)).catch(() => [] as string[])) {
        if (!isHostFileName(loader, name) || wanted.has(`${dir}/${name}`)) continue;
        const full = join(this.options.root, dir, name);
        const text = await readFile(full, 'utf8').catch(() => undefined);
        if (text === undefined || !isGeneratedByUs(text)) continue;
        await rm(full, { force: true });
        this.changed.push(full);
      }
    }
  }

  async #writeLinks(state: State): Promise<void> {
    for (const [name, r] of Object.entries(state.imports)) {
      const link = this.layout.link(name);
      const existing = await lstat(link).catch(() => undefined);
      if (existing && !existing.isSymbolicLink()) {
        throw new PxeError('TARGET_EXISTS', `${link}: exists and is not pxe-import's symlink; move it away or import under another name`, { file: link });
      }
      if (await replaceSymlink(link, this.layout.treePath(name, r.version))) this.changed.push(link);
    }
    // Links of names no longer imported, but only those that point into our versions.
    for (const entry of await readdir(this.options.root, { withFileTypes: true })) {
      if (!entry.isSymbolicLink() || state.imports[entry.name]) continue;
      const target = await readlink(join(this.options.root, entry.name)).catch(() => '');
      if (target.startsWith('.pxe-import/versions/')) {
        await rm(join(this.options.root, entry.name), { force: true });
        this.changed.push(join(this.options.root, entry.name));
      }
    }
  }

  /** Removes trees no state entry refers to: versions past retention, removed names, leftovers of killed runs. */
  async prune(): Promise<void> {
    const versions = join(this.layout.meta, 'versions');
    for (const name of await readdir(versions).catch(() => [] as string[])) {
      const r = this.state.imports[name];
      const keep = new Set(r ? [r.version, ...r.retained.map((v) => v.version)] : []);
      const dir = this.layout.versionsOf(name);
      for (const v of await readdir(dir).catch(() => [] as string[])) {
        if (keep.has(v)) continue;
        await removeTree(join(dir, v));
        this.changed.push(join(dir, v));
      }
      if (!r) await rm(dir, { recursive: true, force: true });
    }
  }
}

/** One stage of an import, as the CLI's task list shows it. */
export interface ImportStep {
  readonly title: string;
  /** A reason to skip (shown by the task list), or false. */
  readonly skip: () => string | false;
  /** `progress` receives bytes done and total while a long step runs. */
  readonly run: (progress: (done: number, total: number) => void) => Promise<void>;
}

/**
 * `pxe-import IMAGE --as NAME`, as an ordered list of steps. Running them in order is
 * the import; `importImage` does exactly that, and the CLI shows them as a task list.
 * Order matters for crash safety: the new tree is complete before state.json names it,
 * and state.json is written before any derived file (exports, menus, link) points at it.
 */
export class ImportSession {
  readonly name: string;
  readonly root: PxeRoot;
  source: SourceIdentity | undefined;
  previous: ImportRecord | undefined;
  unchanged = false;
  /** Unchanged image, but served from another address: same tree, command lines planned again. */
  replan = false;
  image: IsoImage | undefined;
  analysis: Analysis | undefined;
  version: string | undefined;
  record: ImportRecord | undefined;

  constructor(readonly options: ImportOptions) {
    this.name = checkName(options.name);
    this.root = new PxeRoot(options);
  }

  get steps(): ImportStep[] {
    const o = this.options;
    const skipIfUnchanged = () => (this.unchanged ? 'unchanged: same size, time and volume descriptors' : false);
    return [
      // The image first: a missing or invalid ISO must fail before anything is written.
      { title: `Inspect ${o.image}`, skip: () => false, run: () => this.#identify() },
      {
        title: `Prepare ${o.root} (lock, repair interrupted runs)`,
        skip: () => false,
        run: async () => {
          await this.root.open();
          await this.#compare(this.root.state);
        },
      },
      {
        title: 'Detect the distribution and plan boot entries',
        skip: () => (this.replan ? false : skipIfUnchanged()),
        run: () => this.#detect(),
      },
      {
        title: `Extract into ${o.root}/.pxe-import/versions/${this.name}/`,
        skip: skipIfUnchanged,
        run: async (progress) => {
          await placeTree(this.image!, this.analysis!, this.root.layout, this.name, this.version!, o, progress);
          failpoint('after-extract');
        },
      },
      { title: `Switch ${this.name} to the new version (state, exports, menus, link)`, skip: () => false, run: () => this.#switch() },
      {
        title: 'Remove versions past retention',
        skip: skipIfUnchanged,
        run: () => {
          failpoint('before-prune');
          return this.root.prune();
        },
      },
    ];
  }

  async #identify(): Promise<void> {
    this.source = await identify(this.options.image);
  }

  /** Whether the image is what the state already holds (and its tree is still there). */
  async #compare(state: State): Promise<void> {
    if (state.chains?.[this.name]) {
      throw new PxeError('USAGE', `--as: "${this.name}" is the name of a chain entry (pxe-import chain list); import under another name`);
    }
    this.previous = state.imports[this.name];
    this.unchanged =
      this.previous !== undefined &&
      !this.options.force &&
      sameSource(this.previous.source, this.source!) &&
      (await exists(this.root.layout.version(this.name, this.previous.version)));
    const served = this.previous?.served;
    this.replan = this.unchanged && (served?.server !== this.options.server || served.httpBase !== this.options.menu.httpBase);
  }

  /** For --dry-run: what the import would do, read without the lock, nothing written. */
  async preview(): Promise<void> {
    await this.#identify();
    await this.#compare(await readState(this.root.layout.state));
    if (!this.unchanged || this.replan) await this.#detect();
  }

  async #detect(): Promise<void> {
    const o = this.options;
    this.image = await openIsoImage(o.image, { onWarning: o.onWarning });
    this.version = this.replan
      ? this.previous!.version
      : versionId(new Date(), this.source!.fingerprint, (id) => existsSync(this.root.layout.version(this.name, id)));
    const exportPath = this.root.layout.version(this.name, this.version);
    const httpRoot = o.menu.httpBase ?? `http://${o.server}/`;
    this.analysis = await analyzeImage(this.image, {
      profiles: o.profiles,
      // Planning again for the tree already on disk: it was laid out for the recorded profile.
      profileId: this.replan ? this.previous!.profile.id : o.profileId,
      serve: { name: this.name, server: o.server, exportPath, httpBase: `${httpRoot}${this.root.layout.treePath(this.name, this.version)}/` },
    });
    if (this.analysis.match.profile.method === 'sanboot' && o.menu.httpBase === undefined) {
      throw new PxeError('USAGE', `${o.image}: profile ${this.analysis.match.profile.id} needs --http-base URL (or httpBase in the config file): iPXE's sanboot reads the ISO over HTTP`);
    }
    for (const w of this.analysis.plan.warnings) o.onWarning?.(w);
  }

  async #switch(): Promise<void> {
    const o = this.options;
    if (this.unchanged) {
      // Nothing new to extract; new clients, a new label or a new server address still take effect.
      const previous = this.previous!;
      this.record = {
        ...previous,
        label: o.label ?? previous.label,
        clients: o.clients,
        ...(this.replan ? { entries: this.analysis!.plan.entries, served: { server: o.server, httpBase: o.menu.httpBase } } : {}),
      };
      if (JSON.stringify(this.record) !== JSON.stringify(previous)) {
        await this.root.commit(withImport(this.root.state, this.record));
        await this.root.derive();
      }
      return;
    }
    const { analysis, previous } = this;
    const retained = previous
      ? [{ version: previous.version, exportPath: previous.exportPath, nfs: previous.entries.some((e) => e.nfs !== undefined && e.method === 'linux') }, ...previous.retained].slice(0, o.retention)
      : [];
    this.record = {
      name: this.name,
      label: o.label ?? analysis!.match.release ?? (this.image!.volume.volumeId || this.name),
      source: this.source!,
      profile: { id: analysis!.match.profile.id, family: analysis!.match.profile.family, release: analysis!.match.release },
      version: this.version!,
      exportPath: this.root.layout.version(this.name, this.version!),
      clients: o.clients,
      served: { server: o.server, httpBase: o.menu.httpBase },
      entries: analysis!.plan.entries,
      retained,
      importedAt: new Date().toISOString(),
    };
    await this.root.commit(withImport(this.root.state, this.record));
    failpoint('after-commit');
    await this.root.derive();
  }

  /** Releases the lock and the image; always call it, also after a failure. */
  async close(): Promise<void> {
    await this.image?.source.close();
    this.image = undefined;
    await this.root.close();
  }

  result(): ImportResult {
    return { name: this.name, action: this.unchanged ? 'unchanged' : 'imported', record: this.record!, analysis: this.analysis, changed: this.root.changed };
  }
}

/** `pxe-import IMAGE --as NAME` without a task list: the steps in order. */
export async function importImage(options: ImportOptions): Promise<ImportResult> {
  const session = new ImportSession(options);
  try {
    for (const s of session.steps) if (!s.skip()) await s.run(() => {});
    return session.result();
  } finally {
    await session.close();
  }
}

/** Runs `change` on an opened root (locked, repaired) and always closes it. */
export async function withRoot<T>(options: RootOptions, change: (root: PxeRoot) => Promise<T>): Promise<T> {
  const root = new PxeRoot(options);
  await root.open();
  try {
    return await change(root);
  } finally {
    await root.close();
  }
}

/**
 * Removes an import: its menus entries, its exports lines, its link and all its versions.
 * Machines assigned to it (pxe-import host) make this a usage error naming them, unless
 * `dropHosts` is set: then their assignments go too, so no machine silently falls back to the menu.
 */
export async function removeImport(name: string, options: RootOptions & { dropHosts?: boolean }): Promise<{ removed: boolean; changed: readonly string[]; droppedHosts: readonly string[] }> {
  const root = new PxeRoot(options);
  await root.open();
  try {
    if (!root.state.imports[name]) return { removed: false, changed: root.changed, droppedHosts: [] };
    const hosts = hostsUsing(root.state, name).map((h) => h.mac);
    if (hosts.length > 0 && !options.dropHosts) {
      throw new PxeError('USAGE', `${root.layout.state}: ${name} is assigned to ${hosts.join(', ')}; remove them first (pxe-import host remove MAC) or pass --drop-hosts`, {
        file: root.layout.state,
      });
    }
    await root.commit(withoutImport(withoutHosts(root.state, hosts), name));
    await root.derive();
    await root.prune();
    return { removed: true, changed: root.changed, droppedHosts: hosts };
  } finally {
    await root.close();
  }
}

/** Extracts the tree (or, for memdisk and sanboot, copies the ISO) into the version directory, atomically. */
async function placeTree(
  image: IsoImage,
  analysis: Analysis,
  layout: Layout,
  name: string,
  version: string,
  options: ImportOptions,
  progress: (done: number, total: number) => void,
): Promise<void> {
  const target = layout.version(name, version);
  await mkdir(dirname(target), { recursive: true });
  if (analysis.match.profile.method !== 'linux') {
    const partial = `${target}.partial`;
    await mkdir(partial, { recursive: true });
    try {
      await copyFile(options.image, join(partial, `${name}.iso`), constants.COPYFILE_FICLONE);
      await rename(partial, target);
    } catch (e) {
      await removeTree(partial);
      throw ioError(target, 'cannot copy the image', e);
    }
    return;
  }
  await extractImageTo(image, target, {
    onWarning: options.onWarning,
    signal: options.signal,
    onProgress: (p) => progress(p.bytesDone, p.bytesTotal),
  });
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
