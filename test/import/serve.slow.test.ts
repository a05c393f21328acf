/**
 * `pxe-import serve` through the real CLI on a loopback port, against a root with the demo ISO
 * imported and one machine assigned: byte ranges (on a sparse 5 GiB file, at offsets past 4 GiB,
 * byte-compared with the file), suffix ranges, 416, HEAD, conditional 304, traversal attempts sent
 * as raw bytes (no client library normalises them), symlinks out of the root or onto the private
 * state, a client address outside --clients, /boot.ipxe?mac= and the API, and a clean SIGTERM stop.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRootState } from '../../src/import/read.js';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO_ROOT, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const NO_EXPORTFS_PATH = [dirname(process.execPath), '/usr/bin', '/bin'].filter((d) => !existsSync(join(d, 'exportfs'))).join(':');
const MAC = '52:54:00:12:34:56';
const BIG = 5 * 1024 ** 3;
/** Patterned blocks written into the sparse file: past 4 GiB, across the 4 GiB line and at the very end. */
const PATCHES = [4 * 1024 ** 3 + 12_345, 4 * 1024 ** 3 - 1000, BIG - 70_000];

/** Whether this host lets a socket bind 127.0.0.2 (Linux routes all of 127/8 to lo). */
async function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
}
const SECOND_LOOPBACK = requirement('127.0.0.2', await canBind('127.0.0.2'), 'cannot bind 127.0.0.2 (a second loopback address), needed as a client outside --clients');

let work: string;
let root: string;
let server: ChildProcess;
let port: number;
let stderr = '';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function http(path: string, options: { method?: string; headers?: Record<string, string>; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status of a request sent as raw bytes: the target reaches the server exactly as written. */
function rawStatus(target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1')));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

async function bytesOf(file: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

before(async () => {
  work = await tempDir('pxe-import-serve-');
  root = join(work, 'root');
  const common = ['--root', root, '--exports-file', join(work, 'exports')];
  const imported = await runCli([demo, '--as', 'demo', ...common, '--server', '127.0.0.1', '--clients', '127.0.0.1', '--quiet']);
  assert.equal(imported.code, 0, imported.stderr);
  const host = await runCli(['host', 'add', MAC, '--entry', 'demo', '--append', 'quiet', ...common]);
  assert.equal(host.code, 0, host.stderr);

  await mkdir(join(root, 'big'));
  const fh = await open(join(root, 'big/sparse.bin'), 'w');
  await fh.truncate(BIG);
  for (const [i, at] of PATCHES.entries()) await fh.write(Buffer.alloc(65_536, `pattern-${i}-`), 0, 65_536, at);
  await fh.close();
  await writeFile(join(work, 'outside.txt'), 'outside the root\n');
  await symlink(work, join(root, 'escape'));
  await symlink('.pxe-import/state.json', join(root, 'state-link'));

  // A PATH without exportfs (it lives in /usr/sbin): serve's NFS check must warn, and must not
  // run exportfs -ra on this machine's export table.
  server = spawn(process.execPath, [CLI, 'serve', '--root', root, '--listen', '127.0.0.1:0', '--dhcp', 'off'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: NO_EXPORTFS_PATH } });
  server.stderr!.on('data', (d) => (stderr += d));
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /^serving .* on http:\/\/127\.0\.0\.1:(\d+)\/ to 127\.0\.0\.1$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
});

after(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

describe('the command line', () => {
  test('a bad --listen or --dhcp is one line, exit 2, and nothing starts', async () => {
    for (const [args, pattern] of [
      [['--listen', '127.0.0.1'], /^pxe-import: --listen: expected ADDR:PORT/],
      [['--listen', '127.0.0.1:70000'], /^pxe-import: --listen: expected ADDR:PORT/],
      [['--dhcp', 'maybe'], /^pxe-import: --dhcp: expected off, proxy or full, got "maybe"$/m],
    ] as const) {
      const r = await runCli(['serve', '--root', root, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });

  test('--print-unit prints a unit running the same serve, and serves nothing', async () => {
    const r = await runCli(['serve', '--root', root, '--listen', '127.0.0.1:8080', '--print-unit']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ExecStart=\\S+ \\S+main\\.js serve --root ${root} --listen 127\\.0\\.0\\.1:8080 --dhcp off$`, 'm'));
    assert.match(r.stdout, /^\[Install\]$/m);
    assert.match(r.stdout, /^SuccessExitStatus=143 130$/m);
  });

  test('a state.json damaged while serve runs: it goes on with the state it had', async () => {
    const file = join(root, '.pxe-import/state.json');
    const good = await readFile(file, 'utf8');
    await writeFile(file, '{ not json');
    try {
      const r = await http('/boot.ipxe?mac=52:54:00:12:34:56');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), await readFile(join(root, 'hosts/52-54-00-12-34-56.ipxe'), 'utf8'));
    } finally {
      await writeFile(file, good);
    }
  });
});

describe('files', () => {
  test('single ranges past 4 GiB and across it, byte for byte', async () => {
    const file = join(root, 'big/sparse.bin');
    for (const at of PATCHES) {
      for (const [start, length] of [[at, 65_536], [at - 100, 300], [at + 65_000, 1_000]] as const) {
        const end = Math.min(start + length, BIG) - 1;
        const r = await http('/big/sparse.bin', { headers: { Range: `bytes=${start}-${end}` } });
        assert.equal(r.status, 206, `bytes=${start}-${end}`);
        assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${BIG}`);
        assert.ok(r.body.equals(await bytesOf(file, start, end - start + 1)), `bytes=${start}-${end} differ`);
      }
    }
  });

  test('a suffix range is the last bytes; a range from the end or beyond is 416 with the size', async () => {
    const r = await http('/big/sparse.bin', { headers: { Range: 'bytes=-5000' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes ${BIG - 5000}-${BIG - 1}/${BIG}`);
    assert.ok(r.body.equals(await bytesOf(join(root, 'big/sparse.bin'), BIG - 5000, 5000)));
    for (const range of [`bytes=${BIG}-`, `bytes=${BIG + 10}-${BIG + 20}`]) {
      const past = await http('/big/sparse.bin', { headers: { Range: range } });
      assert.equal(past.status, 416, range);
      assert.equal(past.headers['content-range'], `bytes */${BIG}`);
    }
  });

  test('HEAD gives the size of a file over 4 GiB and no body; a whole GET of a small file is the file', async () => {
    const head = await http('/big/sparse.bin', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(BIG));
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.equal(head.body.length, 0);
    const kernel = await http('/demo/casper/vmlinuz');
    assert.equal(kernel.status, 200);
    assert.ok(kernel.body.equals(await readFile(join(root, 'demo/casper/vmlinuz'))));
    assert.equal(kernel.headers['content-type'], 'application/octet-stream');
    assert.equal((await http('/boot.ipxe')).headers['content-type'], 'text/plain; charset=utf-8');
  });

  test('conditional requests: If-None-Match and If-Modified-Since give 304, a changed ETag the file', async () => {
    const first = await http('/demo/casper/vmlinuz');
    const etag = String(first.headers.etag);
    const modified = String(first.headers['last-modified']);
    assert.ok(etag.length > 2 && modified.length > 0);
    assert.equal((await http('/demo/casper/vmlinuz', { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await http('/demo/casper/vmlinuz', { headers: { 'If-Modified-Since': modified } })).status, 304);
    assert.equal((await http('/demo/casper/vmlinuz', { headers: { 'If-None-Match': '"other"' } })).status, 200);
    // If-Range with a stale validator: the whole file, not the range.
    const stale = await http('/demo/casper/vmlinuz', { headers: { Range: 'bytes=0-3', 'If-Range': '"other"' } });
    assert.equal(stale.status, 200);
  });
});

describe('refusals', () => {
  test('"..", "%2e%2e", NUL and backslashes, sent as raw bytes', async () => {
    for (const target of ['/../outside.txt', '/demo/../../outside.txt', '/%2e%2e/outside.txt', '/demo/%2E%2E/%2e%2e/outside.txt', '/demo%00', '/boot.ipxe%00.txt', '/demo/\0x', '/..%5coutside.txt']) {
      assert.equal(await rawStatus(target), 400, target);
    }
  });

  test('a symlink out of the root is 403; one onto the private state, and the state itself, 404', async () => {
    assert.equal((await http('/escape/outside.txt')).status, 403);
    assert.equal((await http('/state-link')).status, 404);
    for (const p of ['/.pxe-import/state.json', '/.pxe-import/state.json.prev', '/.pxe-import/lock', '/.pxe-import/versions/demo', '/.pxe-import/boots.jsonl']) {
      assert.equal((await http(p)).status, 404, p);
    }
    const version = (await readRootState(root)).imports.demo!.version;
    assert.equal((await http(`/.pxe-import/versions/demo/${version}/casper/vmlinuz`)).status, 200);
  });

  test('a client outside --clients (127.0.0.2) is refused with 403', { skip: SECOND_LOOPBACK }, async () => {
    for (const p of ['/demo/casper/vmlinuz', '/boot.ipxe', '/api/state']) {
      const r = await http(p, { localAddress: '127.0.0.2' });
      assert.equal(r.status, 403, p);
      assert.match(r.body.toString(), /127\.0\.0\.2 is not one of the clients/);
    }
  });

  test('only GET and HEAD', async () => {
    assert.equal((await http('/boot.ipxe', { method: 'PUT' })).status, 405);
  });
});

describe('boot scripts and the API', () => {
  test('/boot.ipxe?mac=: the assigned machine gets its own script, another the menu', async () => {
    const own = await http(`/boot.ipxe?mac=${MAC.replaceAll(':', '-')}`);
    assert.equal(own.status, 200);
    assert.equal(own.body.toString(), await readFile(join(root, 'hosts/52-54-00-12-34-56.ipxe'), 'utf8'));
    assert.match(own.body.toString(), /quiet/);
    const other = await http('/boot.ipxe?mac=52:54:00:00:00:01');
    assert.equal(other.body.toString(), await readFile(join(root, 'boot.ipxe'), 'utf8'));
  });

  test('/: the status page names the import, its entries and the assigned machine', async () => {
    const r = await http('/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const html = r.body.toString();
    for (const id of (await readRootState(root)).imports.demo!.entries.map((e) => e.id)) assert.ok(html.includes(`<code>${id}</code>`), id);
    assert.ok(html.includes(`<code>${MAC}</code>`));
  });

  test('/api/state: the imports, versions, entries with command lines, and the hosts', async () => {
    const state = await readRootState(root);
    const r = await http('/api/state');
    assert.equal(r.headers['content-type'], 'application/json');
    const api = JSON.parse(r.body.toString()) as { imports: Array<{ name: string; version: string; entries: Array<{ id: string; menuCommandLine: string }> }>; hosts: Array<{ mac: string }> };
    assert.deepEqual(api.imports.map((i) => [i.name, i.version]), [['demo', state.imports.demo!.version]]);
    assert.deepEqual(api.imports[0]!.entries.map((e) => [e.id, e.menuCommandLine]), state.imports.demo!.entries.map((e) => [e.id, e.nfs ?? e.http ?? '']));
    assert.ok(api.imports[0]!.entries.every((e) => e.menuCommandLine.includes('nfsroot=127.0.0.1:')));
    assert.deepEqual(api.hosts.map((h) => h.mac), [MAC]);
  });

  test('/api/boots: the script and then the kernel, by the MAC the client gave; kept in the log file', async () => {
    await http(`/boot.ipxe?mac=${MAC}`);
    await http('/demo/casper/vmlinuz');
    const boots = (JSON.parse((await http('/api/boots')).body.toString()) as { boots: Array<{ kind: string; mac?: string; import?: string; path: string }> }).boots;
    const last = boots.slice(-2);
    assert.deepEqual(last.map((b) => [b.kind, b.mac, b.path]), [['script', MAC, 'boot.ipxe'], ['kernel', MAC, 'demo/casper/vmlinuz']]);
    assert.equal(last[1]!.import, 'demo');
    const lines = (await readFile(join(root, '.pxe-import/boots.jsonl'), 'utf8')).trim().split('\n');
    assert.ok(lines.length >= 2);
  });

  test('without a kernel NFS server, one warning says the NFS entries will not boot', () => {
    assert.match(stderr, /^pxe-import: warning: NFS: exportfs is not installed \(nfs-kernel-server\): the kernel NFS server does not serve this root; entries that boot over NFS will not boot$/m);
  });

  test('SIGTERM stops it: one line, exit 143', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.match(stderr, /^pxe-import: interrupted by SIGTERM; the server stopped/m);
  });

  test('pxe-import boots --json reads the log serve kept', async () => {
    const r = await runCli(['boots', '--root', root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const boots = JSON.parse(r.stdout) as Array<{ kind: string; mac?: string; import?: string }>;
    assert.ok(boots.some((b) => b.kind === 'kernel' && b.mac === MAC && b.import === 'demo'), r.stdout);
  });
});
