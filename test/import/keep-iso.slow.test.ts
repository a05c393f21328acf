/**
 * A profile that keeps the ISO beside its tree (boot.keepIso: kiwi-live, whose initrd fetches
 * root=live:http://…/<name>.iso), through the real CLI on openSUSE Tumbleweed's layout
 * (fixtures/distros): the version directory holds the extracted tree and a byte-identical copy of
 * the ISO, the menus carry the HTTP line naming it with ramdisk_size, the RAM the client needs is
 * said, and repair plans the same entries again from the tree on disk.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const ISO = join(FIXTURES, 'distros', 'opensuse-tumbleweed-kde-live.iso');
const SKIP = requirement('distro skeleton images', existsSync(ISO), `${ISO} not built (bash fixtures/distros/build.sh); skipping`);
const NAME = 'tw';

let work: string;
before(async () => {
  work = await tempDir('keep-iso-');
});

describe('kiwi-live: the ISO kept beside the tree', { skip: SKIP }, () => {
  test('import keeps the ISO, the menus name it, the RAM is said, and repair plans the same entries', async () => {
    const root = join(work, 'root');
    const args = ['--root', root, '--exports-file', join(work, 'exports'), '--server', '192.0.2.10', '--clients', '192.0.2.0/24'];
    const r = await runCli([ISO, '--as', NAME, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^note: tw: the HTTP entries fetch the whole ISO \(1 MiB\) in RAM: clients need at least 257 MiB/m);
    const list = JSON.parse((await runCli(['list', '--json', '--root', root])).stdout) as Array<{ version: string; entries: Array<{ http?: string; nfs?: string }> }>;
    const { version, entries } = list[0]!;
    const tree = join(root, '.pxe-import/versions', NAME, version);
    assert.deepEqual(await readFile(join(tree, `${NAME}.iso`)), await readFile(ISO));
    assert.ok(existsSync(join(tree, 'boot/x86_64/loader/linux')), 'the tree is extracted too');
    const url = `http://192.0.2.10/.pxe-import/versions/${NAME}/${version}/${NAME}.iso`;
    assert.equal(entries[0]!.http, `root=live:${url} ramdisk_size=1024 rd.neednet=1 ip=dhcp splash=silent rd.live.image showopts`);
    assert.equal(entries[0]!.nfs, undefined);
    assert.match(await readFile(join(root, 'pxelinux.cfg/default'), 'utf8'), new RegExp(`APPEND root=live:${url.replace(/[.]/g, '\\.')} ramdisk_size=1024 `));

    await rm(join(root, '.pxe-import/state.json'));
    const repaired = await runCli(['repair', '--root', root, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--json']);
    assert.equal(repaired.code, 0, repaired.stderr);
    const state = JSON.parse(repaired.stdout) as { imports: Record<string, { entries: Array<{ http?: string }> }> };
    assert.deepEqual(state.imports[NAME]!.entries.map((e) => e.http), entries.map((e) => e.http));
  });
});
