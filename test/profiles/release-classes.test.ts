/**
 * The four classes of "profiles that survive real releases", each on its own distro skeleton
 * (fixtures/distros/<release>/, sources in fixtures/distros/SOURCES.md), read in memory from its
 * layout.txt and iso/ files: the planned entries equal the fixture's expected.json (the same
 * values distros.slow.test.ts checks on the built ISO), and the three generated menus boot them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderMenus, type RenderedMenus } from '../../src/menus/index.js';
import { analyzeView, loadProfiles, type Analysis } from '../../src/profiles/index.js';
import { distroView } from '../helpers/iso-tree.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Expected {
  profile: string;
  entries: Array<{ label: string; kernel: string; initrds: string[]; default: boolean; nfs: string | null; http: string | null }>;
}

const profiles = await loadProfiles();

function plan(release: string): { analysis: Analysis; menus: RenderedMenus; expected: Expected } {
  const expected = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/distros', release, 'expected.json'), 'utf8')) as Expected;
  const serve = { name: release, server: '192.0.2.10', exportPath: `/srv/pxe/${release}`, httpBase: `http://192.0.2.10/${release}/` };
  const analysis = analyzeView(distroView(release), `${release}.iso`, { profiles, serve });
  const imports = [{ name: release, label: release, treePath: release, entries: analysis.plan.entries }];
  const menus = renderMenus({ title: 'T', timeoutSeconds: 5, defaultEntry: 'local', httpBase: undefined, imports });
  return { analysis, menus, expected };
}

function assertExpected(release: string): { analysis: Analysis; menus: RenderedMenus } {
  const { analysis, menus, expected } = plan(release);
  assert.equal(analysis.match.profile.id, expected.profile);
  assert.deepEqual(
    analysis.plan.entries.map((e) => ({ label: e.label, kernel: e.kernel, initrds: [...e.initrds], default: e.isDefault, nfs: e.nfs ?? null, http: e.http ?? null })),
    expected.entries,
  );
  return { analysis, menus };
}

describe('release classes, in memory', () => {
  test('1. quoted arguments: clonezilla-3.1.2-22-restore-preset keeps ocs_live_run="…" whole in all three menus', () => {
    const { menus } = assertExpected('clonezilla-3.1.2-22-restore-preset');
    const value = 'ocs-sr -g auto -e1 auto -e2 -r -j2 -p poweroff restoredisk ask_user ask_user';
    assert.match(menus.pxelinux, new RegExp(`^\\s+APPEND .* ocs_live_run="${value}" ocs_live_extra_param="" .*$`, 'm'));
    assert.match(menus.grub, new RegExp(`^\\s+linux /clonezilla-3\\.1\\.2-22-restore-preset/live/vmlinuz .* 'ocs_live_run=${value}' ocs_live_extra_param= .*$`, 'm'));
    assert.match(menus.ipxe, new RegExp(`^kernel clonezilla-3\\.1\\.2-22-restore-preset/live/vmlinuz .* ocs_live_run="${value}" ocs_live_extra_param="" .* \\|\\| goto failed$`, 'm'));
  });

  test('2. GRUB conditionals: debian-live-12.5-686-amd64-cpuid gets the amd64 kernels only, and says why', () => {
    const { analysis, menus } = assertExpected('debian-live-12.5-686-amd64-cpuid');
    assert.deepEqual(
      analysis.plan.assumptions.filter((a) => a.message.includes('cpuid')).map((a) => [a.file, a.line, a.message.replace(/ \(the machine.*/, '')]),
      [['/boot/grub/grub.cfg', 4, "if: ran the 'then' branch because cpuid -l holds"]],
    );
    for (const text of [menus.pxelinux, menus.grub, menus.ipxe]) {
      assert.doesNotMatch(text, /686-pae/);
      assert.match(text, /debian-live-12\.5-686-amd64-cpuid\/live\/vmlinuz-6\.1\.0-18-amd64/);
    }
  });

  test('3. moved kernel: ubuntu-22.04-respin-boot-kernel boots boot/kernel + boot/initramfs with the casper NFS line', () => {
    const { menus } = assertExpected('ubuntu-22.04-respin-boot-kernel');
    assert.match(menus.pxelinux, /^\s+LINUX ubuntu-22\.04-respin-boot-kernel\/boot\/kernel\n\s+INITRD ubuntu-22\.04-respin-boot-kernel\/boot\/initramfs\n\s+APPEND boot=casper netboot=nfs /m);
    assert.match(menus.grub, /^\s+linux \/ubuntu-22\.04-respin-boot-kernel\/boot\/kernel boot=casper netboot=nfs .*\n\s+initrd \/ubuntu-22\.04-respin-boot-kernel\/boot\/initramfs$/m);
    assert.match(menus.ipxe, /^kernel ubuntu-22\.04-respin-boot-kernel\/boot\/kernel initrd=initramfs boot=casper netboot=nfs /m);
  });

  test('4. detection by content: pentoo-2023.0 (kernel isolinux/pentoo) is genkernel and gets real_root=/dev/nfs', () => {
    const { analysis, menus } = assertExpected('pentoo-2023.0');
    assert.deepEqual(analysis.match.reasons, ['found /image.squashfs', '/isolinux/isolinux.cfg matches /\\blooptype=squashfs\\b.*\\bcdroot\\b/']);
    assert.match(menus.pxelinux, /^\s+LINUX pentoo-2023\.0\/isolinux\/pentoo\n\s+INITRD pentoo-2023\.0\/isolinux\/pentoo\.igz\n\s+APPEND root=\/dev\/ram0 real_root=\/dev\/nfs nfsroot=192\.0\.2\.10:\/srv\/pxe\/pentoo-2023\.0 ip=dhcp init=\/linuxrc /m);
    assert.match(menus.grub, /^\s+linux \/pentoo-2023\.0\/isolinux\/pentoo root=\/dev\/ram0 real_root=\/dev\/nfs .* cdroot /m);
    assert.match(menus.ipxe, /^kernel pentoo-2023\.0\/isolinux\/pentoo initrd=pentoo\.igz root=\/dev\/ram0 real_root=\/dev\/nfs /m);
  });
});
