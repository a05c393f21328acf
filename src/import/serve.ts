import type { ServeContext } from '../profiles/index.js';
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
