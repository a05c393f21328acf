/**
 * One small state for the pure tests of what is derived from a state (menus and files, serve's
 * answers): an import "demo" of one casper entry under /srv/pxe, with one retained version.
 */
import { Layout } from '../../src/import/layout.js';
import type { MenuSettings } from '../../src/import/settings.js';
import type { ImportRecord, State } from '../../src/import/state.js';
import type { BootEntry } from '../../src/profiles/boot-entry.js';

export const layout = new Layout('/srv/pxe');
export const menu: MenuSettings = { title: 'PXE boot menu', timeoutSeconds: 10, defaultEntry: 'local', serial: undefined };
/** The current version, and the retained one. */
export const V = '20261122T035300Z-3fa2b1c9';
export const OLD = '20261121T035300Z-0badf00d';

export const entry: BootEntry = {
  id: 'live',
  label: 'Live',
  method: 'linux',
  kernel: 'casper/vmlinuz',
  initrds: ['casper/initrd'],
  nfs: `boot=casper netboot=nfs nfsroot=192.0.2.10:/srv/pxe/.pxe-import/versions/demo/${V} ip=dhcp`,
  http: undefined,
  isDefault: true,
  origin: { kind: 'profile' },
  sysappend: 0,
};

export const record: ImportRecord = {
  name: 'demo',
  label: 'Demo',
  source: { path: '/isos/demo.iso', size: 1, mtimeMs: 1, fingerprint: '3fa2b1c9' },
  profile: { id: 'casper', family: 'casper', release: undefined },
  version: V,
  exportPath: `/srv/pxe/.pxe-import/versions/demo/${V}`,
  clients: ['192.0.2.0/24'],
  served: { server: '192.0.2.10', httpBase: undefined },
  entries: [entry],
  retained: [{ version: OLD, exportPath: `/srv/pxe/.pxe-import/versions/demo/${OLD}`, nfs: true }],
  importedAt: '2026-11-22T03:53:00.000Z',
};

export const state: State = { format: 1, imports: { demo: record } };
