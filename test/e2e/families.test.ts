/**
 * Real boots of the live-boot, dracut, archiso, miso and anaconda fixture ISOs (fixtures/e2e/families.sh:
 * release skeletons carrying the e2e kernel and test initrd). Each family is imported through the
 * CLI; pxelinux over QEMU's TFTP shows its menu on the serial console, the timeout boots the
 * default entry and keystrokes boot a second one. iPXE under UEFI fetches kernels and initrds
 * over HTTP from a server on loopback. Every booted command line is compared with the prediction
 * of `pxe-import inspect --json` for the same root and name, plus what the boot loader adds.
 * A machine given a kickstart (host add --auto) boots with inst.ks=URL and its initrd fetches it;
 * the installer families (Anaconda, linuxrc, Agama) boot their default entry under UEFI GRUB.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { requirement } from '../helpers/requirements.js';
import {
  BIOS, BIOS_SKIP, BOOTIF, E2E, MAC, SERVER, UEFI_SKIP, boot, escape, grubCmdline, importForBoot, installGrubnet, installPxelinux, kernelCmdline,
  labelStart, predict, pxelinuxCmdline, tail, uefi, workDir, type KeyStep, type PredictedEntry,
} from './harness.js';

interface Family {
  /** --as name and ISO base name. */
  readonly name: string;
  readonly profile: string;
}

const FAMILIES: readonly Family[] = [
  { name: 'live-boot', profile: 'live-boot' },
  { name: 'dracut', profile: 'dracut-live' },
  { name: 'archiso', profile: 'archiso' },
  { name: 'miso', profile: 'miso' },
  { name: 'knoppix', profile: 'knoppix' },
  { name: 'anaconda', profile: 'anaconda' },
  { name: 'kiwi', profile: 'kiwi-live' },
];
/**
 * The UEFI test puts these in one iPXE menu and looks for every label on the serial console,
 * which shows about twenty lines: more families would scroll some off the screen.
 */
const UEFI_FAMILIES = FAMILIES.filter((f) => ['live-boot', 'dracut', 'archiso', 'miso'].includes(f.name));
const iso = (f: Family) => join(E2E, `${f.name}-e2e.iso`);
const ISOS_SKIP = requirement(
  'family boot-test ISOs',
  FAMILIES.every((f) => existsSync(iso(f))),
  'the family boot tests need fixtures/out/e2e/*-e2e.iso (bash fixtures/e2e/families.sh); skipping',
);
const BIOS_FAMILIES_SKIP = BIOS_SKIP || ISOS_SKIP;
const UEFI_FAMILIES_SKIP = UEFI_SKIP || ISOS_SKIP;

describe('BIOS: pxelinux + vesamenu over TFTP boots each family, real kernel', { skip: BIOS_FAMILIES_SKIP }, () => {
  for (const family of FAMILIES) {
    test(`${family.name}: menu on the serial console, the timeout and a keystroke-chosen entry boot with the predicted command lines`, async () => {
      const { root, tree, common } = await importForBoot({ iso: iso(family), name: family.name, settings: { serialConsole: '0 115200' } });
      await installPxelinux(root);
      const profile = await predict(iso(family), root, family.name);
      assert.equal(profile.id, family.profile);
      assert.ok(profile.entries.length >= 2, `${family.name}: fewer than two entries`);
      const defaultEntry = profile.entries.find((e) => e.isDefault)!;
      const second = profile.entries.find((e) => !e.isDefault)!;
      assert.ok(defaultEntry && second);

      const listed = JSON.parse((await runCli(['list', '--json', ...common])).stdout) as { name: string; label: string }[];
      const importLabel = listed.find((x) => x.name === family.name)!.label;

      const log = await boot(root, BIOS, { mac: MAC });
      assert.match(log, /pxe-import e2e/, `menu title not on the serial console:\n${tail(log)}`);
      assert.match(log, labelStart(importLabel), `the import's submenu label not shown:\n${tail(log)}`);
      assert.match(log, /Automatic boot in/, 'the timeout counted down');
      assert.match(log, /INITRD-OK/, `the default entry did not boot:\n${tail(log)}`);
      assert.equal(kernelCmdline(log), pxelinuxCmdline(tree, defaultEntry));

      // Enter opens the import's submenu (the default), Down moves from its default entry to the next.
      const moves = profile.entries.indexOf(second) - profile.entries.indexOf(defaultEntry);
      assert.equal(moves, 1, 'the second entry follows the default one');
      const keys: KeyStep[] = [
        { when: /Automatic boot in/, send: '\r' },
        { when: labelStart(second.label), send: '\x1b[B' },
        { when: /.+/, send: '\r' },
      ];
      const chosen = await boot(root, BIOS, { mac: MAC, keys });
      for (const e of profile.entries) assert.match(chosen, labelStart(e.label), `entry "${e.label}" not on the serial console:\n${tail(chosen)}`);
      assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
      assert.equal(kernelCmdline(chosen), pxelinuxCmdline(tree, second));
    });
  }
});

/** A static file server for the PXE root on 127.0.0.1 (the guest's 10.0.2.2), logging each request. */
async function serveRoot(root: string): Promise<{ server: Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(root, path));
    requests.push(`${req.method} ${path}`);
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    stat(file).then(
      (st) => {
        if (!st.isFile()) throw new Error('not a file');
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    ).catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

describe('UEFI: iPXE runs boot.ipxe, kernels and initrds over HTTP from the host, real kernel', { skip: UEFI_FAMILIES_SKIP }, () => {
  let http: Awaited<ReturnType<typeof serveRoot>> | undefined;
  after(() => http?.server.close());

  test('all four families in one menu; the timeout and a keystroke-chosen entry boot over HTTP with the predicted command lines', async () => {
    const work = await workDir();
    const root = join(work, 'root');
    http = await serveRoot(root);
    const httpBase = `http://${SERVER}:${http.port}/`;
    // One root with the UEFI families; archiso's default entry (three initrds) is the menu's default.
    const trees = new Map<string, string>();
    for (const f of UEFI_FAMILIES) {
      const { tree } = await importForBoot({ work, iso: iso(f), name: f.name, settings: { defaultEntry: 'archiso' }, args: ['--http-base', httpBase] });
      trees.set(f.name, tree);
    }
    const predicted = new Map<string, PredictedEntry[]>();
    for (const f of UEFI_FAMILIES) predicted.set(f.name, (await predict(iso(f), root, f.name, ['--http-base', httpBase])).entries);
    const firmware = await uefi(work, 'boot.ipxe');
    // Guests reach the host's 127.0.0.1 at 10.0.2.2 only without restrict=on (boot() sets it; the later option wins).
    const netdev = 'restrict=off';

    const log = await boot(root, firmware, { mac: MAC, netdev });
    assert.match(log, /pxe-import e2e/, `iPXE menu title not on the serial console:\n${tail(log)}`);
    assert.match(log, /INITRD-OK/, `the default entry did not boot:\n${tail(log)}`);
    const arch = predicted.get('archiso')!.find((e) => e.isDefault)!;
    assert.equal(kernelCmdline(log), ipxeCmdline(arch));
    for (const f of [arch.kernel, ...arch.initrds]) assert.ok(http.requests.includes(`GET /${trees.get('archiso')}/${f}`), `not fetched over HTTP: ${f}\n${http.requests.join('\n')}`);
    for (const entries of predicted.values()) {
      for (const e of entries) assert.match(log, new RegExp(escape(e.label)), `entry "${e.label}" not in the iPXE menu:\n${tail(log)}`);
    }

    // Keystrokes: from archiso's default entry Down three times (archiso's second entry, dracut's first,
    // dracut's second), then Enter.
    const dracut = predicted.get('dracut')!;
    const second = dracut.find((e) => !e.isDefault)!;
    assert.equal(dracut.indexOf(second), 1);
    http.requests.length = 0;
    const chosen = await boot(root, firmware, { mac: MAC, netdev, keys: [
      { when: /pxe-import e2e/, send: '\x1b[B\x1b[B\x1b[B' },
      { when: /.+/, send: '\r' },
    ] });
    assert.match(chosen, /INITRD-OK/, `the chosen entry did not boot:\n${tail(chosen)}`);
    assert.equal(kernelCmdline(chosen), ipxeCmdline(second));
    for (const f of [second.kernel, ...second.initrds]) assert.ok(http.requests.includes(`GET /${trees.get('dracut')}/${f}`), `not fetched over HTTP: ${f}\n${http.requests.join('\n')}`);
  });
});

const basename = (f: string) => f.slice(f.lastIndexOf('/') + 1);

/**
 * iPXE under UEFI: the kernel's image name (iPXE passes "NAME ARGS" as the EFI load options and
 * the kernel's EFI stub keeps it), initrd=NAME for each initrd, the entry's arguments, then
 * SYSAPPEND 2's BOOTIF=.
 */
function ipxeCmdline(e: PredictedEntry): string {
  const words = [basename(e.kernel), ...e.initrds.map((f) => `initrd=${basename(f)}`), e.nfs ?? e.http];
  if (e.sysappend & 2) words.push(BOOTIF);
  return words.join(' ');
}

const ANSWER_ISO = join(E2E, 'anaconda-answer-e2e.iso');
const ANSWER_SKIP = BIOS_SKIP || requirement('answer-file boot-test ISO', existsSync(ANSWER_ISO), `${ANSWER_ISO} missing (bash fixtures/e2e/families.sh); skipping`);

describe('BIOS: a machine given a kickstart with host add --auto fetches it over HTTP, real kernel', { skip: ANSWER_SKIP }, () => {
  let http: Awaited<ReturnType<typeof serveRoot>> | undefined;
  after(() => http?.server.close());

  test('the per-MAC pxelinux file boots the Anaconda entry with inst.ks=URL, and the initrd fetches that URL from the host', async () => {
    const work = await workDir();
    const root = join(work, 'root');
    http = await serveRoot(root);
    const httpBase = `http://${SERVER}:${http.port}/`;
    const { common, tree } = await importForBoot({ work, iso: ANSWER_ISO, name: 'anaconda', settings: { serialConsole: '0 115200' }, args: ['--http-base', httpBase] });
    await installPxelinux(root);
    const ks = join(work, 'fedora.ks');
    await writeFile(ks, '# pxe-import e2e kickstart\ntext\nlang en_US.UTF-8\n');
    const added = await runCli(['host', 'add', MAC, '--entry', 'anaconda', '--auto', ks, ...common]);
    assert.equal(added.code, 0, added.stderr);
    const answer = `.pxe-import/auto/${MAC.replace(/:/g, '-')}.ks`;
    const entry = (await predict(ANSWER_ISO, root, 'anaconda', ['--http-base', httpBase])).entries.find((e) => e.isDefault)!;

    const log = await boot(root, BIOS, { mac: MAC, netdev: 'restrict=off' });
    assert.match(log, /INITRD-OK/, `the assigned entry did not boot:\n${tail(log)}`);
    assert.equal(kernelCmdline(log), pxelinuxCmdline(tree, { ...entry, nfs: `${entry.nfs} inst.ks=${httpBase}${answer}` }));
    assert.match(log, /ANSWER-FETCHED # pxe-import e2e kickstart/, `the kickstart was not fetched:\n${tail(log)}`);
    assert.ok(http.requests.includes(`GET /${answer}`), `no request for the kickstart:\n${http.requests.join('\n')}`);
  });
});

/** Installer families booted under UEFI GRUB (their menus use the NFS line, or the HTTP one for Agama). */
const INSTALLERS: readonly Family[] = [
  { name: 'anaconda', profile: 'anaconda' },
  { name: 'linuxrc', profile: 'linuxrc' },
  { name: 'agama', profile: 'agama' },
];
const INSTALLERS_SKIP = UEFI_SKIP || requirement('installer boot-test ISOs', INSTALLERS.every((f) => existsSync(iso(f))), 'the installer boot tests need fixtures/out/e2e/{anaconda,linuxrc,agama}-e2e.iso (bash fixtures/e2e/families.sh); skipping');

describe('UEFI: grubnetx64 over TFTP boots each installer family, real kernel', { skip: INSTALLERS_SKIP }, () => {
  for (const family of INSTALLERS) {
    test(`${family.name}: GRUB's default entry boots with the predicted command line`, async () => {
      const { work, root, tree } = await importForBoot({ iso: iso(family), name: family.name, settings: { serialConsole: '0 115200' } });
      await installGrubnet(root);
      const profile = await predict(iso(family), root, family.name);
      assert.equal(profile.id, family.profile);
      const e = profile.entries.find((x) => x.isDefault)!;
      const log = await boot(root, await uefi(work, 'grubnetx64.efi'));
      assert.match(log, /INITRD-OK/, `the default entry did not boot:\n${tail(log)}`);
      assert.equal(kernelCmdline(log), grubCmdline(tree, e));
    });
  }
});
