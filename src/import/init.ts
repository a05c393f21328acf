import { lstat, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PxeError } from '../errors.js';
import { LOADER_FILES, packageHint, type LoaderFile, type LoaderRole } from '../loaders/catalogue.js';
import type { RootRequest } from './apply.js';
import { writeFileAtomic } from './fs-atomic.js';
import { RootSession } from './session.js';

/**
 * `pxe-import init`: copies this system's boot-loader files into the PXE root and writes the
 * starter menus. Planned first (nothing is written while any file would be refused), applied
 * under the root's lock, each file through a temporary file and a rename. A second run finds
 * every file identical and changes nothing.
 */

export interface InitOptions {
  readonly root: RootRequest;
  /**
   * Look for the loader files under this directory instead of "/": a chroot or mounted image of
   * the distribution to serve from, or (in the tests) a prepared folder. Default "/".
   */
  readonly sysroot: string;
  /** WARNING: replaces boot-loader files in the root that differ from this system's, including ones an admin put there. */
  readonly force: boolean;
}

export type LoaderAction = 'copied' | 'replaced' | 'unchanged' | 'missing' | 'skipped';

export interface LoaderOutcome {
  readonly name: string;
  readonly role: LoaderRole;
  readonly action: LoaderAction;
  /** The system file it came from (copied, replaced, unchanged). */
  readonly from?: string;
  /** What to install (missing, skipped). */
  readonly install?: string;
  readonly purpose: string;
}

export interface InitResult {
  readonly root: string;
  readonly loaders: readonly LoaderOutcome[];
  /** Every file written: loaders, state, menus. */
  readonly changed: readonly string[];
}

interface PlannedCopy {
  readonly file: LoaderFile;
  readonly from: string;
  readonly bytes: Buffer;
  readonly target: string;
  readonly action: 'copied' | 'replaced' | 'unchanged';
}

export async function initRoot(options: InitOptions): Promise<InitResult> {
  // A mistyped --sysroot would find no loader and report them all "missing": refuse it instead.
  const sys = await stat(options.sysroot).catch(() => undefined);
  if (!sys?.isDirectory()) throw new PxeError('USAGE', `--sysroot: ${options.sysroot} is not a directory`, { file: options.sysroot });
  return RootSession.with({ ...options.root, needServer: false }, async (pxe) => {
    const { copies, outcomes } = await planLoaders(options);
    for (const c of copies) {
      if (c.action === 'unchanged') continue;
      await writeFileAtomic(c.target, c.bytes);
      pxe.changed.push(c.target);
    }
    // An empty state renders menus with only "boot from local disk"; imports later update them.
    await pxe.commit(pxe.state);
    await pxe.derive();
    return { root: options.root.root, loaders: outcomes, changed: pxe.changed };
  });
}

/** What init would do with each loader file; throws before anything is written when a file would be refused. */
async function planLoaders(options: InitOptions): Promise<{ copies: PlannedCopy[]; outcomes: LoaderOutcome[] }> {
  const copies: PlannedCopy[] = [];
  const outcomes: LoaderOutcome[] = [];
  const refused: string[] = [];
  for (const file of LOADER_FILES) {
    const found = await findSource(file, options.sysroot);
    if (!found) {
      outcomes.push({ name: file.name, role: file.role, action: file.optional ? 'skipped' : 'missing', install: packageHint(file), purpose: file.purpose });
      continue;
    }
    const target = join(options.root.root, file.name);
    const existing = await lstat(target).catch(() => undefined);
    let action: PlannedCopy['action'] = 'copied';
    if (existing) {
      if (existing.isDirectory()) throw new PxeError('TARGET_EXISTS', `${target}: is a directory where the boot-loader file ${file.name} belongs; move it away`, { file: target });
      const same = existing.isFile() && (await readFile(target).catch(() => undefined))?.equals(found.bytes);
      action = same ? 'unchanged' : 'replaced';
      if (!same && !options.force) refused.push(target);
    }
    copies.push({ file, from: found.path, bytes: found.bytes, target, action });
    outcomes.push({ name: file.name, role: file.role, action, from: found.path, purpose: file.purpose });
  }
  if (refused.length > 0) {
    const more = refused.length > 1 ? ` (and ${refused.length - 1} more: ${refused.slice(1).map((r) => basename(r)).join(', ')})` : '';
    throw new PxeError('TARGET_EXISTS', `${refused[0]}: exists and differs from this system's copy${more}; pass --force to replace it`, { file: refused[0] });
  }
  return { copies, outcomes };
}

async function findSource(file: LoaderFile, sysroot: string): Promise<{ path: string; bytes: Buffer } | undefined> {
  for (const s of file.sources) {
    const path = join(sysroot, s.path);
    const st = await lstat(path).catch(() => undefined);
    // Debian's paths are often symlinks into /usr/lib/…; a link that resolves to a file counts.
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes) return { path, bytes };
  }
  return undefined;
}

