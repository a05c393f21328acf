/**
 * Recognition never silently degrades (issue 15, item 7). A release whose files moved is still
 * recognised from its own boot configuration (detect.bootArguments) with PROFILE_PARTIAL_MATCH;
 * an entry made from a guess (the profile's file patterns, or the ISO's entries outside the
 * family's kernel paths) carries PROFILE_ENTRY_GUESSED; a line naming what the ISO lacks is left
 * out (PROFILE_TEMPLATE_UNRESOLVED, see templates.test.ts). The warnings are the ones import and
 * inspect print (plan.warnings).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeView, loadProfiles, treeViewFrom } from '../../src/profiles/index.js';
import { distroView, isoTree } from '../helpers/iso-tree.js';

const profiles = await loadProfiles();
const serve = { name: 'x', server: '192.0.2.10', exportPath: '/srv/pxe/x', httpBase: 'http://192.0.2.10/x/' };
const codes = (ws: readonly { code: string }[]) => ws.map((w) => w.code);

describe('a release whose files moved is recognised from its boot configuration', () => {
  // Debian live's menu, as live-build writes it, for a release that moved live/ to live-13/ and
  // says so with live-media-path=: no file rule of live-boot holds any more.
  const grub = [
    'menuentry "Live system (amd64)" --hotkey=l {',
    '\tlinux\t/live-13/vmlinuz-6.12.9-amd64 boot=live components live-media-path=/live-13 quiet splash',
    '\tinitrd\t/live-13/initrd.img-6.12.9-amd64',
    '}',
    '',
  ].join('\n');
  const files = ['live-13/vmlinuz-6.12.9-amd64', 'live-13/initrd.img-6.12.9-amd64', 'live-13/filesystem.squashfs', 'boot/grub/grub.cfg'];
  const view = treeViewFrom(isoTree(files), new Map([['/boot/grub/grub.cfg', grub]]), 'd-live 13.0.0 gn amd64');

  test('live-boot, with PROFILE_PARTIAL_MATCH naming the boot line and the rules that failed; the NFS line from the ISO\'s entry, the HTTP line left out', () => {
    const a = analyzeView(view, 'x.iso', { profiles, serve });
    assert.equal(a.match.profile.id, 'live-boot');
    assert.deepEqual(codes(a.plan.warnings), ['PROFILE_PARTIAL_MATCH', 'PROFILE_ENTRY_GUESSED', 'PROFILE_TEMPLATE_UNRESOLVED']);
    assert.equal(
      a.plan.warnings[0]!.message,
      "recognised as live-boot only from its boot configuration (/boot/grub/grub.cfg:1: 'Live system (amd64)' boots with boot=live); the profile's file rules do not hold (no /live/*.squashfs): a release that moved its files, check the entries before relying on them",
    );
    assert.deepEqual(
      a.plan.entries.map((e) => [e.kernel, e.nfs, e.http]),
      [['live-13/vmlinuz-6.12.9-amd64', 'boot=live netboot=nfs nfsroot=192.0.2.10:/srv/pxe/x ip=dhcp components live-media-path=/live-13 quiet splash', undefined]],
    );
  });

  test('an ISO whose boot lines name no known family is still not recognised', () => {
    const other = treeViewFrom(isoTree(['boot/vmlinuz', 'boot/grub/grub.cfg']), new Map([['/boot/grub/grub.cfg', 'menuentry "X" {\n linux /boot/vmlinuz root=/dev/sr0\n}\n']]), 'X');
    assert.throws(() => analyzeView(other, 'x.iso', { profiles, serve }), (e: Error & { code?: string }) => e.code === 'PROFILE_NO_MATCH');
  });
});

describe('entries made from a guess say so', () => {
  test('no usable boot configuration: the entry from the profile\'s file patterns carries PROFILE_ENTRY_GUESSED', () => {
    const v = treeViewFrom(isoTree(['casper/vmlinuz', 'casper/initrd', 'casper/filesystem.squashfs']), new Map(), 'Ubuntu 24.04 LTS amd64');
    const a = analyzeView(v, 'x.iso', { profiles, serve });
    assert.equal(a.match.profile.id, 'casper');
    assert.equal(a.plan.entries.length, 1);
    const guessed = a.plan.warnings.filter((w) => w.code === 'PROFILE_ENTRY_GUESSED');
    assert.deepEqual(guessed.map((w) => w.message), [
      "no boot configuration was found: the entry is built from the profile's file patterns (/casper/vmlinuz) and its default arguments (boot=casper quiet splash), not from the ISO's own; check that it boots",
    ]);
  });

  test('ubuntu-22.04-respin-boot-kernel: the kept entries outside casper/ carry PROFILE_ENTRY_GUESSED', () => {
    const a = analyzeView(distroView('ubuntu-22.04-respin-boot-kernel'), 'x.iso', { profiles, serve });
    assert.ok(a.plan.entries.length > 0);
    assert.deepEqual(
      a.plan.warnings.filter((w) => w.code === 'PROFILE_ENTRY_GUESSED').map((w) => w.message),
      ["no entry of the ISO's boot configuration uses the family's kernel paths (/casper*/*); its own entries with kernels elsewhere (/boot/kernel) are kept: check that they boot"],
    );
  });

  test('an ISO read as the family expects gets none of these warnings', () => {
    for (const release of ['ubuntu-22.04-desktop', 'debian-live-12.5-gnome', 'arch-2024.05.01', 'fedora-40-workstation']) {
      const a = analyzeView(distroView(release), 'x.iso', { profiles, serve });
      const bad = a.plan.warnings.filter((w) => ['PROFILE_PARTIAL_MATCH', 'PROFILE_ENTRY_GUESSED', 'PROFILE_TEMPLATE_UNRESOLVED'].includes(w.code));
      assert.deepEqual(bad, [], release);
    }
  });
});
