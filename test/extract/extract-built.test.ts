/**
 * Extraction of images built in memory (test/helpers/iso-builder.ts) into a temporary
 * directory: contents, modes, times, symbolic and hard links; and a hostile variant whose
 * unsafe names and links are skipped exactly as the hostile fixture images' are.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Warning } from '../../src/errors.js';
import { extractImageTo } from '../../src/extract/atomic.js';
import { readIsoImage } from '../../src/iso9660/image.js';
import { bufferSource } from '../../src/iso9660/source.js';
import { buildIso, DEFAULT_DATE, dir, file, hardlink, symlink, type IsoBuildOptions, type IsoNode } from '../helpers/iso-builder.js';
import { tempDir } from '../helpers/paths.js';
import { listEntries } from '../helpers/tree-listing.js';

const MTIME = new Date('2021-06-07T08:09:10Z');
const ATIME = new Date('2022-01-01T00:00:01Z');
const ROOT_MTIME = new Date('2020-02-03T04:05:06Z');
/** mtimes as the listing shows them: whole seconds. */
const [M_S, ROOT_S, DEFAULT_S] = [MTIME, ROOT_MTIME, DEFAULT_DATE].map((d) => String(d.getTime() / 1000));
const big = Uint8Array.from({ length: 9000 }, (_, i) => (i * 13 + (i >> 11)) % 256);
const sparse = Buffer.concat([Buffer.alloc(40_000), Buffer.from('tail of a zisofs file\n')]);

async function extract(tree: readonly IsoNode[], options: IsoBuildOptions, into: string) {
  const warnings: Warning[] = [];
  const onWarning = (w: Warning) => warnings.push(w);
  const image = await readIsoImage(bufferSource(buildIso(tree, options), 'built.iso'), { onWarning });
  await mkdir(into);
  const target = join(into, 'target');
  const result = await extractImageTo(image, target, { onWarning });
  return { target, result, warnings };
}

let work: string;
before(async () => {
  work = await tempDir('pxe-import-built-');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('extracting an image built in memory', () => {
  const tree: IsoNode[] = [
    file('readme.txt', 'hello\n', { mode: 0o640, mtime: MTIME, atime: ATIME }),
    file('setuid-tool', '#!/bin/sh\n', { mode: 0o4755, mtime: MTIME }),
    dir('boot', [file('vmlinuz', 'kernel bytes\n', { mtime: MTIME }), hardlink('linux', '/boot/vmlinuz'), symlink('readme', '../readme.txt', { mtime: MTIME })], { mode: 0o750, mtime: MTIME }),
    hardlink('vmlinuz-again', '/boot/vmlinuz'),
    symlink('abs', '/etc/passwd', { mtime: MTIME }),
    file('split.bin', big, { scatter: true }),
    file('packed', sparse, { zisofs: true, mtime: MTIME }),
    file('n'.repeat(255), 'long name\n'),
    dir('Ünïcode', [file('café-ñ.txt', 'unicode\n')]),
  ];
  const options: IsoBuildOptions = { rockRidge: {}, extentSize: 4096, root: { mode: 0o711, mtime: ROOT_MTIME } };

  test('contents, modes without privilege bits, times, symlinks and hard links are as built', async () => {
    const { target, result, warnings } = await extract(tree, options, join(work, 'rr'));
    assert.deepEqual(warnings, []);
    // atime first: reading the files below may move it.
    assert.equal((await lstat(join(target, 'readme.txt'))).atime.toISOString(), ATIME.toISOString());
    assert.deepEqual(
      (await listEntries(target)).map((e) => [e.path, e.type, e.size, e.mode, e.mtime, e.type === 'f' ? '' : e.data, e.hlink]),
      [
        ['.', 'd', '-', '0711', ROOT_S, '-', '-'],
        ['abs', 'l', '11', '0777', M_S, '/etc/passwd', '-'],
        ['boot', 'd', '-', '0750', M_S, '-', '-'],
        ['boot/linux', 'f', '13', '0644', M_S, '', 'boot/linux'],
        ['boot/readme', 'l', '13', '0777', M_S, '../readme.txt', '-'],
        ['boot/vmlinuz', 'f', '13', '0644', M_S, '', 'boot/linux'],
        ['n'.repeat(255), 'f', '10', '0644', DEFAULT_S, '', '-'],
        ['packed', 'f', String(sparse.length), '0644', M_S, '', '-'],
        ['readme.txt', 'f', '6', '0640', M_S, '', '-'],
        ['setuid-tool', 'f', '10', '0755', M_S, '', '-'],
        ['split.bin', 'f', '9000', '0644', DEFAULT_S, '', '-'],
        ['vmlinuz-again', 'f', '13', '0644', M_S, '', 'boot/linux'],
        ['Ünïcode', 'd', '-', '0755', DEFAULT_S, '-', '-'],
        ['Ünïcode/café-ñ.txt', 'f', '8', '0644', DEFAULT_S, '', '-'],
      ],
    );
    assert.deepEqual(await readFile(join(target, 'split.bin')), Buffer.from(big));
    assert.deepEqual(await readFile(join(target, 'packed')), sparse);
    assert.equal(await readFile(join(target, 'vmlinuz-again'), 'utf8'), 'kernel bytes\n');
    assert.equal((await stat(join(target, 'boot/vmlinuz'))).nlink, 3);
    assert.deepEqual(result, { files: 7, directories: 2, symlinks: 2, hardLinks: 2, bytes: 6 + 10 + 13 + 9000 + sparse.length + 10 + 8, skipped: [] });
  });

  test('a Joliet-only image: Joliet names, default modes, recording dates', async () => {
    // zisofs needs Rock Ridge's ZF entry: this image stores the file plain.
    const plain = tree.map((n) => (n.kind === 'file' && n.zisofs ? { ...n, zisofs: false } : n));
    const { target, warnings } = await extract(plain, { joliet: true }, join(work, 'joliet'));
    assert.deepEqual(warnings, []);
    const listing = await listEntries(target);
    assert.deepEqual(
      listing.filter((e) => e.path.startsWith('boot') || e.path.startsWith('Ü')).map((e) => [e.path, e.type, e.mode, e.mtime, e.hlink]),
      [
        ['boot', 'd', '0755', M_S, '-'],
        ['boot/linux', 'f', '0644', M_S, 'boot/linux'],
        ['boot/vmlinuz', 'f', '0644', M_S, 'boot/linux'],
        ['Ünïcode', 'd', '0755', DEFAULT_S, '-'],
        ['Ünïcode/café-ñ.txt', 'f', '0644', DEFAULT_S, '-'],
      ],
    );
    assert.ok(!listing.some((e) => e.type === 'l'), 'Joliet has no symbolic links');
  });
});

describe('extracting a hostile image built in memory', () => {
  const payload = `pxe-import-built-payload-${process.pid}`;
  const hostile: IsoNode[] = [
    dir('..', [file('pxe-import-dotdot-escape.txt', 'escaped\n')]),
    file('.', 'dot\n'),
    file('../../../evil.tx', 'evil\n'),
    file('/tmp/pxe-import-pwned', 'pwned\n'),
    file('nul\0name.txt', 'nul\n'),
    // A link, then a directory of the same name whose contents would be written through it.
    symlink('d', '/tmp', { isoName: 'D1' }),
    dir('d', [file(payload, 'through the link\n')], { isoName: 'D2' }),
    symlink('link', '../'.repeat(10) + 'tmp', { isoName: 'LINK1' }),
    dir('link', [file(`${payload}-inner`, 'inner\n')], { isoName: 'LINK2' }),
    symlink('etcpasswd', '/etc/passwd'),
    symlink('rootdir', '/'),
    file('README.txt', 'benign\n'),
  ];

  test('unsafe names and duplicate names are skipped with a warning; nothing lands outside the target; links are not followed', async () => {
    const passwd = await lstat('/etc/passwd').catch(() => undefined);
    const { target, result, warnings } = await extract(hostile, { rockRidge: {} }, join(work, 'hostile'));
    const text = warnings.map((w) => `${w.code} ${w.message}`);
    // The same messages the hostile fixture images are held to (test/iso9660/fixtures.slow.test.ts).
    for (const w of [
      /^ENTRY_UNSAFE \/"\.\.": name "\.\." would refer to a directory outside the entry; entry skipped$/,
      /^ENTRY_UNSAFE \/"\.": name "\." would refer to a directory outside the entry; entry skipped$/,
      /^ENTRY_UNSAFE \/"\.\.\/\.\.\/\.\.\/evil\.tx": name contains "\/"; entry skipped$/,
      /^ENTRY_UNSAFE \/"\/tmp\/pxe-import-pwned": name contains "\/"; entry skipped$/,
      /^ENTRY_UNSAFE \/"nul\\u0000name\.txt": name contains a NUL byte; entry skipped$/,
      /^ENTRY_DUPLICATE \/d: a second entry with this name in the same directory; skipped$/,
      /^ENTRY_DUPLICATE \/link: a second entry with this name in the same directory; skipped$/,
    ]) {
      assert.equal(text.filter((t) => w.test(t)).length, 1, `${w} in:\n${text.join('\n')}`);
    }
    assert.equal(warnings.length, 7, text.join('\n'));
    assert.deepEqual(await readdir(join(work, 'hostile')), ['target'], 'nothing beside the target');
    assert.ok(!existsSync(join('/tmp', payload)) && !existsSync(join('/tmp', `${payload}-inner`)) && !existsSync('/tmp/pxe-import-pwned'));
    assert.deepEqual(
      (await listEntries(target)).map((e) => [e.path, e.type, e.type === 'f' ? '' : e.data]),
      [
        ['.', 'd', '-'],
        ['README.txt', 'f', ''],
        ['d', 'l', '/tmp'],
        ['etcpasswd', 'l', '/etc/passwd'],
        ['link', 'l', `${'../'.repeat(10)}tmp`],
        ['rootdir', 'l', '/'],
      ],
    );
    assert.equal(await readlink(join(target, 'etcpasswd')), '/etc/passwd');
    if (passwd) assert.equal((await lstat('/etc/passwd')).mtimeMs, passwd.mtimeMs, 'the link target was not touched');
    assert.equal(result.symlinks, 4);
  });
});
