/**
 * serve's NFS check: the kernel NFS server must serve every version the state exports, or the
 * families that boot over NFS will not boot. `exportfs -s` lists what the kernel serves now (in
 * exports(5) syntax, parsed with the exports parser); a version the state exports and the kernel
 * does not is missing. When some are, serve runs `exportfs -ra` once (an import made without
 * --reload) and checks again; what is still missing, or an NFS server that does not run, is a
 * warning line, never a stop: HTTP and TFTP still serve.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseExports } from '../exports/index.js';
import { deriveFiles } from './derived.js';
import type { Layout } from './layout.js';
import type { MenuSettings } from './settings.js';
import type { State } from './state.js';

/** The exported paths of `wanted` that `exportfs -s` output does not list (pure). */
export function missingExports(wanted: readonly string[], exportfsOutput: string): string[] {
  const served = new Set(parseExports(exportfsOutput, 'exportfs -s').lines.flatMap((l) => (l.kind === 'entry' ? [l.path.replace(/\/+$/, '')] : [])));
  return wanted.filter((p) => !served.has(p.replace(/\/+$/, '')));
}

type Run = (args: readonly string[]) => Promise<string>;
const runExportfs: Run = async (args) => (await promisify(execFile)('exportfs', [...args], { timeout: 60_000 })).stdout;

/**
 * Checks the state's exports against the kernel's, reloading once when some are missing; says
 * what is wrong through `warn` (nothing when all is well, or when nothing is exported over NFS).
 */
export async function checkNfsExports(state: State, layout: Layout, menu: MenuSettings, warn: (line: string) => void, note: (line: string) => void, run: Run = runExportfs): Promise<void> {
  const wanted = deriveFiles(state, layout, menu).exports.map((l) => l.path);
  if (wanted.length === 0) return;
  const serving = async (): Promise<string[] | undefined> => {
    try {
      return missingExports(wanted, await run(['-s']));
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      const why = err.code === 'ENOENT' ? 'exportfs is not installed (nfs-kernel-server)' : `exportfs -s failed: ${(err.stderr ?? err.message).trim().replace(/\n/g, '; ')}`;
      warn(`NFS: ${why}: the kernel NFS server does not serve this root; entries that boot over NFS will not boot`);
      return undefined;
    }
  };
  let missing = await serving();
  if (missing === undefined || missing.length === 0) return;
  try {
    await run(['-ra']);
    note(`NFS: ${missing.length} exported version(s) not served yet: ran exportfs -ra`);
  } catch (e) {
    warn(`NFS: exportfs -ra failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim().replace(/\n/g, '; ')}`);
  }
  missing = await serving();
  if (missing && missing.length > 0) {
    warn(`NFS: the kernel NFS server does not serve ${missing.join(', ')} (is nfs-server running, and does /etc/exports.d hold this root's exports file?): entries that boot over NFS from them will not boot`);
  }
}
