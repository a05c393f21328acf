/**
 * `pxe-import serve`'s request policy, pure: which client may ask, which paths are refused as
 * strings (NUL, "..", encoded or not), what of `.pxe-import/` is private, and the routes
 * (`/boot.ipxe?mac=`, `/api/*`). Also the iPXE script and API answers, rendered from a state
 * without a server: they must be the very files the import writes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveFiles } from '../../src/import/derived.js';
import { apiState, bootScript, readChunkFor } from '../../src/import/http-server.js';
import { checkServedPath, clientAllowed, clientRules, decideRequest, servedTrees, unmatchableClients, type RequestPolicy } from '../../src/import/http-policy.js';
import { withHost } from '../../src/import/state.js';
import { OLD, V, entry, layout, menu, state } from '../helpers/sample-state.js';

const policy: RequestPolicy = { clients: clientRules(['192.0.2.0/24']), servedTrees: servedTrees(state) };
const get = (url: string, client = '192.0.2.7') => decideRequest({ method: 'GET', url, client }, policy);

describe('clients', () => {
  test('networks, addresses, netmasks, * and IPv4-mapped peers', () => {
    const rules = clientRules(['192.0.2.0/24', '198.51.100.7', '203.0.113.0/255.255.255.128', 'fd00::1']);
    for (const ok of ['192.0.2.1', '192.0.2.255', '::ffff:192.0.2.9', '198.51.100.7', '203.0.113.127', 'FD00::1']) assert.ok(clientAllowed(rules, ok), ok);
    for (const no of ['192.0.3.1', '198.51.100.8', '203.0.113.128', '::1', '127.0.0.1', '', 'fd00::2']) assert.ok(!clientAllowed(rules, no), no);
    assert.ok(clientAllowed(clientRules(['*']), '::1'));
    assert.ok(clientAllowed(clientRules(['0.0.0.0/0']), '10.1.2.3'));
  });

  test('host names, wildcards and netgroups match no address, and are listed', () => {
    const rules = clientRules(['pxe-*.lab', '@lab', 'box.example.org']);
    assert.ok(!clientAllowed(rules, '192.0.2.7'));
    assert.deepEqual(unmatchableClients(rules), ['pxe-*.lab', '@lab', 'box.example.org']);
  });

  test('a client outside them gets 403 for every path, a method other than GET or HEAD 405', () => {
    assert.deepEqual(get('/boot.ipxe', '192.0.3.1').kind === 'refused' && get('/boot.ipxe', '192.0.3.1'), { kind: 'refused', status: 403, reason: '192.0.3.1 is not one of the clients this root serves (--clients)' });
    assert.equal(get('/api/state', '127.0.0.2').kind, 'refused');
    const post = decideRequest({ method: 'POST', url: '/api/state', client: '192.0.2.7' }, policy);
    assert.equal(post.kind === 'refused' && post.status, 405);
    assert.deepEqual(decideRequest({ method: 'HEAD', url: '/demo/casper/vmlinuz', client: '192.0.2.7' }, policy), { kind: 'file', path: 'demo/casper/vmlinuz' });
  });
});

describe('paths', () => {
  test('"..", ".", NUL, backslashes and bad escapes are refused as strings, encoded or not', () => {
    for (const url of ['/../etc/passwd', '/demo/../../etc/passwd', '/demo/%2e%2e/%2e%2e/etc/passwd', '/%2E%2e/etc', '/./boot.ipxe', '/demo/%2e/x', '/demo%00', '/demo\0x', '/a%5c..%5cb', '/a\\b', '/%zz', '/%c0%ae%c0%ae/etc']) {
      const d = get(url);
      assert.equal(d.kind === 'refused' && d.status, 400, url);
    }
    assert.equal(get('*').kind === 'refused' && (get('*') as { status: number }).status, 400);
  });

  test('plain paths are root-relative; empty segments add nothing; a dot file of a tree is served', () => {
    assert.deepEqual(get('/demo/casper/vmlinuz'), { kind: 'file', path: 'demo/casper/vmlinuz' });
    assert.deepEqual(get('//demo//casper/vmlinuz?x=1'), { kind: 'file', path: 'demo/casper/vmlinuz' });
    assert.deepEqual(get('/demo/.disk/info'), { kind: 'file', path: 'demo/.disk/info' });
    assert.deepEqual(get('/a%20b'), { kind: 'file', path: 'a b' });
    assert.deepEqual(get('/'), { kind: 'status' });
  });

  test("pxe-import's private state is refused; the trees the state serves are not", () => {
    const tree = `.pxe-import/versions/demo/${V}`;
    assert.deepEqual(get(`/${tree}/casper/vmlinuz`), { kind: 'file', path: `${tree}/casper/vmlinuz` });
    assert.deepEqual(get(`/.pxe-import/versions/demo/${OLD}/casper/initrd`), { kind: 'file', path: `.pxe-import/versions/demo/${OLD}/casper/initrd` });
    for (const p of [
      '.pxe-import',
      '.pxe-import/state.json',
      '.pxe-import/state.json.prev',
      '.pxe-import/lock',
      '.pxe-import/boots.jsonl',
      '.pxe-import/staging/x/y',
      '.pxe-import/versions',
      '.pxe-import/versions/demo',
      '.pxe-import/versions/demo/20261123T000000Z-deadbeef/casper/vmlinuz',
      `.pxe-import/versions/demo/${V}.partial/casper/vmlinuz`,
      '.pxe-import/versions/other/20261122T035300Z-3fa2b1c9/x',
    ]) {
      const d = get(`/${p}`);
      assert.equal(d.kind === 'refused' && d.status, 404, p);
      assert.equal(d.kind === 'refused' && d.reason, `${p}: pxe-import's private state is not served`);
    }
    // The second question, about the real path a symlink leads to.
    assert.equal(checkServedPath('.pxe-import/state.json', policy)?.status, 404);
    assert.equal(checkServedPath(`${tree}/casper/vmlinuz`, policy), undefined);
    assert.equal(checkServedPath('demo', policy), undefined);
  });
});

describe('routes', () => {
  test('/boot.ipxe?mac= in any MAC notation; not a MAC: the menu; without a query: the file', () => {
    assert.deepEqual(get('/boot.ipxe?mac=52-54-00-12-34-56'), { kind: 'boot-script', mac: '52:54:00:12:34:56' });
    assert.deepEqual(get('/boot.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56'), { kind: 'boot-script', mac: '52:54:00:12:34:56' });
    assert.deepEqual(get('/boot.ipxe?mac='), { kind: 'boot-script', mac: undefined });
    assert.deepEqual(get('/boot.ipxe?mac=nope'), { kind: 'boot-script', mac: undefined });
    assert.deepEqual(get('/boot.ipxe'), { kind: 'file', path: 'boot.ipxe' });
    assert.deepEqual(get('/boot.ipxe?other=1'), { kind: 'file', path: 'boot.ipxe' });
    assert.deepEqual(get('/api/state'), { kind: 'api', name: 'state' });
    assert.deepEqual(get('/api/boots?x'), { kind: 'api', name: 'boots' });
  });
});

describe('answers rendered from the state', () => {
  const MAC = '52:54:00:12:34:56';
  const assigned = withHost(state, { mac: MAC, import: 'demo', entry: 'live', append: 'quiet' });

  test("an assigned machine gets its own hosts/ file, any other the menu: the files the import writes", () => {
    const derived = deriveFiles(assigned, layout, menu);
    const own = derived.hostFiles.get('/srv/pxe/hosts/52-54-00-12-34-56.ipxe');
    assert.ok(own?.includes('quiet'));
    assert.equal(bootScript(assigned, layout, menu, MAC), own);
    const ipxeMenu = derived.menus.find((m) => m.path === layout.ipxeScript)!.text;
    assert.equal(bootScript(assigned, layout, menu, '52:54:00:00:00:01'), ipxeMenu);
    assert.equal(bootScript(assigned, layout, menu, undefined), ipxeMenu);
  });

  test('/api/state names the imports, versions, entries with their command lines, and the hosts', () => {
    const api = apiState(assigned, layout) as { imports: Array<{ name: string; version: string; retained: string[]; entries: Array<{ id: string; menuCommandLine: string }> }>; hosts: unknown[] };
    assert.equal(api.imports[0]!.name, 'demo');
    assert.equal(api.imports[0]!.version, V);
    assert.deepEqual(api.imports[0]!.retained, [OLD]);
    assert.deepEqual(api.imports[0]!.entries.map((e) => [e.id, e.menuCommandLine]), [['live', entry.nfs]]);
    assert.deepEqual(api.hosts, [{ mac: MAC, import: 'demo', entry: 'live', append: 'quiet' }]);
  });
});

test('read sizes: a small bounded range in one read, anything else in 256 KiB reads', () => {
  assert.equal(readChunkFor('bytes=1048576-2097151'), 1024 * 1024);
  assert.equal(readChunkFor('bytes=0-99'), 64 * 1024);
  for (const range of [undefined, 'bytes=0-', 'bytes=-500', 'bytes=0-1048576', 'bytes=0-9,20-29', 'bytes=9-0']) assert.equal(readChunkFor(range), 256 * 1024, String(range));
});
