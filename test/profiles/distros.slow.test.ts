/**
 * What pxe-import detects and generates for real distribution releases. Each release is a
 * skeleton ISO built by fixtures/distros/build.sh from fixtures/distros/<release>/ (the real
 * top-level layout and the real or reconstructed boot configuration files; provenance in
 * fixtures/distros/SOURCES.md). The expected values live beside it in expected.json: the
 * profile, and for every boot entry its label, kernel, initrds in load order, default flag
 * and the exact NFS and HTTP kernel command lines (null when the family cannot boot that way).
 * They were written from what each family's initramfs needs over the network
 * (shared/reference/prior-art.md section 2), not taken from the tool's output.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

interface ExpectedEntry {
  label: string;
  kernel: string;
  initrds: string[];
  default: boolean;
  nfs: string | null;
  http: string | null;
}

interface Expected {
  profile: string;
  notes: string;
  /** Warning codes inspect must report (PROFILE_UNSUPPORTED for a family that cannot boot over the network). */
  warnings?: string[];
  entries: ExpectedEntry[];
}

interface InspectEntry {
  label: string;
  kernel: string;
  initrds: string[];
  isDefault: boolean;
  nfs?: string;
  http?: string;
}

const SOURCES = join(REPO_ROOT, 'fixtures/distros');
const IMAGES = join(FIXTURES, 'distros');
const SERVER = '192.0.2.10';
const ROOT = '/srv/pxe';

const releases = readdirSync(SOURCES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SOURCES, d.name, 'layout.txt')))
  .map((d) => d.name)
  .sort();
const image = (release: string) => join(IMAGES, `${release}.iso`);
const missing = releases.filter((r) => !existsSync(image(r)));
const SKIP = requirement(
  'distro skeleton images',
  missing.length === 0,
  `distro skeleton ISOs not built (${missing.length} of ${releases.length} missing; run: bash fixtures/distros/build.sh); skipping distro profile tests`,
);

function expected(release: string): Expected {
  return JSON.parse(readFileSync(join(SOURCES, release, 'expected.json'), 'utf8')) as Expected;
}

describe('distro fixtures', () => {
  it('cover at least 25 releases, each with its expected values', () => {
    assert.ok(releases.length >= 25, `only ${releases.length} releases in fixtures/distros`);
    for (const r of releases) {
      const e = expected(r);
      // Only a family refused as unsupported has no entry.
      const refused = e.warnings?.includes('PROFILE_UNSUPPORTED') === true;
      assert.ok(e.profile && e.notes && (e.entries.length > 0) !== refused, `${r}/expected.json is incomplete`);
    }
  });

  it('cover every profile family', () => {
    const used = new Set(releases.map((r) => expected(r).profile));
    const families = [
      'casper', 'subiquity', 'anaconda', 'anaconda-boot', 'linuxrc', 'agama', 'lmde', 'live-boot', 'clonezilla', 'gparted', 'grml', 'dracut-live',
      'archiso', 'systemrescue', 'miso', 'gentoo', 'gentoo-dracut', 'alpine', 'memdisk', 'knoppix', 'proxmox', 'tails', 'puppy', 'nixos',
      'truenas-scale', 'kiwi-live', 'void-live', 'slax', 'porteus', 'antix',
    ];
    assert.deepEqual(families.filter((f) => !used.has(f)), []);
  });
});

describe('inspect on real distro layouts', { concurrency: 4 }, () => {
  for (const release of releases) {
    it(release, { skip: SKIP }, async () => {
      const want = expected(release);
      const r = await runCli(['inspect', '--json', '--server', SERVER, '--as', release, '--root', ROOT, image(release)]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { profile: { id: string; entries: InspectEntry[]; warnings: { code: string }[] } | null; noMatch?: string };
      assert.ok(out.profile, `no profile matched: ${out.noMatch ?? ''}`);
      assert.equal(out.profile.id, want.profile, 'profile');
      const got = out.profile.entries.map(
        (e): ExpectedEntry => ({ label: e.label, kernel: e.kernel, initrds: e.initrds, default: e.isDefault, nfs: e.nfs ?? null, http: e.http ?? null }),
      );
      assert.deepEqual(got, want.entries);
      const codes = new Set(out.profile.warnings.map((w) => w.code));
      for (const code of want.warnings ?? []) assert.ok(codes.has(code), `no ${code} warning`);
    });
  }
});
