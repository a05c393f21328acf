import type { Warning } from '../errors.js';
import type { BootEntry, ServeContext } from '../profiles/index.js';
import type { Layout } from './layout.js';

/**
 * Where an import's tree is served from: what its command-line templates are filled with.
 * The one place it is computed, for the import's plan and for `inspect`'s preview, so the
 * command lines `inspect` shows are the ones the menus get.
 *
 * `version` names the real version directory (exportfs resolves symlinks, so the NFS path must
 * be the real one); `undefined` previews a tree not imported yet through the ROOT/NAME link.
 */
export function serveContext(layout: Layout, name: string, server: string, httpBase: string | undefined, version: string | undefined): ServeContext {
  const httpRoot = httpBase ?? `http://${server}/`;
  if (version === undefined) return { name, server, exportPath: layout.link(name), httpBase: `${httpRoot}${name}/` };
  return { name, server, exportPath: layout.version(name, version), httpBase: `${httpRoot}${layout.treePath(name, version)}/` };
}

/**
 * Entries whose menus boot over HTTP (the family has no NFS line) need the PXE root served over
 * HTTP. Without --http-base (or httpBase in the config file) their command lines name
 * http://SERVER/, derived from the server address: said once, so an admin whose HTTP server is
 * elsewhere (or absent) learns it at import time, not from a client stuck in its initramfs.
 */
export function httpBaseWarnings(name: string, entries: readonly BootEntry[], server: string, httpBase: string | undefined): Warning[] {
  if (httpBase !== undefined) return [];
  // Only lines that name the assumed base depend on it (Proxmox's line names no URL at all).
  const httpOnly = entries.filter((e) => e.method === 'linux' && e.nfs === undefined && e.http !== undefined && e.http.includes(`http://${server}`));
  if (httpOnly.length === 0) return [];
  return [
    {
      code: 'HTTP_BASE_DERIVED',
      message: `${name}: ${httpOnly.length === entries.length ? 'its entries boot' : `${httpOnly.length} of its ${entries.length} entries boot`} over HTTP only and no HTTP base is set, so their command lines assume http://${server}/ serves the PXE root; serve it there, or pass --http-base URL (httpBase in the config file)`,
    },
  ];
}
