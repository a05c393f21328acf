/**
 * Conformance over third-party images (../shared/corpus, see its MANIFEST.md).
 * For each image, our extraction listed by the corpus's listing.py must equal the
 * reference listing that MANIFEST.md says is right for it; malformed images must be
 * refused quickly with one line naming the image, leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { rm } from 'node:fs/promises';
import { listTree, project, type Column } from '../helpers/listing.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, CORPUS_SKIP, tempDir } from '../helpers/paths.js';

type Reference = 'xorriso' | 'bsdtar' | '7z';

interface Conformance {
  readonly reference: Reference;
  /** Rock Ridge images carry real modes; without RR each extractor applies its own defaults. */
  readonly rockRidge: boolean;
  /** Why this reference was chosen, from MANIFEST.md. */
  readonly why: string;
  /** Warnings we must give (substring match), e.g. for device nodes not created. */
  readonly warnings?: readonly string[];
  /** `--tree` to extract with; the default choice otherwise. */
  readonly tree?: 'udf';
}

const IMAGES: Record<string, Conformance> = {
  'debian/grub-rescue-cdrom': { reference: 'bsdtar', rockRidge: true, why: 'xorriso = bsdtar' },
  'debian/ipxe': { reference: 'bsdtar', rockRidge: true, why: 'xorriso = bsdtar' },
  'debian/memtest86+x64': { reference: 'bsdtar', rockRidge: true, why: 'xorriso = bsdtar' },
  'libarchive/test_fuzz_1': { reference: 'bsdtar', rockRidge: true, why: 'xorriso shows an empty rr_moved/' },
  'libarchive/test_read_format_iso': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libarchive/test_read_format_iso_2': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libarchive/test_read_format_iso_3': { reference: 'xorriso', rockRidge: false, why: 'bsdtar 3.6.2 extracts nothing (68-byte root record)' },
  'libarchive/test_read_format_iso_joliet': { reference: 'bsdtar', rockRidge: true, why: 'xorriso misses the 36-byte-PX hard link' },
  'libarchive/test_read_format_iso_joliet_rockridge': { reference: 'bsdtar', rockRidge: true, why: 'bsdtar = libarchive expectation; xorriso drops symlink mtime' },
  'libarchive/test_read_format_iso_joliet_long': { reference: 'bsdtar', rockRidge: true, why: 'all agree' },
  'libarchive/test_read_format_iso_joliet_by_nero': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libarchive/test_read_format_iso_joliet_utf16be_overflow': {
    reference: 'xorriso',
    rockRidge: false,
    why: 'bsdtar stops at "Pathname is too long"; the 514-character path is valid',
  },
  'libarchive/test_read_format_iso_multi_extent': { reference: 'bsdtar', rockRidge: true, why: 'all agree' },
  'libarchive/test_read_format_iso_rockridge': { reference: 'bsdtar', rockRidge: true, why: 'bsdtar = libarchive expectation exactly' },
  'libarchive/test_read_format_iso_rockridge_new': { reference: 'bsdtar', rockRidge: true, why: 'xorriso normalises SL targets' },
  'libarchive/test_read_format_iso_rockridge_ce': { reference: 'bsdtar', rockRidge: true, why: 'bsdtar = libarchive expectation' },
  'libarchive/test_read_format_iso_rockridge_rr_moved': { reference: 'bsdtar', rockRidge: true, why: 'xorriso = bsdtar = expectation' },
  'libarchive/test_read_format_iso_xorriso': { reference: 'bsdtar', rockRidge: true, why: 'bsdtar = libarchive expectation' },
  'libarchive/test_read_format_iso_zisofs': { reference: 'bsdtar', rockRidge: true, why: 'bsdtar = expectation; xorriso drops the hard link' },
  'libarchive/test_read_format_iso_zisofs_overflow': {
    reference: 'bsdtar',
    rockRidge: true,
    why: 'bsdtar applies PX without ER; the invalid ZF means raw copy',
    warnings: ['zisofs block size 2^2'],
  },
  'libcdio/copying': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libcdio/copying-rr': {
    reference: 'bsdtar',
    rockRidge: true,
    why: 'bsdtar fails only on mknod, which we never do',
    warnings: ['/fd0: block device not created', '/zero: char device not created'],
  },
  'libcdio/deep-directory': { reference: 'bsdtar', rockRidge: true, why: 'xorriso = bsdtar' },
  'libcdio/joliet': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libcdio/multi_extent_8k': { reference: 'bsdtar', rockRidge: true, why: 'all agree' },
  'libcdio/multi_extent_8k_joliet': { reference: 'bsdtar', rockRidge: false, why: 'all agree' },
  'libcdio/multi_extent_8k_emul_toc_padded': { reference: 'bsdtar', rockRidge: true, why: 'all agree' },
  'libcdio/test-udf1': { reference: 'bsdtar', rockRidge: true, why: 'ISO9660/RR bridge of a UDF image; all agree' },
  // 7z is the one reference that reads UDF (MANIFEST: xorriso and bsdtar extract nothing); it applies its own modes.
  'libcdio/udf102': { reference: '7z', rockRidge: false, why: 'UDF 1.02 only; 7z reads UDF' },
};

/** Images extracted again from their UDF tree (`--tree udf`), against 7z, which prefers UDF. */
const UDF_TREES: Record<string, Conformance> = {
  'libcdio/test-udf1': { reference: '7z', rockRidge: false, why: 'the UDF 1.02 side of the bridge, as 7z reads it', tree: 'udf' },
};

/** Images every mature reader refuses (MANIFEST "Refusals"), with the problem our message must name. */
const REFUSED: Record<string, RegExp> = {
  'libcdio/malformed': /not a valid ISO9660 image/,
  'libcdio/malformed2': /bad directory record length 2/,
  'libcdio/bad-dir': /root directory at block \d+: bad directory record length 0/,
  'libarchive/test_read_format_iso_rockridge_ce_loop': /continuation area \(CE\) .* loops back on itself/,
  'libarchive/test_read_format_iso_rockridge_zf_overflow': /directory \/A at block \d+ does not start with its "\." record/,
};

const referenceColumns = (c: Conformance): Column[] =>
  c.rockRidge ? ['path', 'type', 'size', 'mode', 'mtime', 'data', 'hlink'] : ['path', 'type', 'size', 'mtime', 'data', 'hlink'];

describe('conformance with the third-party corpus', { skip: CORPUS_SKIP }, () => {
  let work: string;
  const imagePath = (name: string) => join(work, 'images', `${name.replace('/', '_')}.iso`);

  before(async () => {
    work = await tempDir('pxe-import-corpus-');
    await mkdir(join(work, 'images'));
    // Three images are stored gzipped; everything is staged in one place so each test reads a plain .iso.
    for (const name of [...Object.keys(IMAGES), ...Object.keys(REFUSED)]) {
      const plain = join(CORPUS, 'images', `${name}.iso`);
      const data = existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(`${plain}.gz`));
      await writeFile(imagePath(name), data);
    }
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('every image in the corpus is covered by this test', async () => {
    const covered = new Set([...Object.keys(IMAGES), ...Object.keys(REFUSED)]);
    for (const source of ['debian', 'libarchive', 'libcdio']) {
      for (const file of await readdir(join(CORPUS, 'images', source))) {
        const name = `${source}/${file.replace(/\.iso(\.gz)?$/, '')}`;
        assert.ok(covered.has(name), `${name} is in the corpus but not in this test`);
      }
    }
  });

  const cases = [...Object.entries(IMAGES), ...Object.entries(UDF_TREES)];
  for (const [name, conformance] of cases) {
    test(`${name}${conformance.tree ? ` --tree ${conformance.tree}` : ''} matches ${conformance.reference} (${conformance.why})`, async () => {
      const base = name.split('/')[1]!;
      const out = join(work, conformance.tree ? `out-${conformance.tree}` : 'out', name);
      await mkdir(dirname(out), { recursive: true });
      const started = Math.floor(Date.now() / 1000);
      const r = await runCli(['extract', ...(conformance.tree ? ['--tree', conformance.tree] : []), imagePath(name), out]);
      assert.equal(r.code, 0, `extract failed: ${r.stderr}`);
      const expected = readFileSync(join(CORPUS, 'expected', `${base}.${conformance.reference}.tsv`), 'utf8').split('\n').filter(Boolean);
      const actual = await listTree(out, started);
      const columns = referenceColumns(conformance);
      // The "." line only means something for xorriso, which applies the image root's attributes (MANIFEST).
      const body = (lines: string[]) => (conformance.reference === 'xorriso' ? lines : lines.filter((l) => !l.startsWith('.\t')));
      assert.deepEqual(project(body(actual), columns), project(body(expected), columns));
      for (const w of conformance.warnings ?? []) assert.match(r.stderr, new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }

  for (const [name, problem] of Object.entries(REFUSED)) {
    test(`${name} is refused cleanly`, async () => {
      const out = join(work, 'refused', name.replace('/', '_'));
      await mkdir(join(work, 'refused'), { recursive: true });
      const r = await runCli(['extract', imagePath(name), out], { timeoutMs: 10_000 });
      assert.ok(r.ms < 5000, `took ${Math.round(r.ms)} ms`);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `expected one error line, got:\n${r.stderr}`);
      assert.ok(lines[0]!.startsWith(`pxe-import: ${imagePath(name)}: `), lines[0]);
      assert.match(lines[0]!, problem);
      assert.deepEqual(await readdir(join(work, 'refused')), [], 'nothing may be left behind');
    });
  }
});
