/**
 * Checks our reading of exports(5) against the real nfs-utils exportfs.
 *
 * Each run happens in private mount and network namespaces: the file under test
 * is bind-mounted over /etc/exports, /var/lib/nfs and /etc/exports.d are
 * replaced by empty directories, and /srv can be replaced by a tmpfs. The
 * network namespace matters: the kernel's NFS export cache is per network
 * namespace, so `exportfs -ra` cannot touch a real NFS server's exports on
 * the machine running the tests.
 */

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseExports,
  renderExports,
  upsertExport,
  validateExports,
  type ExportsFile,
} from '../../src/exports/index.js';
import { entriesOf, readFixture, VALID_FIXTURES } from './support.js';

const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface ExportfsRun {
  /** Exit status of `exportfs -ra`. */
  readonly rc: number;
  readonly stderr: string;
  /** `path client` pairs from `exportfs -v`. */
  readonly exported: readonly string[];
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { env: { PATH: SBIN_PATH } }).status === 0;
}

/** Why the real-exportfs tests cannot run here, or undefined when they can. */
function whyUnavailable(): string | undefined {
  if (!commandExists('exportfs')) return 'exportfs not installed';
  if (!commandExists('unshare')) return 'unshare not installed';
  if (process.getuid?.() !== 0) return 'not running as root (bind mounts need it)';
  if (!existsSync('/etc/exports') || !existsSync('/var/lib/nfs')) return '/etc/exports or /var/lib/nfs missing';
  const probe = spawnSync('unshare', ['-m', '-n', 'true'], { env: { PATH: SBIN_PATH } });
  if (probe.status !== 0) return 'cannot create mount/network namespaces (unshare -m -n failed)';
  return undefined;
}

const UNAVAILABLE = whyUnavailable();

/** Skips the test (with the reason) when exportfs cannot be run; true when it can. */
function canRun(t: TestContext): boolean {
  if (UNAVAILABLE === undefined) return true;
  t.skip(UNAVAILABLE);
  return false;
}

const SCRIPT = `
set -e
work="$1"; srv="$2"; shift 2
mount --bind "$work/exports" /etc/exports
mount --bind "$work/lib" /var/lib/nfs
if [ -d /etc/exports.d ]; then mount --bind "$work/empty" /etc/exports.d; fi
if [ "$srv" = yes ]; then
  mount -t tmpfs pxe-import-test /srv
  for p in "$@"; do mkdir -p -- "$p"; done
fi
set +e
exportfs -ra 2>"$work/ra.err"
echo $? >"$work/ra.rc"
exportfs -v >"$work/v.out" 2>/dev/null
true
`;

/**
 * Runs `exportfs -ra` on `text`. With `srvDirs`, /srv is a fresh tmpfs and those
 * directories are created in it first, so fixtures can use their real paths.
 */
function runExportfs(text: string, srvDirs?: readonly string[]): ExportfsRun {
  const work = mkdtempSync(join(tmpdir(), 'pxe-exportfs-'));
  try {
    mkdirSync(join(work, 'lib'));
    mkdirSync(join(work, 'empty'));
    writeFileSync(join(work, 'exports'), text);
    const args = ['-m', '-n', 'sh', '-c', SCRIPT, 'sh', work, srvDirs ? 'yes' : 'no', ...(srvDirs ?? [])];
    const r = spawnSync('unshare', args, { encoding: 'utf8', timeout: 30_000, env: { PATH: SBIN_PATH } });
    assert.equal(r.status, 0, `namespace setup failed: ${r.stderr}`);
    return {
      rc: Number(readFileSync(join(work, 'ra.rc'), 'utf8').trim()),
      stderr: readFileSync(join(work, 'ra.err'), 'utf8'),
      exported: parseExportfsVerbose(readFileSync(join(work, 'v.out'), 'utf8')),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `exportfs -v` prints the path padded to 13 columns, then a tab and
 * `client(options)`; a long path is followed by a newline and two tabs instead.
 */
function parseExportfsVerbose(out: string): string[] {
  const pairs: string[] = [];
  let path = '';
  for (const line of out.split('\n')) {
    if (line === '') continue;
    let client: string;
    const tab = line.lastIndexOf('\t');
    if (line.startsWith('\t\t')) {
      client = line.slice(2);
    } else if (tab > 0 && line.endsWith(')') && line.indexOf('(', tab) > tab) {
      path = line.slice(0, tab).trimEnd();
      client = line.slice(tab + 1);
    } else {
      path = line;
      continue;
    }
    pairs.push(`${path} ${client.slice(0, client.lastIndexOf('('))}`);
  }
  return pairs.sort();
}

/**
 * Clients that need the network are left out: the namespace has none, so DNS
 * names do not resolve and `fe80::1%eth0` has no eth0.
 */
function needsNetwork(host: string): boolean {
  return (/^[A-Za-z0-9.-]+$/.test(host) && !/^[0-9.]+$/.test(host)) || host.includes('%');
}

/**
 * How `exportfs -v` will show a path. It reads the paths back from etab, which
 * nfs-utils writes with plain `\ooo` escapes (fprintpath); a name holding '\'
 * plus three octal digits therefore shows up collapsed there, although the
 * directory exported (and stat'ed by `exportfs -ra`) is the right one.
 */
function asShownByExportfs(path: string): string {
  const etab = path.replace(/[\x00-\x20"\\#\x7f]/g, (ch) => `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return entriesOf(parseExports(`${etab} *\n`, 'etab'))[0]?.path ?? path;
}

/** The `path client` pairs our model says exportfs will export. */
function expectedPairs(f: ExportsFile): string[] {
  const pairs: string[] = [];
  for (const e of entriesOf(f)) {
    for (const c of e.clients) {
      if (needsNetwork(c.host)) continue;
      pairs.push(`${asShownByExportfs(e.path)} ${c.host === '*' || c.host === '' ? '<world>' : c.host}`);
    }
  }
  return pairs.sort();
}

test('real exportfs accepts every valid fixture and exports exactly what we parsed', (t) => {
  if (!canRun(t)) return;
  if (!existsSync('/srv')) {
    t.skip('/srv does not exist to mount a tmpfs on');
    return;
  }
  for (const name of VALID_FIXTURES) {
    const f = parseExports(readFixture(name), name);
    const run = runExportfs(readFixture(name), entriesOf(f).map((e) => e.path));
    assert.equal(run.rc, 0, `${name}: exportfs -ra failed:\n${run.stderr}`);
    assert.deepEqual(run.exported, expectedPairs(f), name);
  }
});

test('real exportfs stops at a blank CRLF line, as validateExports warns', (t) => {
  if (!canRun(t)) return;
  const text = readFixture('crlf-blank-line.exports');
  const f = parseExports(text, 'crlf-blank-line.exports');
  const run = runExportfs(text, entriesOf(f).map((e) => e.path));
  assert.deepEqual(run.exported, ['/srv/pxe/a <world>']);
  assert.equal(validateExports(f)[0]?.line, 3);
});

test('real exportfs accepts a rendered file with awkward paths and decodes them as we do', (t) => {
  if (!canRun(t)) return;
  const root = mkdtempSync(join(tmpdir(), 'pxe-exports-'));
  try {
    const names = ['ubuntu 24.04', 'hash#dir', 'quote"dir', 'back\\slash\\040x', 'tab\tdir', 'café', 'plain'];
    const dirs = names.map((n) => join(root, n));
    for (const d of dirs) mkdirSync(d);

    // A user's file with comments and a continued line for the plain dir, then our edits.
    const plain = dirs[dirs.length - 1]!;
    let file = parseExports(`# user file\n${plain} \\\n\t10.0.0.0/8(rw,no_subtree_check)\n`, '/etc/exports');
    dirs.slice(0, -1).forEach((d, i) => {
      file = upsertExport(file, d, ['*', '192.168.1.0/24', 'fd00::/64'], ['ro', 'no_subtree_check', 'async', `fsid=${100 + i}`], `pxe-import:${i}`).file;
    });
    const text = renderExports(file);
    assert.ok(text.startsWith(`# user file\n${plain} \\\n\t10.0.0.0/8(rw,no_subtree_check)\n`));
    assert.deepEqual(validateExports(file), []);

    const run = runExportfs(text);
    assert.equal(run.rc, 0, `exportfs -ra failed on:\n${text}\n${run.stderr}`);
    assert.equal(run.stderr, '', 'no warnings expected from exportfs');
    assert.deepEqual(run.exported, expectedPairs(file));
    // The escape quirk is nfs-utils' own, on the etab side: see asShownByExportfs.
    assert.ok(run.exported.includes(`${join(root, 'back\\slash x')} <world>`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('real exportfs rejects a bogus option, and so do we', (t) => {
  if (!canRun(t)) return;
  const root = mkdtempSync(join(tmpdir(), 'pxe-exports-'));
  try {
    const text = `${root} *(ro,no_subtree_check)\n${root} 10.0.0.0/8(ro,bogus)\n`;
    const run = runExportfs(text);
    assert.notEqual(run.rc, 0, 'exportfs should have failed');
    assert.match(run.stderr, /\/etc\/exports:2: unknown keyword "bogus"/);
    assert.deepEqual(
      validateExports(parseExports(text, '/etc/exports')).map((p) => `${p.line}: ${p.message}`),
      ['2: client "10.0.0.0/8(ro,bogus)": unknown option "bogus"'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
