/** The one place that resolves a root's path, server, clients, HTTP base and exports file: pure. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkClients, checkHttpBase, checkServer, checkSettingFlags, DEFAULT_EXPORTS_FILE, resolveRootDir, resolveServer, resolveSettings, type HostNetwork } from '../../src/import/settings.js';
import type { RootSettings } from '../../src/import/state.js';

const network: HostNetwork = { primaryIpv4: () => '198.51.100.7', subnetOf: (a) => (a === '198.51.100.7' ? '198.51.100.0/24' : undefined) };
const offline: HostNetwork = { primaryIpv4: () => undefined, subnetOf: () => undefined };
const recorded: RootSettings = { server: '192.0.2.10', clients: ['192.0.2.0/24'], httpBase: 'http://192.0.2.10/', exportsFile: '/srv/pxe.exports' };

describe('resolveSettings', () => {
  test('nothing given or recorded: the host guesses, and says so', () => {
    const r = resolveSettings({}, {}, undefined, network);
    assert.deepEqual(r.settings, { server: '198.51.100.7', clients: ['198.51.100.0/24'], httpBase: undefined, exportsFile: DEFAULT_EXPORTS_FILE });
    assert.deepEqual(r.guessed, ['server 198.51.100.7', 'clients 198.51.100.0/24']);
    assert.deepEqual(r.changes, []);
  });

  test('recorded settings win over guesses, whatever the host', () => {
    const r = resolveSettings({}, {}, recorded, network);
    assert.deepEqual(r.settings, recorded);
    assert.deepEqual(r.guessed, []);
    assert.deepEqual(r.changes, []);
  });

  test('a flag beats the config file, which beats the recorded value; each change is listed', () => {
    const r = resolveSettings({ server: '192.0.2.20' }, { server: '192.0.2.30', clients: '192.0.2.0/25', httpBase: 'http://192.0.2.30:8080' }, recorded, network);
    assert.equal(r.settings.server, '192.0.2.20');
    assert.deepEqual(r.settings.clients, ['192.0.2.0/25']);
    assert.equal(r.settings.httpBase, 'http://192.0.2.30:8080/');
    assert.deepEqual(r.changes, [
      'server: 192.0.2.10 -> 192.0.2.20 (--server)',
      'clients: 192.0.2.0/24 -> 192.0.2.0/25 (config file)',
      'http-base: http://192.0.2.10/ -> http://192.0.2.30:8080/ (config file)',
    ]);
  });

  test('a recorded "no HTTP base" stays none; only a flag or the config file sets one', () => {
    const none = { ...recorded, httpBase: undefined };
    assert.equal(resolveSettings({}, {}, none, network).settings.httpBase, undefined);
    assert.equal(resolveSettings({ httpBase: 'http://192.0.2.10/pxe' }, {}, none, network).settings.httpBase, 'http://192.0.2.10/pxe/');
  });

  test('commands that never name the server guess nothing and need no network', () => {
    const r = resolveSettings({}, {}, undefined, offline, false);
    assert.equal(r.settings.server, '');
    assert.deepEqual(r.settings.clients, []);
    assert.throws(() => resolveSettings({}, {}, undefined, offline), /no IPv4 address found on this host: pass --server ADDR/);
  });

  test('resolveServer follows the same order', () => {
    assert.equal(resolveServer(undefined, {}, recorded, network), '192.0.2.10');
    assert.equal(resolveServer(undefined, {}, undefined, network), '198.51.100.7');
    assert.equal(resolveServer('192.0.2.99', { server: '192.0.2.1' }, recorded, network), '192.0.2.99');
  });
});

describe('validation', () => {
  test('servers: IPv4 only, one address', () => {
    assert.equal(checkServer('10.0.0.1', '--server'), '10.0.0.1');
    assert.throws(() => checkServer('192.0.2.10 init=/bin/sh', '--server'), /--server: "192\.0\.2\.10 init=\/bin\/sh" is not one address/);
    assert.throws(() => checkServer('256.1.1.1', '--server'), /256\.1\.1\.1 is not a valid IPv4 address/);
    assert.throws(() => checkServer('01.2.3.4', '--server'), /not a valid IPv4 address/);
    assert.throws(() => checkServer('fe80::1', '--server'), /IPv6 addresses are not supported/);
    assert.throws(() => checkServer('boot.lan', '--server'), /cannot resolve host names/);
  });

  test('clients: exports(5) client forms, no options, no comment character', () => {
    const good = ['*', '192.0.2.0/24', '192.0.2.0/255.255.255.0', '192.0.2.7', '2001:db8::/64', 'host.lan', '*.lan', 'node[0-9].lan', '@lab'];
    assert.deepEqual(checkClients(good, '--clients'), good);
    for (const bad of ['192.0.2.0/24(rw)', 'a#b', 'a"b', '', 'a b']) assert.throws(() => checkClients([bad], '--clients'), /--clients: /, bad);
    assert.throws(() => checkClients([], '--clients'), /no client given/);
  });

  test('roots: absolute, no blanks or characters command lines cannot carry, not empty, not /', () => {
    assert.equal(resolveRootDir('/srv/pxe/', undefined, {}), '/srv/pxe');
    assert.equal(resolveRootDir(undefined, '/tftp', { root: '/ignored' }), '/tftp');
    assert.equal(resolveRootDir(undefined, undefined, { root: '/from/config' }), '/from/config');
    assert.throws(() => resolveRootDir('', undefined, {}), /--root: empty/);
    assert.throws(() => resolveRootDir('/srv/my pxe', undefined, {}), /--root: "\/srv\/my pxe" contains a blank/);
    assert.throws(() => resolveRootDir('/srv/a,b', undefined, {}), /contains ","/);
    assert.throws(() => resolveRootDir(undefined, '/srv/x\ny', {}), /\$PXE_ROOT: .* contains a control character/);
    assert.throws(() => resolveRootDir('/', undefined, {}), /cannot be a PXE root/);
  });

  test('the config file\'s server, clients and HTTP base are checked like the flags, naming the setting', () => {
    assert.throws(() => checkSettingFlags({}, { server: '192.0.2.10 init=/bin/sh' }), /server in the config file: "192\.0\.2\.10 init=\/bin\/sh" is not one address/);
    assert.throws(() => checkSettingFlags({}, { clients: ['192.0.2.0/24(rw)'] }), /clients in the config file: "192\.0\.2\.0\/24\(rw\)": give clients without export options/);
    assert.throws(() => checkSettingFlags({}, { httpBase: 'http://x/a b' }), /httpBase in the config file: expected an http/);
    assert.throws(() => resolveSettings({}, { clients: 'a#b' }, recorded, network), /clients in the config file: invalid NFS client "a#b"/);
    assert.doesNotThrow(() => checkSettingFlags({ server: '192.0.2.10' }, { clients: '192.0.2.0/24, 198.51.100.0/24' }));
  });

  test('HTTP bases: http(s) URLs without blanks or quotes, ending in "/"', () => {
    assert.equal(checkHttpBase('https://boot.lan:8443/pxe', '--http-base'), 'https://boot.lan:8443/pxe/');
    for (const bad of ['ftp://x/', 'http://', 'http://x/a b', 'http://x/"', 'x']) assert.throws(() => checkHttpBase(bad, '--http-base'), /--http-base: expected an http/, bad);
  });
});
