import { PxeError } from '../errors.js';
import type { RootRequest } from './apply.js';
import { RootSession } from './session.js';
import { hostsUsing, withoutHosts, withoutImport } from './state.js';

export interface RemoveResult {
  readonly changed: readonly string[];
  /** MACs whose assignment went with the import (--drop-hosts). */
  readonly droppedHosts: readonly string[];
}

/**
 * Removes an import: its menu entries, exports lines, link and all its versions. Machines assigned
 * to it (pxe-import host) make this a usage error naming them, unless `dropHosts`: then their
 * assignments go too, so no machine silently falls back to the menu.
 */
export async function removeImport(options: RootRequest, name: string, dropHosts: boolean): Promise<RemoveResult> {
  return RootSession.with({ ...options, needServer: false }, async (root) => {
    if (!root.state.imports[name]) throw new PxeError('USAGE', `${options.root}: no import named "${name}" (see pxe-import list)`);
    const hosts = hostsUsing(root.state, name).map((h) => h.mac);
    if (hosts.length > 0 && !dropHosts) {
      throw new PxeError('USAGE', `${root.layout.state}: ${name} is assigned to ${hosts.join(', ')}; remove them first (pxe-import host remove MAC) or pass --drop-hosts`, {
        file: root.layout.state,
      });
    }
    await root.commit(withoutImport(withoutHosts(root.state, hosts), name));
    await root.derive();
    await root.prune();
    return { changed: root.changed, droppedHosts: hosts };
  });
}
