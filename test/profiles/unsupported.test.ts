/**
 * Families recognised but unable to boot over the network (profiles with "method": "unsupported"):
 * each real release layout (fixtures/distros/<release>/, read in memory) is recognised by its own
 * profile, gets no entry and one PROFILE_UNSUPPORTED warning carrying the profile's reason, and
 * the refusal import gives is one line naming the image, the profile and the reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeView, loadProfiles, parseProfile, unsupportedError } from '../../src/profiles/index.js';
import { distroView } from '../helpers/iso-tree.js';

const profiles = await loadProfiles();
const serve = (name: string) => ({ name, server: '192.0.2.10', exportPath: `/srv/pxe/${name}`, httpBase: `http://192.0.2.10/${name}/` });

const CASES: ReadonlyArray<[release: string, profile: string, reason: RegExp]> = [
  ['tails-6.4', 'tails', /removable block device .*memdisk/],
  ['puppy-bookwormpup64-10.0.6', 'puppy', /puppy_\*\.sfs layers only on local drives/],
  ['nixos-minimal-24.05', 'nixos', /system\.build\.netbootRamdisk.*netboot\.xyz/],
  ['truenas-scale-24.04.2', 'truenas-scale', /\/cdrom\/TrueNAS-SCALE\.update/],
];

describe('recognised, but cannot boot over the network', () => {
  for (const [release, id, reason] of CASES) {
    test(`${release}: profile ${id}, no entry, a PROFILE_UNSUPPORTED warning with the reason, and a one-line refusal`, () => {
      const analysis = analyzeView(distroView(release), `${release}.iso`, { profiles, serve: serve(release) });
      assert.equal(analysis.match.profile.id, id);
      assert.deepEqual(analysis.plan.entries, []);
      const unsupported = analysis.plan.warnings.filter((w) => w.code === 'PROFILE_UNSUPPORTED');
      assert.equal(unsupported.length, 1);
      assert.match(unsupported[0]!.message, reason);
      const refusal = unsupportedError(analysis, `/isos/${release}.iso`);
      assert.ok(refusal);
      assert.equal(refusal.code, 'PROFILE_UNSUPPORTED');
      assert.match(refusal.message, new RegExp(`^/isos/${release}\\.iso: recognised as .* \\(profile ${id}[,)].* cannot boot over the network: .*\\. Nothing was imported\\.$`));
      assert.doesNotMatch(refusal.message, /\n/);
    });
  }

  test('the user can still ask for memdisk explicitly: --profile memdisk plans the whole-ISO entry for Tails', () => {
    const analysis = analyzeView(distroView('tails-6.4'), 'tails-6.4.iso', { profiles, profileId: 'memdisk', serve: serve('tails-6.4') });
    assert.equal(analysis.plan.entries[0]?.method, 'memdisk');
    assert.equal(unsupportedError(analysis, 'tails-6.4.iso'), undefined);
  });

  test('a family that boots gets no refusal', () => {
    const analysis = analyzeView(distroView('debian-live-12.5-gnome'), 'd.iso', { profiles, serve: serve('d') });
    assert.equal(unsupportedError(analysis, 'd.iso'), undefined);
  });
});

describe('the unsupported profile format', () => {
  const base = { id: 'x', family: 'x', name: 'X', detect: { all: [{ exists: '/x' }] } };
  test('needs a reason, and needs neither boot nor cmdline', () => {
    assert.throws(() => parseProfile(JSON.stringify({ ...base, method: 'unsupported' }), 'x.json'), /^PxeError: x\.json: reason: is required$/);
    const p = parseProfile(JSON.stringify({ ...base, method: 'unsupported', reason: 'because' }), 'x.json');
    assert.equal(p.reason, 'because');
  });
  test('a reason on a profile that boots is refused', () => {
    const spec = { ...base, reason: 'because', boot: { kernel: ['/x'] }, cmdline: { nfs: 'a' } };
    assert.throws(() => parseProfile(JSON.stringify(spec), 'x.json'), /x\.json: reason: only an "unsupported" profile has a reason/);
  });
  test('an unknown method names the four known ones', () => {
    assert.throws(() => parseProfile(JSON.stringify({ ...base, method: 'pxe' }), 'x.json'), /method: expected "linux", "memdisk", "sanboot", "unsupported", got "pxe"/);
  });
});
