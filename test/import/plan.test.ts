/**
 * The import plan, in-process: the real demo ISO's tree view, an injected clock, no disk writes and
 * no CLI. Every decision an import makes is here: first import, unchanged, settings on the same
 * tree, new version, and the refusals.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openIsoImage, type IsoImage } from '../../src/iso9660/image.js';
import { identify } from '../../src/import/identify.js';
import { needsTreeView, planImport, type ImportPlan, type ImportRequest, type PlanFacts } from '../../src/import/plan.js';
import { resolveSettings, type HostNetwork, type SettingFlags } from '../../src/import/settings.js';
import { EMPTY_STATE, withChain, type SourceIdentity, type State } from '../../src/import/state.js';
import { analyzeView, loadProfiles, treeViewOf, type Profile, type TreeView } from '../../src/profiles/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

const DEMO = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const ROOT = '/srv/pxe';
const NOW = new Date('2026-11-22T03:53:00.000Z');
const network: HostNetwork = { primaryIpv4: () => '198.51.100.7', subnetOf: (a) => (a === '198.51.100.7' ? '198.51.100.0/24' : undefined) };
const request: ImportRequest = { image: DEMO, name: 'demo', profileId: undefined, label: undefined, force: false, retention: 1 };

let image: IsoImage;
let view: TreeView;
let identity: SourceIdentity;
let profiles: Profile[];

before(async () => {
  identity = await identify(DEMO);
  image = await openIsoImage(DEMO);
  view = await treeViewOf(image);
  profiles = await loadProfiles();
});
after(async () => {
  await image?.source.close();
});

/** The plan for `flags` on `state`, with `present` the version directories that exist. */
function plan(state: State, flags: SettingFlags, options: { present?: string[]; request?: Partial<ImportRequest>; now?: Date; id?: SourceIdentity } = {}): ImportPlan {
  const facts: PlanFacts = {
    root: ROOT,
    state,
    identity: options.id ?? identity,
    settings: resolveSettings(flags, {}, state.settings, network),
    present: new Set(options.present ?? []),
    profiles,
    now: options.now ?? NOW,
    tree: undefined,
  };
  const req = { ...request, ...options.request };
  return planImport({ ...facts, tree: needsTreeView(facts, req) ? { view, analyze: analyzeView } : undefined }, req);
}

const flags = { server: '192.0.2.10', clients: '192.0.2.0/24', exportsFile: '/etc/exports.d/pxe-import.exports' };

/** The state after a first import with `flags`. */
function imported(f: SettingFlags = flags): { state: State; version: string } {
  const p = plan(EMPTY_STATE, f);
  assert.equal(p.action, 'new-version');
  return { state: p.state, version: p.version };
}

describe('planImport', () => {
  test('a first import: a new version named by the clock and the image, extracted, with the settings recorded', () => {
    const p = plan(EMPTY_STATE, flags);
    assert.equal(p.action, 'new-version');
    if (p.action !== 'new-version') return;
    assert.equal(p.version, `20261122T035300Z-${identity.fingerprint.slice(0, 8)}`);
    assert.equal(p.place, 'extract');
    assert.deepEqual(p.reasons.map((r) => r.code), ['FIRST_IMPORT']);
    assert.deepEqual(p.state.settings, { server: '192.0.2.10', clients: ['192.0.2.0/24'], httpBase: undefined, exportsFile: '/etc/exports.d/pxe-import.exports' });
    const record = p.state.imports.demo!;
    assert.equal(record.profile.id, 'casper');
    assert.equal(record.importedAt, NOW.toISOString());
    assert.equal(record.exportPath, `${ROOT}/.pxe-import/versions/demo/${p.version}`);
    assert.match(record.entries[0]!.nfs!, new RegExp(`nfsroot=192\\.0\\.2\\.10:${ROOT}/\\.pxe-import/versions/demo/${p.version} `));
  });

  test('the same image with its tree on disk: unchanged, and no tree view is needed', () => {
    const { state, version } = imported();
    const facts = { root: ROOT, state, identity, settings: resolveSettings(flags, {}, state.settings, network), present: new Set([version]), profiles, now: NOW };
    assert.equal(needsTreeView(facts, request), false);
    const p = plan(state, flags, { present: [version] });
    assert.equal(p.action, 'unchanged');
    assert.equal(p.state, state);
  });

  test('a cron run without --server or --clients keeps the recorded ones, not this host\'s', () => {
    const { state, version } = imported();
    const p = plan(state, {}, { present: [version] });
    assert.equal(p.action, 'unchanged');
    assert.equal(p.state.settings?.server, '192.0.2.10');
  });

  test('a new --server plans the command lines again on the same tree, and says so', () => {
    const { state, version } = imported();
    const p = plan(state, { ...flags, server: '192.0.2.20' }, { present: [version] });
    assert.equal(p.action, 'update');
    if (p.action !== 'update') return;
    assert.equal(p.version, version);
    assert.ok(p.reasons.some((r) => r.code === 'SERVED_CHANGED'));
    assert.deepEqual(p.settingChanges, ['server: 192.0.2.10 -> 192.0.2.20 (--server)']);
    assert.match(p.record.entries[0]!.nfs!, /nfsroot=192\.0\.2\.20:/);
    assert.equal(p.state.settings?.server, '192.0.2.20');
  });

  test('new --clients or --label change the record without re-planning the entries', () => {
    const { state, version } = imported();
    const facts = { root: ROOT, state, identity, settings: resolveSettings({ ...flags, clients: '192.0.2.128/25' }, {}, state.settings, network), present: new Set([version]), profiles, now: NOW };
    assert.equal(needsTreeView(facts, request), false);
    const p = plan(state, { ...flags, clients: '192.0.2.128/25' }, { present: [version], request: { label: 'Demo' } });
    assert.equal(p.action, 'update');
    if (p.action !== 'update') return;
    assert.deepEqual(p.reasons.map((r) => r.code).sort(), ['CLIENTS_CHANGED', 'LABEL_CHANGED', 'SETTING_CHANGED']);
    assert.equal(p.record.label, 'Demo');
    assert.deepEqual(p.record.entries, state.imports.demo!.entries);
  });

  test('a new --http-base re-plans the HTTP command lines and records the base', () => {
    const { state, version } = imported();
    const p = plan(state, { ...flags, httpBase: 'http://192.0.2.10:8080/pxe' }, { present: [version] });
    assert.equal(p.action, 'update');
    assert.equal(p.state.settings?.httpBase, 'http://192.0.2.10:8080/pxe/');
  });

  test('a changed image, a missing tree and --force each make a new version, keeping the previous one', () => {
    const { state, version } = imported();
    const later = new Date(NOW.getTime() + 3_600_000);
    const changed = plan(state, flags, { present: [version], id: { ...identity, mtimeMs: identity.mtimeMs + 1000 }, now: later });
    assert.deepEqual(changed.reasons.map((r) => r.code), ['IMAGE_CHANGED']);
    assert.equal(plan(state, flags, { present: [] }).reasons[0]!.code, 'TREE_MISSING');
    const forced = plan(state, flags, { present: [version], request: { force: true }, now: later });
    assert.equal(forced.action, 'new-version');
    assert.deepEqual(forced.state.imports.demo!.retained.map((r) => r.version), [version]);
  });

  test('--force within the same second as the version it replaces gets its own id', () => {
    const { state, version } = imported();
    const p = plan(state, flags, { present: [version], request: { force: true } });
    assert.equal(p.version, `${version}.2`);
  });

  test('retention keeps that many older versions, newest first', () => {
    let { state } = imported();
    const versions = [state.imports.demo!.version];
    for (let i = 1; i <= 3; i++) {
      const p = plan(state, flags, { present: versions, request: { force: true, retention: 2 }, now: new Date(NOW.getTime() + i * 1000) });
      state = p.state;
      versions.push(p.version);
    }
    assert.deepEqual(state.imports.demo!.retained.map((r) => r.version), [versions[2], versions[1]]);
  });

  test('refusals: the name of a chain entry, a sanboot profile without an HTTP base', () => {
    const chained = withChain(EMPTY_STATE, { name: 'demo', label: 'd', prefix: 'd/' });
    assert.throws(() => plan(chained, flags), /--as: "demo" is the name of a chain entry/);
    assert.throws(() => plan(EMPTY_STATE, flags, { request: { profileId: 'sanboot' } }), /needs --http-base URL/);
    const p = plan(EMPTY_STATE, { ...flags, httpBase: 'http://192.0.2.10/' }, { request: { profileId: 'sanboot' } });
    assert.equal(p.action === 'new-version' && p.place, 'copy-iso');
  });
});
