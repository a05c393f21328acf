/**
 * UDF fixture images from real tools (fixtures/udf.sh): python3-pycdlib's UDF with an ISO9660
 * README.TXT stub, and udftools' mkudffs volumes of each revision (empty: the host cannot mount
 * UDF to fill them). Each extraction is compared with the source tree and with 7-Zip's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { listTree, project, type Column } from '../helpers/listing.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { hasCommand, requirement } from '../helpers/requirements.js';

const DIR = join(FIXTURES, 'udf-reader');
const SKIP = requirement('UDF fixture images', existsSync(join(DIR, 'pycdlib-260-full.iso')), 'UDF fixtures not built (run: bash fixtures/udf.sh; needs udftools and python3-pycdlib); skipping');
const SEVEN = hasCommand('7zz') ? '7zz' : '7z';
const SEVEN_SKIP = requirement('7-Zip', hasCommand('7zz') || hasCommand('7z'), '7-Zip (7zz or 7z) not installed; skipping the comparisons with it');

/** Without Rock Ridge-like modes to compare, and with pycdlib writing day = month (pycdlib udf.py UDFTimestamp.new), times are not compared with the source. */
const CONTENT: Column[] = ['path', 'type', 'size', 'data', 'hlink'];
const body = (lines: string[]) => lines.filter((l) => !l.startsWith('.\t'));

describe('UDF fixture images', { skip: SKIP }, () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-udf-fixtures-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const extract = async (image: string, out: string, args: string[] = []) => {
    const r = await runCli(['extract', ...args, join(DIR, image), out]);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };

  for (const kind of ['full', 'symlink']) {
    test(`pycdlib-260-${kind}.iso: the ISO9660 stub is passed over for the UDF tree, which equals the source tree (names, types, sizes, content, hard links, symlink targets)`, async () => {
      const out = join(work, `pycdlib-${kind}`);
      const r = await extract(`pycdlib-260-${kind}.iso`, out);
      assert.match(r.stdout, /note: the ISO9660 tree holds only README\.TXT \(a stub for readers without UDF\); reading the UDF tree/);
      assert.deepEqual(project(body(await listTree(out)), CONTENT), project(body(await listTree(join(DIR, `pycdlib-260-${kind}.tree`))), CONTENT));
    });
  }

  test('pycdlib-260-full.iso: the UDF extraction equals 7-Zip\'s (7z x -tudf), hard links aside (7-Zip copies them)', { skip: SEVEN_SKIP }, async () => {
    const ours = join(work, 'pycdlib-full-7z-ours');
    const theirs = join(work, 'pycdlib-full-7z');
    await extract('pycdlib-260-full.iso', ours);
    const seven = spawnSync(SEVEN, ['x', '-y', '-bd', '-tudf', `-o${theirs}`, join(DIR, 'pycdlib-260-full.iso')], { encoding: 'utf8' });
    assert.equal(seven.status, 0, seven.stderr);
    const columns: Column[] = ['path', 'type', 'size', 'mtime', 'data'];
    const a = project(body(await listTree(ours)), columns);
    assert.equal(a.length, 3008, 'README.TXT, sources/ with install.wim and setup-copy.exe, many/ with 3000, setup.exe, two long names');
    assert.deepEqual(a, project(body(await listTree(theirs)), columns));
  });

  test('pycdlib-260-full.iso --tree iso9660 reads the stub', async () => {
    const out = join(work, 'pycdlib-stub');
    const r = await extract('pycdlib-260-full.iso', out, ['--tree', 'iso9660']);
    assert.doesNotMatch(r.stdout, /note:/);
    assert.deepEqual(project(body(await listTree(out)), ['path', 'type']), ['README.TXT\tf']);
  });

  test('pycdlib-260-full.iso: import extracts the UDF tree into the version directory, with the note saying why', async () => {
    const root = join(work, 'root');
    const profiles = join(work, 'profiles');
    await mkdir(root);
    await mkdir(profiles);
    // A user profile (profiles/README.md) that needs the UDF side's files; no built-in profile knows Windows yet.
    const profile = {
      id: 'udf-test',
      family: 'alpine',
      name: 'UDF test tree',
      priority: 10,
      detect: { all: [{ exists: '/sources/install.wim' }] },
      boot: { kernel: ['/setup.exe'], initrds: ['/README.TXT'], defaultArguments: [] },
      cmdline: { nfs: null, http: 'x={httpBase}' },
    };
    await writeFile(join(profiles, 'udf-test.json'), JSON.stringify(profile));
    const r = await runCli(['import', join(DIR, 'pycdlib-260-full.iso'), '--root', root, '--server', '127.0.0.1', '--profiles', profiles]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^note: .*pycdlib-260-full\.iso: the ISO9660 tree holds only README\.TXT .*reading the UDF tree/m);
    const state = JSON.parse(await readFile(join(root, '.pxe-import', 'state.json'), 'utf8'));
    const version = state.imports['pycdlib-260-full'].version;
    const tree = join(root, '.pxe-import', 'versions', 'pycdlib-260-full', version);
    assert.deepEqual(await readFile(join(tree, 'sources', 'install.wim')), await readFile(join(DIR, 'pycdlib-260-full.tree', 'sources', 'install.wim')));
  });

  const MKUDFFS: Record<string, { revision: string; maps: string[] }> = {
    'mkudffs-0102-hd.img': { revision: '1.02', maps: ['physical'] },
    'mkudffs-0150-hd.img': { revision: '1.50', maps: ['physical'] },
    'mkudffs-0150-cdr.img': { revision: '1.50', maps: ['physical', 'virtual'] },
    'mkudffs-0201-hd.img': { revision: '2.01', maps: ['physical'] },
    'mkudffs-0201-cdr.img': { revision: '2.01', maps: ['physical', 'virtual'] },
    'mkudffs-0250-bdr.img': { revision: '2.50', maps: ['physical', 'virtual'] },
    'mkudffs-0260-bdr.img': { revision: '2.60', maps: ['physical', 'virtual'] },
  };
  for (const [image, expected] of Object.entries(MKUDFFS)) {
    test(`${image}: inspect --json gives UDF ${expected.revision} with ${expected.maps.join(' + ')} maps; extract gives the empty root${expected.maps.includes('virtual') ? ' (7-Zip refuses the VAT)' : ', as 7-Zip lists it'}`, async () => {
      const r = await runCli(['inspect', '--json', join(DIR, image)]);
      assert.equal(r.code, 0, r.stderr);
      const d = JSON.parse(r.stdout);
      assert.equal(d.tree, 'udf');
      assert.equal(d.trees.iso9660, false);
      assert.equal(d.udf.revision, expected.revision);
      assert.deepEqual(d.udf.partitionMaps.map((m: { type: string }) => m.type), expected.maps);
      assert.equal(d.udf.logicalVolumeId, `REV${image.slice(8, 12)}`);
      const out = join(work, image);
      await extract(image, out);
      assert.deepEqual(body(await listTree(out)), []);
      // 7-Zip refuses virtual partitions (the VAT of write-once media): "Unsupported feature".
      if (SEVEN_SKIP === false && !expected.maps.includes('virtual')) {
        const listing = spawnSync(SEVEN, ['l', '-tudf', join(DIR, image)], { encoding: 'utf8' });
        assert.equal(listing.status, 0, listing.stderr);
        assert.match(listing.stdout, /0 files/);
      }
    });
  }
});
