/**
 * Extraction of the fixture images built by fixtures/build.sh with xorriso and
 * genisoimage. The ground truth is the source tree each image was built from
 * (fixtures/out/manifest.json), not another extractor.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { listEntries, type ListedEntry } from '../helpers/tree-listing.js';

interface ManifestEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo';
  size?: number;
  sha256?: string;
  target?: string;
  mode: string;
  mtime: number;
}
interface ManifestImage {
  entries?: ManifestEntry[];
  expect?: Record<string, unknown>;
}

const manifestPath = join(FIXTURES, 'manifest.json');
const SKIP = requirement('fixture images', existsSync(manifestPath), `fixture images not built (run: bash fixtures/build.sh --big); skipping fixture tests`);
const manifest: Record<string, ManifestImage> = SKIP === false && existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')).images : {};
const image = (name: string) => join(FIXTURES, name);

/**
 * Some images are built only on request or as root: the 4.5 GiB one (fixtures/build.sh --big;
 * PXE_IMPORT_SKIP_BIG=1 leaves it out) and the device nodes (mknod). Their tests skip, or fail in CI.
 */
function fixtureSkip(name: string, why: string): false | string {
  if (!existsSync(manifestPath)) return SKIP;
  return requirement(`fixture ${name}`, manifest[name] !== undefined && existsSync(image(name)), `${name} not built (${why}); skipping its tests`);
}
const BIG_SKIP = fixtureSkip('big-multi-extent.iso', 'PXE_IMPORT_SKIP_BIG=1 leaves it out; run: bash fixtures/build.sh --big');
const DEVICES_SKIP = fixtureSkip('device-nodes.iso', 'mknod needs root; run fixtures/build.sh as root');
/** The manifest entry of an image a test needs; a clear failure instead of a TypeError when it was not built. */
function manifestOf(name: string): ManifestImage {
  const m = manifest[name];
  assert.ok(m, `${name} is not in ${manifestPath}: the image was not built`);
  return m;
}

const TYPE: Record<ManifestEntry['type'], ListedEntry['type']> = { dir: 'd', file: 'f', symlink: 'l', char: 'c', block: 'b', fifo: 'p' };
const SPECIAL = new Set(['char', 'block', 'fifo']);

/** What extraction must produce for one source entry: privileges stripped, devices never created. */
function expected(e: ManifestEntry, opts: { modes: boolean; ignoreSha?: ReadonlySet<string> }): ListedEntry | undefined {
  if (SPECIAL.has(e.type)) return undefined;
  const t = TYPE[e.type];
  return {
    path: e.path.slice(1),
    type: t,
    size: t === 'f' ? String(e.size) : t === 'l' ? String(Buffer.byteLength(e.target!)) : '-',
    mode: t === 'l' ? '0777' : opts.modes ? (Number.parseInt(e.mode, 8) & ~0o6000).toString(8).padStart(4, '0') : '*',
    mtime: String(e.mtime),
    data: t === 'f' ? (opts.ignoreSha?.has(e.path) ? '*' : e.sha256!) : t === 'l' ? e.target! : '-',
    hlink: '*',
  };
}

function compare(actual: ListedEntry[], wanted: ListedEntry[]): void {
  const mask = (a: ListedEntry, w: ListedEntry): ListedEntry => ({
    ...a,
    mode: w.mode === '*' ? '*' : a.mode,
    data: w.data === '*' ? '*' : a.data,
    hlink: '*',
  });
  const byPath = new Map(wanted.map((w) => [w.path, w]));
  const got = actual.filter((a) => a.path !== '.').map((a) => (byPath.has(a.path) ? mask(a, byPath.get(a.path)!) : a));
  assert.deepEqual(got, [...wanted].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))));
}

describe('fixture images built with xorriso and genisoimage', { skip: SKIP }, () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-fixtures-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const extracted = new Map<string, Promise<{ dir: string; stderr: string }>>();
  /** Each image is extracted once; several tests look at the result. */
  function extract(name: string): Promise<{ dir: string; stderr: string }> {
    let done = extracted.get(name);
    if (!done) {
      done = (async () => {
        const dir = join(work, name.replace(/\.iso$/, ''));
        const r = await runCli(['extract', '--quiet', image(name), dir], { timeoutMs: 300_000 });
        assert.equal(r.code, 0, r.stderr);
        return { dir, stderr: r.stderr };
      })();
      extracted.set(name, done);
    }
    return done;
  }

  /** Entries the image holds beyond its source tree, or reads differently for a documented reason. */
  const imageOnly: Record<string, { add?: ListedEntry[]; mtime?: Record<string, string> }> = {
    // xorriso stores the El Torito boot catalog as a file.
    'eltorito.iso': { add: [{ path: 'isolinux/boot.cat', type: 'f', size: '2048', mode: '0444', mtime: '1700000000', data: '*', hlink: '*' }] },
    // genisoimage wrote GMT offset -74 for 2099 (a 24-hour wrap of +22); the offset is ignored, as Linux and libarchive do.
    'rr-genisoimage.iso': { mtime: { 'dates/y2099.txt': String(Date.UTC(2099, 11, 31, 5, 30) / 1000) } },
  };
  for (const name of ['rr-features.iso', 'rr-genisoimage.iso', 'zisofs.iso', 'zisofs-mkzftree.iso', 'eltorito.iso', 'device-nodes.iso', 'plain-level3.iso']) {
    test(`${name}: the extracted tree equals the source tree`, { skip: name === 'device-nodes.iso' ? DEVICES_SKIP : false }, async () => {
      const m = manifestOf(name);
      const rockRidge = !name.startsWith('plain');
      // El Torito's boot-info-table patches isolinux.bin on disc (bytes 8-63); checked separately below.
      const ignoreSha = new Set(name === 'eltorito.iso' ? ['/isolinux/isolinux.bin'] : []);
      const { dir } = await extract(name);
      const extra = imageOnly[name];
      const wanted = m.entries!.map((e) => expected(e, { modes: rockRidge, ignoreSha })).filter((e): e is ListedEntry => e !== undefined);
      for (const w of wanted) if (extra?.mtime?.[w.path]) w.mtime = extra.mtime[w.path]!;
      compare(await listEntries(dir), [...wanted, ...(extra?.add ?? [])]);
    });
  }

  test('rr-features.iso: dot-directories, the `ubuntu -> .` loop, absolute links, CE names, unicode, modes', async () => {
    const { dir } = await extract('rr-features.iso');
    assert.ok((await stat(join(dir, '.disk/info'))).isFile());
    const listing = await listEntries(dir);
    const find = (p: string) => listing.find((e) => e.path === p);
    assert.equal(find('ubuntu')?.type, 'l');
    assert.equal(find('ubuntu')?.data, '.');
    assert.equal(find('abs')?.data, '/etc/passwd');
    assert.ok(listing.some((e) => e.path.startsWith('names/long-name-') && e.path.length > 150), 'a name stored in a CE area');
    assert.ok(listing.some((e) => e.path.endsWith('café-ñ.txt')));
    for (const e of listing) assert.equal(Number.parseInt(e.mode, 8) & 0o6000, 0, `${e.path} keeps a setuid/setgid bit`);
  });

  for (const name of ['rr-features.iso', 'rr-genisoimage.iso']) {
    test(`${name}: hard links share one inode (${name === 'rr-features.iso' ? 'RRIP 1.12 serial numbers' : 'shared extent, RRIP 1.09'})`, async () => {
      const { dir } = await extract(name);
      const links = manifestOf(name).expect!.hardlinks as string[];
      const inodes = await Promise.all(links.map(async (p) => (await lstat(join(dir, p))).ino));
      assert.equal(new Set(inodes).size, 1);
      assert.equal((await lstat(join(dir, links[0]!))).nlink, links.length);
    });
  }

  test('rr-genisoimage.iso: directories relocated by Rock Ridge (CL/PL/RE) are back in place and rr_moved is hidden', async () => {
    const { dir } = await extract('rr-genisoimage.iso');
    assert.ok(!existsSync(join(dir, 'rr_moved')));
    const deepest = Array.from({ length: 12 }, (_, i) => `level${String(i + 1).padStart(2, '0')}`).join('/');
    assert.ok((await stat(join(dir, 'deep', deepest))).isDirectory());
  });

  test('device-nodes.iso: no device node or FIFO is created; each is reported', { skip: DEVICES_SKIP }, async () => {
    const { dir, stderr } = await extract('device-nodes.iso');
    assert.deepEqual((await readdir(join(dir, 'dev'))).sort(), []);
    for (const p of ['/dev/null: char device', '/dev/loop0: block device', '/dev/fifo: fifo', '/dev/big-numbers: char device']) assert.match(stderr, new RegExp(`${p} not created`));
    assert.equal((await stat(join(dir, 'bin/su-like'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dir, 'bin/sg-like'))).mode & 0o7777, 0o755);
  });

  test('eltorito.iso: inspect reports both boot entries and the files they load', async () => {
    const r = await runCli(['inspect', '--json', image('eltorito.iso')]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepEqual(
      d.elTorito.map((e: Record<string, unknown>) => [e.platform, e.emulation, e.bootable, e.sectorCount, e.file]),
      [
        ['x86', 'none', true, 4, '/isolinux/isolinux.bin'],
        ['efi', 'none', true, 2880, '/boot/efi.img'],
      ],
    );
    // The on-disc isolinux.bin carries the boot-info-table: it differs from the source only in bytes 8..63.
    const { dir } = await extract('eltorito.iso');
    const source = manifestOf('eltorito.iso').entries!.find((e) => e.path === '/isolinux/isolinux.bin')!;
    const ours = readFileSync(join(dir, 'isolinux/isolinux.bin'));
    assert.equal(ours.length, source.size);
    assert.notEqual(createHash('sha256').update(ours).digest('hex'), source.sha256);
  });

  test('many-entries.iso: a directory spanning many sectors yields all 5000 entries with their content', async () => {
    const { dir } = await extract('many-entries.iso');
    const names = (await readdir(join(dir, 'many'))).sort();
    assert.equal(names.length, 5000);
    const lines = names.map((n) => `${n} ${readFileSync(join(dir, 'many', n), 'utf8').replace(/\n$/, '')}\n`).join('');
    assert.equal(createHash('sha256').update(lines).digest('hex'), manifestOf('many-entries.iso').expect!.listing_sha256);
  });

  test('joliet-only.iso: Joliet names (mixed case, unicode, 103-character limit) and contents', async () => {
    const { dir } = await extract('joliet-only.iso');
    const listing = await listEntries(dir);
    const files = <T extends { type: string }>(l: T[]) => l.filter((e) => e.type === 'f' || e.type === 'file');
    const source = manifestOf('joliet-only.iso').entries!;
    // Joliet keeps names of up to 103 UCS-2 characters; longer ones are cut by the writer.
    const joliet = (p: string) => p.split('/').map((part) => [...part].slice(0, 103).join('')).join('/');
    assert.deepEqual(
      files(listing).map((e) => `${e.path}\t${e.data}`).sort(),
      files(source).map((e) => `${joliet(e.path.slice(1))}\t${e.sha256}`).sort(),
    );
  });

  test('plain-iso.iso: ISO9660 level-1 names lose ";1" and a trailing "."; contents intact', async () => {
    const { dir } = await extract('plain-iso.iso');
    const listing = await listEntries(dir);
    assert.ok(listing.some((e) => e.path === 'VMLINUZ'), 'VMLINUZ.;1 becomes VMLINUZ');
    assert.ok(listing.some((e) => e.path === 'README.TXT'));
    const shas = (l: { data?: string; sha256?: string; type: string }[]) => l.filter((e) => e.type === 'f' || e.type === 'file').map((e) => e.data ?? e.sha256).sort();
    assert.deepEqual(shas(listing), shas(manifestOf('plain-iso.iso').entries!));
  });

  test('plain-level4.iso: an ISO 9660:1999 enhanced descriptor is not mistaken for Joliet', async () => {
    const r = await runCli(['inspect', '--json', image('plain-level4.iso')]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.tree, 'iso9660');
    assert.equal(d.trees.joliet, undefined);
  });

  test('big-multi-extent.iso: a 4.5 GiB file in two extents (flag 0x80) comes out whole, sparse, at flat memory', { skip: BIG_SKIP }, async () => {
    const m = manifestOf('big-multi-extent.iso').expect! as { file: string; size: number; sha256: string; markers: Record<string, string> };
    const { dir } = await extract('big-multi-extent.iso');
    const path = join(dir, m.file);
    const st = await stat(path);
    assert.equal(st.size, m.size);
    // Zero runs are left as holes, so the copy takes a fraction of the space.
    assert.ok(st.blocks * 512 < m.size / 100, `allocated ${st.blocks * 512} bytes`);
    const fh = await open(path, 'r');
    try {
      for (const [offset, marker] of Object.entries(m.markers)) {
        const b = Buffer.alloc(16);
        await fh.read(b, 0, 16, Number(offset));
        assert.equal(b.toString('latin1'), marker, `marker at ${offset}`);
      }
      const h = createHash('sha256');
      const buffer = Buffer.alloc(16 << 20);
      for (let pos = 0; pos < m.size; ) {
        const { bytesRead } = await fh.read(buffer, 0, buffer.length, pos);
        h.update(buffer.subarray(0, bytesRead));
        pos += bytesRead;
      }
      assert.equal(h.digest('hex'), m.sha256);
    } finally {
      await fh.close();
    }
  });
});

describe('hostile fixture images: nothing is written outside the target, nothing privileged is created', { skip: SKIP }, () => {
  let jail: string;
  before(async () => {
    jail = await tempDir('pxe-import-jail-');
  });
  after(async () => {
    if (jail) await rm(jail, { recursive: true, force: true });
  });

  const skipped: Record<string, RegExp[]> = {
    'hostile-traversal.iso': [/"\.\.\/\.\.\/\.\.\/evil\.tx": name contains "\/"; entry skipped/, /"\/tmp\/pxe-import-pwned": name contains "\/"/, /"sub\/evil\.txt"/, /escape\.tx": name contains "\/"/],
    'hostile-dotdot.iso': [/"\.\.": name "\.\." would refer to a directory outside the entry/, /"\.": name "\."/, /NUL byte/],
    'hostile-symlink-then-file.iso': [/\/d: a second entry with this name in the same directory; skipped/, /\/sub\/r: a second entry/],
    'hostile-abs-symlink.iso': [/\/link: a second entry with this name/],
  };
  for (const [name, warnings] of Object.entries(skipped)) {
    test(`${name}: unsafe entries are skipped with a warning, the rest is extracted inside the target`, async () => {
      const target = join(jail, name, 'target');
      await mkdir(join(jail, name));
      const r = await runCli(['extract', '--quiet', image(name), target]);
      assert.equal(r.code, 0, r.stderr);
      for (const w of warnings) assert.match(r.stderr, w);
      assert.deepEqual(await readdir(join(jail, name)), ['target'], 'nothing beside the target');
      assert.ok(!existsSync('/tmp/pxe-import-pwned'));
      assert.ok(!existsSync('/tmp/payload') && !existsSync('/tmp/evil.tx'));
      // Every entry is a plain file, directory or symlink inside the target; no link was written through.
      for (const e of await listEntries(target)) {
        assert.ok(['f', 'd', 'l'].includes(e.type), `${e.path} is ${e.type}`);
        if (e.type === 'f' || e.type === 'd') assert.equal((await lstat(join(target, e.path))).isSymbolicLink(), false);
      }
    });
  }

  const refused: Record<string, RegExp> = {
    'hostile-ce-loop.iso': /continuation area \(CE\) at block \d+ offset \d+ loops back on itself/,
    'hostile-ce-beyond-end.iso': /continuation area \(CE\) at block 2147483632 lies beyond the end of the image/,
    'hostile-extent-beyond-end.iso': /data at block \d+ \(\d+ bytes\) lies beyond the end of the image/,
    'hostile-truncated.iso': /lies beyond the end of the image \(433152 bytes\)/,
    'not-an-iso.iso': /not a valid ISO9660 image: no ISO9660 signature "CD001" at sector 16/,
  };
  for (const [name, message] of Object.entries(refused)) {
    test(`${name}: refused with one line, within 5 s, leaving nothing`, async () => {
      await mkdir(join(jail, name));
      const r = await runCli(['extract', image(name), join(jail, name, 'target')], { timeoutMs: 10_000 });
      assert.equal(r.code, 1);
      assert.ok(r.ms < 5000);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^pxe-import: ${image(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(lines[0]!, message);
      assert.deepEqual(await readdir(join(jail, name)), []);
    });
  }
});
