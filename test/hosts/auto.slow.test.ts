/**
 * `pxe-import host add MAC --entry NAME --auto FILE` through the real CLI, on the Fedora 41 Server
 * DVD skeleton (profile anaconda): the kickstart is checked, copied into the root, served at
 * HTTP-BASE/.pxe-import/auto/<mac>.ks and named with inst.ks= in the machine's three boot files,
 * quoted as each loader needs; a wrong or missing file is refused in one line and changes nothing;
 * a re-import keeps it; host remove deletes it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths.js';
import { assertRefused } from '../helpers/pxe-root.js';
import { requirement } from '../helpers/requirements.js';

const ISO = join(FIXTURES, 'distros/fedora-41-server-dvd.iso');
const SKIP = requirement('fedora-41-server-dvd skeleton', existsSync(ISO), `${ISO} not built (bash fixtures/distros/build.sh); skipping the --auto tests`);
const MAC = '52:54:00:12:34:57';
const KS = '.pxe-import/auto/52-54-00-12-34-57.ks';
const HTTP = 'http://192.0.2.10:8080/pxe/';
const HOST_FILES = ['pxelinux.cfg/01-52-54-00-12-34-57', 'grub/grub.cfg-01-52-54-00-12-34-57', 'hosts/52-54-00-12-34-57.ipxe'];

let work: string;
let root: string;
let common: string[];
const kickstart = '# Fedora Server, unattended\ntext\nlang en_US.UTF-8\nkeyboard us\ntimezone UTC\nrootpw --lock\nautopart\n%packages\n@core\n%end\n';

before(async () => {
  if (SKIP) return;
  work = await tempDir('pxe-import-auto-');
  root = join(work, 'root');
  common = ['--root', root, '--exports-file', join(work, 'exports')];
  const r = await runCli([ISO, '--as', 'fedora', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--http-base', HTTP, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  await writeFile(join(work, 'ok.ks'), kickstart);
  await writeFile(join(work, 'preseed.cfg'), 'd-i debian-installer/locale string en_US\n');
  await writeFile(join(work, 'empty.ks'), '');
});
after(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

const refused = (args: string[], pattern: RegExp): Promise<void> => assertRefused(root, join(work, 'exports'), [...args, ...common], pattern);

describe('host add --auto (Anaconda kickstart)', { skip: SKIP }, () => {
  test('a missing file, a preseed and an empty file are refused in one line; nothing changes', async () => {
    await refused(['host', 'add', MAC, '--entry', 'fedora', '--auto', join(work, 'nope.ks')], /^pxe-import: --auto: .*nope\.ks: cannot read it \(ENOENT\)$/m);
    await refused(['host', 'add', MAC, '--entry', 'fedora', '--auto', join(work, 'preseed.cfg')], /^pxe-import: --auto: .*preseed\.cfg: line 1: "d-i" is not a kickstart command, so this is not a kickstart file/m);
    await refused(['host', 'add', MAC, '--entry', 'fedora', '--auto', join(work, 'empty.ks')], /^pxe-import: --auto: .*empty\.ks: empty$/m);
  });

  test('a family without an answer-file format (casper) is refused, naming its profile', async () => {
    const demo = await runCli([join(REPO_ROOT, 'fixtures/demo/demo-live.iso'), '--as', 'demo', ...common, '--quiet']);
    assert.equal(demo.code, 0, demo.stderr);
    await refused(['host', 'add', MAC, '--entry', 'demo', '--auto', join(work, 'ok.ks')], /^pxe-import: --auto: demo was imported with profile casper \(family casper\), which names no answer-file format pxe-import can serve$/m);
  });

  test('a kickstart is copied into the root and named with inst.ks= in all three boot files, with --append kept', async () => {
    const r = await runCli(['host', 'add', MAC, '--entry', 'fedora', '--append', 'inst.text', '--auto', join(work, 'ok.ks'), ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, KS), 'utf8'), kickstart);
    const arg = `inst.ks=${HTTP}${KS}`;
    assert.match(r.stdout, new RegExp(`^52:54:00:12:34:57: added: boots fedora \\(its default entry\\) with "inst\\.text ${arg.replace(/[.:/]/g, '\\$&')}"`));
    for (const f of HOST_FILES) {
      const text = await readFile(join(root, f), 'utf8');
      assert.match(text, /inst\.repo=nfs:192\.0\.2\.10:\S+ ip=dhcp quiet inst\.text inst\.ks=http:\/\/192\.0\.2\.10:8080\/pxe\/\.pxe-import\/auto\/52-54-00-12-34-57\.ks/, f);
    }
    const list = JSON.parse((await runCli(['host', 'list', '--json', ...common])).stdout) as Array<{ auto?: string; append: string }>;
    assert.deepEqual(list.map((h) => [h.append, h.auto]), [[`inst.text ${arg}`, KS]]);
  });

  test('a re-import keeps the file and the assignment; host remove deletes the file', async () => {
    const again = await runCli([ISO, '--as', 'fedora', '--force', ...common, '--quiet']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(join(root, KS), 'utf8'), kickstart);
    assert.match(await readFile(join(root, HOST_FILES[0]!), 'utf8'), /inst\.ks=http:\/\/192\.0\.2\.10:8080\/pxe\/\.pxe-import\/auto\//);
    const r = await runCli(['host', 'remove', MAC, ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(root, KS)), 'the answer file was left behind');
  });
});
