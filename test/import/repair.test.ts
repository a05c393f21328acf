/**
 * `pxe-import repair`'s pure parts, in-process: which version is served and which are kept, the
 * state rebuilt from trees (the demo ISO's real view, and in-memory views), the previous state
 * restored less what is gone; and the edge that reads an extracted tree, which must give the view
 * (hence the entries) the image gave.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { extractImageTo } from '../../src/extract/atomic.js';
import { identify } from '../../src/import/identify.js';
import { compareVersionIds, isVersionId, Layout, versionTime } from '../../src/import/layout.js';
import { needsTreeView, planImport, type ImportRequest } from '../../src/import/plan.js';
import { orderVersions, rebuildState, restorePrevious, type RepairFacts, type VersionOnDisk } from '../../src/import/repair.js';
import { serveContext } from '../../src/import/serve.js';
import { resolveSettings, type HostNetwork } from '../../src/import/settings.js';
import { EMPTY_STATE, isUnknownSource, parseState, renderState, type State } from '../../src/import/state.js';
import { treeViewOfDirectory } from '../../src/import/tree-dir.js';
import { openIsoImage, type IsoImage } from '../../src/iso9660/image.js';
import { analyzeView, loadProfiles, treeViewOf, type Profile, type TreeView } from '../../src/profiles/index.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const DEMO = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const ROOT = '/srv/pxe';
const V1 = '20261122T035300Z-3fa2b1c9';
const V2 = '20261123T101500Z-0badf00d';
const V3 = '20261124T000000Z-3fa2b1c9';
const network: HostNetwork = { primaryIpv4: () => '198.51.100.7', subnetOf: () => '198.51.100.0/24' };
const flags = { server: '192.0.2.10', clients: '192.0.2.0/24', exportsFile: '/etc/exports.d/pxe-import.exports' };

let image: IsoImage;
let view: TreeView;
let profiles: Profile[];
let work: string;

before(async () => {
  image = await openIsoImage(DEMO);
  view = await treeViewOf(image);
  profiles = await loadProfiles();
  work = await tempDir('pxe-import-repair-');
});
after(async () => {
  await image?.source.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function facts(versions: VersionOnDisk[], options: { links?: Record<string, string>; recorded?: State; settings?: typeof flags & { httpBase?: string } } = {}): RepairFacts {
  const recorded = options.recorded ? { state: options.recorded, file: `${ROOT}/.pxe-import/state.json.prev` } : undefined;
  return {
    root: ROOT,
    versions,
    links: new Map(Object.entries(options.links ?? {})),
    recorded,
    settings: resolveSettings(options.settings ?? flags, {}, recorded?.state.settings, network),
    profiles,
  };
}

const tree = (name: string, version: string): VersionOnDisk => ({ name, version, view });

describe('version ids', () => {
  test('sort by their time, then by the ".N" a --force re-import in the same second gets', () => {
    const ids = [`${V1}.10`, V2, V1, `${V1}.2`];
    assert.deepEqual([...ids].sort(compareVersionIds), [V1, `${V1}.2`, `${V1}.10`, V2]);
    assert.equal(versionTime(V1)?.toISOString(), '2026-11-22T03:53:00.000Z');
    assert.equal(isVersionId('mine'), false);
    assert.equal(versionTime('mine'), undefined);
  });

  test('the ROOT/NAME link decides which version is served; the others follow newest first', () => {
    assert.deepEqual(orderVersions([V1, V3, V2], undefined), [V3, V2, V1]);
    assert.deepEqual(orderVersions([V1, V3, V2], V1), [V1, V3, V2]);
    assert.deepEqual(orderVersions([V1, V2], V3), [V2, V1], 'a link to a version that is not there is no help');
  });
});

describe('rebuildState', () => {
  test('serves the linked version, keeps every other one, and plans each one\'s entries as an import would', () => {
    const plan = rebuildState(facts([tree('demo', V1), tree('demo', V2), tree('demo', V3)], { links: { demo: V2 } }));
    assert.equal(plan.from, 'versions');
    const r = plan.state.imports.demo!;
    assert.equal(r.version, V2);
    assert.deepEqual(r.retained, [
      { version: V3, exportPath: `${ROOT}/.pxe-import/versions/demo/${V3}`, nfs: true },
      { version: V1, exportPath: `${ROOT}/.pxe-import/versions/demo/${V1}`, nfs: true },
    ]);
    assert.equal(r.profile.id, 'casper');
    // The very entries a first import of the image computes for this version.
    const imported = analyzeView(view, DEMO, { profiles, serve: serveContext(new Layout(ROOT), 'demo', flags.server, undefined, V2) });
    assert.deepEqual(r.entries, imported.plan.entries);
    assert.equal(r.label, imported.match.release ?? 'demo');
    assert.equal(r.importedAt, '2026-11-23T10:15:00.000Z', 'the time is the version id\'s');
    assert.ok(isUnknownSource(r.source));
    assert.deepEqual(plan.state.settings, { server: flags.server, clients: [flags.clients], httpBase: undefined, exportsFile: flags.exportsFile });
    assert.match(plan.notes.join('\n'), /demo: serves version 20261123T101500Z-0badf00d \(the demo link's, casper, 2 entries\), keeps 20261124T000000Z-3fa2b1c9, 20261122T035300Z-3fa2b1c9; its image is unknown/);
  });

  test('without a link the newest is served', () => {
    assert.equal(rebuildState(facts([tree('demo', V1), tree('demo', V3)])).state.imports.demo!.version, V3);
  });

  test('takes over the recorded record of the very version it serves, and the machines and chain entries', () => {
    const first = rebuildState(facts([tree('demo', V1)]));
    const recorded: State = {
      ...first.state,
      imports: { demo: { ...first.state.imports.demo!, label: 'My demo', source: { path: '/srv/iso/demo.iso', size: 1, mtimeMs: 2, fingerprint: 'ab' } } },
      hosts: { '52:54:00:12:34:56': { mac: '52:54:00:12:34:56', import: 'demo', entry: undefined, append: '' } },
      chains: { 'd-i': { name: 'd-i', label: 'D', prefix: 'd-i/' } },
    };
    const plan = rebuildState(facts([tree('demo', V1), tree('demo', V2)], { links: { demo: V1 }, recorded }));
    const r = plan.state.imports.demo!;
    assert.equal(r.label, 'My demo');
    assert.equal(r.source.path, '/srv/iso/demo.iso');
    assert.deepEqual(r.retained.map((o) => o.version), [V2], 'a tree the record did not name is kept too');
    assert.deepEqual(plan.state.hosts, recorded.hosts);
    assert.deepEqual(plan.state.chains, recorded.chains);
    // Served from another version, the record is not the recorded one: its image is unknown.
    const moved = rebuildState(facts([tree('demo', V1), tree('demo', V2)], { links: { demo: V2 }, recorded })).state.imports.demo!;
    assert.ok(isUnknownSource(moved.source));
    assert.notEqual(moved.label, 'My demo');
  });

  test('a new --server plans the recorded version\'s command lines again', () => {
    const recorded = rebuildState(facts([tree('demo', V1)])).state;
    const r = rebuildState(facts([tree('demo', V1)], { recorded, settings: { ...flags, server: '192.0.2.99' } })).state.imports.demo!;
    assert.match(r.entries[0]!.nfs!, /nfsroot=192\.0\.2\.99:/);
    assert.equal(r.served?.server, '192.0.2.99');
  });

  test('a whole-ISO version is served with memdisk, or its recorded sanboot when there is an HTTP base', () => {
    const whole: VersionOnDisk = { name: 'iso', version: V1, view, wholeIso: { size: 4096 } };
    const memdisk = rebuildState(facts([whole])).state.imports.iso!;
    assert.equal(memdisk.profile.id, 'memdisk');
    assert.equal(memdisk.entries[0]!.method, 'memdisk');
    assert.deepEqual(memdisk.entries[0]!.initrds, ['iso.iso']);
    assert.equal(memdisk.source.size, 4096, 'the RAM estimate needs the ISO\'s size');
    const http = { ...flags, httpBase: 'http://192.0.2.10/' };
    const sanbooted: State = { ...EMPTY_STATE, imports: { iso: { ...memdisk, profile: { id: 'sanboot', family: 'sanboot', release: undefined } } } };
    assert.equal(rebuildState(facts([whole], { recorded: sanbooted, settings: http })).state.imports.iso!.entries[0]!.method, 'sanboot');
    assert.equal(rebuildState(facts([whole], { recorded: sanbooted })).state.imports.iso!.profile.id, 'memdisk', 'sanboot needs an HTTP base');
  });

  test('what cannot be planned is left in place and said; a recorded import without a tree is dropped', () => {
    const recorded: State = { ...rebuildState(facts([tree('gone', V1)])).state };
    const plan = rebuildState(
      facts([tree('demo', 'mine'), tree('Bad Name', V1), { name: 'demo', version: V2, view: undefined, problem: 'EACCES' }, tree('ok', V1)], { recorded }),
    );
    assert.deepEqual(Object.keys(plan.state.imports), ['ok']);
    const notes = plan.notes.join('\n');
    assert.match(notes, /versions\/demo\/mine: left in place, not served: "mine" is not a version id/);
    assert.match(notes, /versions\/Bad Name\/20261122T035300Z-3fa2b1c9: left in place, not served: "Bad Name" is not a name/);
    assert.match(notes, /versions\/demo\/20261123T101500Z-0badf00d: left in place, not served: EACCES/);
    assert.match(notes, /gone: dropped: .*state\.json\.prev names it, but no tree of it is left/);
  });

  test('a tree no profile recognises is left in place', () => {
    const empty: VersionOnDisk = { name: 'demo', version: V1, view: { ...view, paths: [], exists: () => false, isDirectory: () => false, list: () => undefined, readText: () => undefined } };
    const plan = rebuildState(facts([empty]));
    assert.deepEqual(plan.state.imports, {});
    assert.match(plan.notes.join('\n'), /left in place, not served: .*no profile recognises/);
  });

  test('the next import of the real image makes a new version, not "unchanged"', async () => {
    const repaired = rebuildState(facts([tree('demo', V1)])).state;
    const identity = await identify(DEMO);
    const request: ImportRequest = { image: DEMO, name: 'demo', profileId: undefined, label: undefined, force: false, retention: 1 };
    const base = { root: ROOT, state: repaired, identity, settings: resolveSettings(flags, {}, repaired.settings, network), present: new Set([V1]), profiles, now: new Date('2026-11-25T00:00:00Z') };
    const plan = planImport({ ...base, tree: needsTreeView(base, request) ? { view, analyze: analyzeView } : undefined }, request);
    assert.equal(plan.action, 'new-version');
    assert.deepEqual(plan.reasons.map((r) => r.code), ['SOURCE_UNKNOWN']);
    assert.deepEqual(plan.state.imports.demo!.retained.map((r) => r.version), [V1]);
    assert.equal(plan.state.imports.demo!.source.fingerprint, identity.fingerprint);
  });
});

describe('restorePrevious', () => {
  test('drops what is gone, removes nothing, and says which trees it leaves unnamed', () => {
    const built = rebuildState(facts([tree('demo', V1), tree('demo', V2), tree('other', V1)], { links: { demo: V2 } })).state;
    const previous: State = { ...built, pruning: [`.pxe-import/versions/demo/${V3}`] };
    const plan = restorePrevious({ state: previous, file: 'state.json.prev' }, [tree('demo', V2), tree('demo', V3)]);
    assert.equal(plan.from, 'previous');
    assert.deepEqual(Object.keys(plan.state.imports), ['demo']);
    assert.deepEqual(plan.state.imports.demo!.retained, [], 'its retained version is gone');
    assert.equal(plan.state.pruning, undefined, 'the tree it was to remove stays');
    assert.deepEqual(plan.state.imports.demo!.entries, built.imports.demo!.entries);
    const notes = plan.notes.join('\n');
    assert.match(notes, /other: dropped: state\.json\.prev serves version 20261122T035300Z-3fa2b1c9, whose tree is gone/);
    assert.match(notes, /demo: retained version 20261122T035300Z-3fa2b1c9 dropped: its tree is gone/);
    assert.match(notes, /versions\/demo\/20261124T000000Z-3fa2b1c9: left in place, not named by state\.json\.prev/);
  });
});

describe('the tree view of an extracted tree', () => {
  test('gives the image\'s paths, links and texts, hence the same entries', async () => {
    const dir = join(work, 'demo');
    await extractImageTo(image, dir);
    const fromDisk = await treeViewOfDirectory(dir);
    assert.deepEqual([...fromDisk.paths].sort(), [...view.paths].sort());
    assert.equal(fromDisk.isSymlink('/ubuntu'), true);
    assert.equal(fromDisk.isDirectory('/ubuntu'), true, 'the "ubuntu -> ." link resolves as in the image');
    assert.ok(fromDisk.readText('/.disk/info'));
    for (const p of view.paths) if (!p.endsWith('/')) assert.equal(fromDisk.readText(p), view.readText(p), p);
    const serve = serveContext(new Layout(ROOT), 'demo', flags.server, undefined, V1);
    assert.deepEqual(analyzeView(fromDisk, dir, { profiles, serve }), analyzeView(view, dir, { profiles, serve }));
  });
});

describe('parseState', () => {
  test('refuses records every command would trip over, naming the import', () => {
    const file = '/srv/pxe/.pxe-import/state.json';
    const record = rebuildState(facts([tree('demo', V1)])).state.imports.demo!;
    const bad = (imports: unknown) => () => parseState(JSON.stringify({ format: 1, imports }), file);
    const refused = (re: RegExp) => (e: Error & { code?: string }) => e.code === 'STATE_INVALID' && re.test(e.message);
    assert.throws(bad({ demo: 5 }), refused(/imports\.demo: not an object; restore it from .*state\.json\.prev or run pxe-import repair$/));
    assert.throws(bad({ demo: {} }), refused(/imports\.demo: name undefined differs from its key/));
    assert.throws(bad({ demo: { ...record, version: '..' } }), refused(/invalid version "\.\."/));
    assert.throws(bad({ demo: { ...record, retained: [{ version: '../x' }] } }), refused(/a retained version is invalid/));
    assert.throws(bad({ demo: { ...record, entries: null } }), refused(/entries is not a list/));
    const good = { ...EMPTY_STATE, imports: { demo: record } };
    assert.deepEqual(parseState(renderState(good), file), JSON.parse(renderState(good)));
  });
});
