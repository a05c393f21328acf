/**
 * `pxe-import serve --dhcp proxy` supervises real dnsmasq, in a private network namespace (only
 * its own loopback, so nothing answers on the host's networks): dnsmasq starts with the
 * configuration `pxe-import dhcp` renders, starts again when killed, its TFTP sends show up in
 * /api/boots, and SIGTERM stops both.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO_ROOT, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const curlTftp = hasCommand('curl') && /\btftp\b/.test(spawnSync('curl', ['-V'], { encoding: 'utf8' }).stdout ?? '');
const SKIP =
  requirement('root', process.getuid?.() === 0, 'serve --dhcp runs dnsmasq in a network namespace: needs root') ||
  requirement('dnsmasq', hasCommand('dnsmasq'), 'dnsmasq is not installed (apt-get install dnsmasq)') ||
  requirement('unshare/nsenter', hasCommand('unshare') && hasCommand('nsenter') && hasCommand('ip'), 'unshare, nsenter and ip (util-linux, iproute2) are needed for a private network namespace') ||
  requirement('curl with TFTP', curlTftp, 'curl with TFTP support is needed to fetch from dnsmasq');

let work: string;
let root: string;
let server: ChildProcess;
let out = '';
let stderr = '';

/** Resolves with the first match of `re` in serve's output, waiting for it (or fails when serve exits). */
function waitFor(re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) {
        server.stdout!.off('data', check);
        resolve(m);
      }
    };
    server.stdout!.on('data', check);
    server.once('exit', (code) => reject(new Error(`serve exited with ${code} before ${re}: ${out}${stderr}`)));
    check();
  });
}

/** Runs a command inside serve's network namespace. */
const inNamespace = (args: string[]) => execFileSync('nsenter', [`--net=/proc/${server.pid}/ns/net`, ...args], { encoding: 'utf8', timeout: 20_000 });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  if (SKIP) return;
  work = await tempDir('pxe-import-serve-dhcp-');
  root = join(work, 'root');
  const r = await runCli([demo, '--as', 'demo', '--root', root, '--exports-file', join(work, 'exports'), '--server', '127.0.0.1', '--clients', '127.0.0.0/8', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  // unshare and sh exec in place: the child's pid is serve's own.
  const serve = `ip link set lo up && exec "${process.execPath}" "${CLI}" serve --root "${root}" --listen 127.0.0.1:0 --dhcp proxy --subnet 127.0.0.0/8 --interface lo --no-nfs-check`;
  server = spawn('unshare', ['--net', 'sh', '-c', serve], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (out += d));
  server.stderr!.on('data', (d) => (stderr += d));
});

after(async () => {
  if (SKIP) return;
  if (server.exitCode === null) server.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

test('dnsmasq runs, is started again when it dies, logs TFTP boots, and stops with serve', { skip: SKIP }, async () => {
  const port = Number((await waitFor(/^serving .* on http:\/\/127\.0\.0\.1:(\d+)\//m))[1]);
  const first = Number((await waitFor(/^dnsmasq started \(pid (\d+)\)/m))[1]);
  await waitFor(/dnsmasq-tftp\[\d+\]: TFTP root is /);
  const conf = await readFile(join(root, '.pxe-import/dnsmasq.conf'), 'utf8');
  assert.match(conf, /^dhcp-range=127\.0\.0\.0,proxy,255\.0\.0\.0$/m);
  assert.match(conf, /^interface=lo$/m);

  process.kill(first, 'SIGKILL');
  await waitFor(/^dnsmasq exited \(SIGKILL\); starting it again in 1 s$/m);
  const second = Number((await waitFor(new RegExp(`^dnsmasq started \\(pid (?!${first}\\))(\\d+)\\)`, 'm')))[1]);
  assert.ok(alive(second));
  await waitFor(new RegExp(`dnsmasq-tftp\\[${second}\\]: TFTP root is `));

  const kernel = inNamespace(['curl', '-s', 'tftp://127.0.0.1/demo/casper/vmlinuz']);
  assert.equal(kernel, await readFile(join(root, 'demo/casper/vmlinuz'), 'utf8'));
  await waitFor(/dnsmasq-tftp\[\d+\]: sent \S+vmlinuz to 127\.0\.0\.1/);
  const boots = JSON.parse(inNamespace(['curl', '-s', `http://127.0.0.1:${port}/api/boots`])) as { boots: Array<{ kind: string; via: string; path: string; import?: string }> };
  assert.ok(boots.boots.some((b) => b.kind === 'kernel' && b.via === 'tftp' && b.path === 'demo/casper/vmlinuz' && b.import === 'demo'), JSON.stringify(boots));

  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.ok(!alive(second), 'dnsmasq outlived serve');
  assert.match(stderr, /^pxe-import: interrupted by SIGTERM; the server stopped/m);
});
