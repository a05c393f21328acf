/**
 * Command-line templates name what detection found (issue 15, item 6): the root image the profile's
 * boot.rootImage globs find ({rootImage}, {rootImageTopDir}), never a fixed file name or the
 * kernel's folder, which a derivative may change; and a template naming what the ISO lacks leaves
 * that line out with PROFILE_TEMPLATE_UNRESOLVED instead of a line that cannot boot.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeView, loadProfiles, parseProfile, planBootEntries, treeViewFrom } from '../../src/profiles/index.js';
import { isoTree } from '../helpers/iso-tree.js';

const profiles = await loadProfiles();
const serve = { name: 'x', server: '192.0.2.10', exportPath: '/srv/pxe/x', httpBase: 'http://192.0.2.10/x/' };
const grub = (kernel: string, initrd: string, args: string) => `menuentry "Live system" {\n  linux ${kernel} ${args}\n  initrd ${initrd}\n}\n`;
const view = (files: string[], cfg: string) => treeViewFrom(isoTree([...files, 'boot/grub/grub.cfg']), new Map([['/boot/grub/grub.cfg', cfg]]), 'X');

describe('templates name the files detection found', () => {
  test('live-boot: fetch= names the one live/*.squashfs the ISO has, not live/filesystem.squashfs', () => {
    const v = view(['live/vmlinuz', 'live/initrd.img', 'live/rootfs.squashfs'], grub('/live/vmlinuz', '/live/initrd.img', 'boot=live components quiet'));
    const a = analyzeView(v, 'x.iso', { profiles, serve });
    assert.equal(a.match.profile.id, 'live-boot');
    assert.equal(a.plan.entries[0]!.http, 'boot=live fetch=http://192.0.2.10/x/live/rootfs.squashfs ip=dhcp components quiet');
  });

  test('live-boot: live/filesystem.squashfs is preferred when there are several', () => {
    const v = view(['live/vmlinuz', 'live/initrd.img', 'live/addon.squashfs', 'live/filesystem.squashfs'], grub('/live/vmlinuz', '/live/initrd.img', 'boot=live'));
    assert.match(analyzeView(v, 'x.iso', { profiles, serve }).plan.entries[0]!.http ?? '', /fetch=http:\/\/192\.0\.2\.10\/x\/live\/filesystem\.squashfs /);
  });

  test("archiso: archisobasedir is the airootfs image's folder, also when a respin moved the kernel to /boot", () => {
    const v = view(['boot/vmlinuz-linux', 'boot/initramfs-linux.img', 'arch/x86_64/airootfs.sfs'], grub('/boot/vmlinuz-linux', '/boot/initramfs-linux.img', 'archisobasedir=arch archisolabel=ARCH_202405'));
    const e = analyzeView(v, 'x.iso', { profiles, serve }).plan.entries[0]!;
    assert.equal(e.nfs, 'archisobasedir=arch archiso_nfs_srv=192.0.2.10:/srv/pxe/x copytoram=n ip=dhcp');
    assert.equal(e.http, 'archisobasedir=arch archiso_http_srv=http://192.0.2.10/x/ ip=dhcp');
  });

  test("lmde: live-media-path and fetch= follow casper/filesystem.squashfs, not the kernel's folder", () => {
    const v = view(['boot/vmlinuz', 'boot/initrd.lz', 'casper/filesystem.squashfs'], grub('/boot/vmlinuz', '/boot/initrd.lz', 'boot=live live-media-path=/casper quiet'));
    const e = analyzeView(v, 'x.iso', { profiles, serve }).plan.entries[0]!;
    assert.equal(e.nfs, 'boot=live netboot=nfs nfsroot=192.0.2.10:/srv/pxe/x live-media-path=/casper ip=dhcp quiet');
    assert.equal(e.http, 'boot=live fetch=http://192.0.2.10/x/casper/filesystem.squashfs ip=dhcp live-media-path=/casper quiet');
  });

  test('a template naming a root image the ISO lacks: that line is left out with PROFILE_TEMPLATE_UNRESOLVED; the other stays', () => {
    const spec = {
      id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/live' }] },
      boot: { kernel: ['/live/vmlinuz'], rootImage: ['/live/*.img'] },
      cmdline: { nfs: 'nfsroot={server}:{exportPath}', http: 'fetch={httpBase}{rootImage}' },
    };
    const profile = parseProfile(JSON.stringify(spec), 't.json');
    const plan = planBootEntries(profile, treeViewFrom(isoTree(['live/vmlinuz']), new Map(), 'X'), serve);
    assert.equal(plan.entries[0]!.http, undefined);
    assert.equal(plan.entries[0]!.nfs, 'nfsroot=192.0.2.10:/srv/pxe/x');
    assert.deepEqual(
      plan.warnings.filter((w) => w.code === 'PROFILE_TEMPLATE_UNRESOLVED'),
      [{ code: 'PROFILE_TEMPLATE_UNRESOLVED', message: 'the HTTP line is left out: {rootImage}: no /live/*.img on this ISO', file: 't.json' }],
    );
  });

  test('{rootImage} without boot.rootImage, and {isoFile} without keepIso, are refused when the profile loads', () => {
    const base = { id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/x' }] }, boot: { kernel: ['/x'] } };
    assert.throws(() => parseProfile(JSON.stringify({ ...base, cmdline: { http: 'fetch={httpBase}{rootImage}' } }), 't.json'), /t\.json: cmdline\.http: \{rootImage\} needs boot\.rootImage/);
    assert.throws(() => parseProfile(JSON.stringify({ ...base, cmdline: { http: 'root=live:{httpBase}{isoFile}' } }), 't.json'), /t\.json: cmdline\.http: \{isoFile\} needs "keepIso": true in boot/);
  });
});
