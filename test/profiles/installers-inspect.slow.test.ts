/**
 * What `pxe-import inspect` tells about installer ISOs (issue 11, item 4), through the real CLI on
 * the release skeletons: the family, the NFS and HTTP lines or why one is impossible, what the
 * server must provide, and the HTTP-base note for entries that boot over HTTP only.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const image = (r: string) => join(FIXTURES, 'distros', `${r}.iso`);
const RELEASES = ['opensuse-leap-16.0-agama', 'ubuntu-24.04-live-server', 'almalinux-9.4-boot'];
const SKIP = requirement('installer skeleton ISOs', RELEASES.every((r) => existsSync(image(r))), 'installer skeleton ISOs not built (bash fixtures/distros/build.sh); skipping');
const inspect = (r: string, extra: string[] = []) => runCli(['inspect', '--server', '192.0.2.10', '--root', '/srv/pxe', '--as', r, ...extra, image(r)]);

describe('inspect on installer ISOs', { skip: SKIP }, () => {
  test('Agama: family, no NFS line and why, the HTTP line, what the server needs, and the HTTP-base note', async () => {
    const r = await inspect('opensuse-leap-16.0-agama');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Family: {7}agama$/m);
    assert.match(r.stdout, /^ {6}nfs {4}\(not supported by this family: Agama's documented network boot fetches the live root over HTTP/m);
    assert.match(r.stdout, /^ {6}http {3}root=live:http:\/\/192\.0\.2\.10\/opensuse-leap-16\.0-agama\/LiveOS\/squashfs\.img /m);
    assert.match(r.stdout, /^Server needs: HTTP: the tree served at http:\/\/192\.0\.2\.10\/opensuse-leap-16\.0-agama\//m);
    assert.match(r.stdout, /^Server needs: RAM: /m);
    assert.match(r.stdout, /^Note: {9}opensuse-leap-16\.0-agama: its entries boot over HTTP only and no HTTP base is set/m);
    const withBase = await inspect('opensuse-leap-16.0-agama', ['--http-base', 'http://web.example/pxe/']);
    assert.doesNotMatch(withBase.stdout, /no HTTP base is set/);
    assert.match(withBase.stdout, /root=live:http:\/\/web\.example\/pxe\/opensuse-leap-16\.0-agama\/LiveOS/);
  });

  test('Ubuntu Server: the NFS line, why there is no HTTP line, the RAM; --json carries the same', async () => {
    const r = await runCli(['inspect', '--json', '--server', '192.0.2.10', '--root', '/srv/pxe', '--as', 'u', image('ubuntu-24.04-live-server')]);
    assert.equal(r.code, 0, r.stderr);
    const p = (JSON.parse(r.stdout) as { profile: { id: string; family: string; unsupported: { http?: string }; serverNeeds: string[] } }).profile;
    assert.deepEqual([p.id, p.family], ['subiquity', 'casper']);
    assert.match(p.unsupported.http ?? '', /^subiquity's HTTP boot is url= to the whole ISO/);
    assert.deepEqual(p.serverNeeds.map((n) => n.split(':')[0]), ['NFS', 'RAM']);
  });

  test('a boot-only Anaconda ISO says the repository must come from elsewhere', async () => {
    const r = await inspect('almalinux-9.4-boot');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Server needs: a package repository: this ISO has none/m);
    assert.match(r.stdout, /^Note: {9}boot-only installer ISO: no package repository in the tree/m);
  });
});
