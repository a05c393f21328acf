import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './cli.js';

/**
 * Every file pxe-import keeps outside the trees, with its inode and mtime: to prove a
 * re-run touches nothing. Directories are compared by their listing, not their mtime:
 * the lock file is created and removed in .pxe-import on every run.
 */
export async function snapshotOutsideTrees(root: string, extra: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (p.includes('/.pxe-import/versions/')) continue;
      const st = await lstat(p);
      if (e.isDirectory()) {
        out.set(p, `dir ${(await readdir(p)).sort().join(' ')}`);
      } else {
        const content = e.isSymbolicLink() ? `-> ${await readlink(p)}` : await readFile(p, 'utf8');
        out.set(p, `${st.ino} ${st.mtimeMs} ${content}`);
      }
      if (e.isDirectory() && !p.endsWith('/.pxe-import/versions')) await visit(p);
    }
  };
  await visit(root);
  for (const f of extra) {
    const st = await lstat(f);
    out.set(f, `${st.ino} ${st.mtimeMs} ${await readFile(f, 'utf8')}`);
  }
  return out;
}

/** Replaces version ids ("20261122T035300Z-3fa2b1c9") so golden files do not depend on the clock. */
export function stableVersions(text: string): string {
  return text.replace(/\d{8}T\d{6}Z-[0-9a-f]{8}/g, 'VERSION');
}

/**
 * A copy of `image` with another volume id in its primary volume descriptor: to pxe-import, a
 * new release of the same image (a new version when imported under the same name).
 */
export async function newRelease(image: string, path: string, n: number): Promise<string> {
  const bytes = await readFile(image);
  const pvdVolumeId = 16 * 2048 + 40;
  bytes.write(`PXEIMPORT_DEMO_2_${n}`.padEnd(32, ' '), pvdVolumeId, 'latin1');
  await writeFile(path, bytes);
  return path;
}

/** What clients are served from a root: the NAME links, the menus and the exports file, as text. */
export async function servedFiles(root: string, exportsFile: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (e.isSymbolicLink()) out[e.name] = `-> ${await readlink(join(root, e.name))}`;
  }
  for (const menu of ['pxelinux.cfg/default', 'grub/grub.cfg', 'boot.ipxe']) out[menu] = await readFile(join(root, menu), 'utf8').catch(() => undefined);
  out.exports = await readFile(exportsFile, 'utf8').catch(() => undefined);
  return out;
}

/** What a run may leave only while it runs: staging trees (`.partial`) and the lock, anywhere in the root. */
export async function runLeftovers(root: string): Promise<string[]> {
  const all = (await readdir(root, { recursive: true }).catch(() => [] as string[])) as string[];
  return all.filter((p) => /\.partial/.test(p) || p === '.pxe-import/lock' || /\.tmp-\d+-/.test(p));
}

/**
 * Whatever stopped a run: the version of `name` served before, and the ones its link and the
 * pxelinux menu name, are complete trees (they hold casper/vmlinuz: the demo ISO's layout) and
 * exported. Returns the version the link names.
 */
export async function assertServedWhole(root: string, exportsFile: string, name: string, previous: string): Promise<string> {
  const served = (await readlink(join(root, name))).split('/').pop()!;
  const pxelinux = await readFile(join(root, 'pxelinux.cfg/default'), 'utf8');
  const menuVersion = new RegExp(`versions/${name}/([^/]+)/`).exec(pxelinux)![1]!;
  const exportsText = await readFile(exportsFile, 'utf8');
  for (const v of new Set([previous, served, menuVersion])) {
    assert.ok(existsSync(join(root, '.pxe-import/versions', name, v, 'casper/vmlinuz')), `${v} is complete`);
    assert.ok(exportsText.includes(`${name} ${v}`), `${v} is exported`);
  }
  return served;
}

/**
 * Runs a command on ROOT that must be refused: exit 2, one line of stderr matching `pattern`, and
 * no file outside the version trees (nor `exportsFile`) changed.
 */
export async function assertRefused(root: string, exportsFile: string, args: readonly string[], pattern: RegExp): Promise<void> {
  const snapshot = await snapshotOutsideTrees(root, [exportsFile]);
  const r = await runCli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.deepEqual(await snapshotOutsideTrees(root, [exportsFile]), snapshot, 'a refused command changed files');
}
