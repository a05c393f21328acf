/** The CLI as a user meets it: exit codes, one-line errors, interruption, JSON output. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { CLI, FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';
import { startCli } from '../helpers/terminal.js';

const demo = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');

describe('pxe-import CLI', () => {
  let work: string;
  before(async () => {
    work = await tempDir('pxe-import-cli-');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('inspect --json describes the demo image', async () => {
    const r = await runCli(['inspect', '--json', demo]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.volumeId, 'PXEIMPORT_DEMO_1_0');
    assert.equal(d.tree, 'rockridge');
    assert.deepEqual(d.trees, { rockRidge: true, joliet: 3, iso9660: true, extensions: ['RRIP_1991A'] });
    assert.equal(d.counts.files, 13);
    assert.equal(d.counts.symlinks, 1);
    assert.equal(d.elTorito, undefined);
    assert.match(d.fingerprint, /^[0-9a-f]{64}$/);
  });

  test('extract --json reports what it wrote; a second extract into the same directory is refused (exit 2)', async () => {
    const out = join(work, 'demo');
    const r = await runCli(['extract', '--json', demo, out]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual([result.files, result.directories, result.symlinks, result.hardLinks], [13, 6, 1, 0]);
    assert.ok(existsSync(join(out, '.disk/info')));
    const again = await runCli(['extract', demo, out]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, `pxe-import: ${out}: directory is not empty; choose a new directory\n`);
  });

  test('a missing image, a directory as image, an unknown tree and an unknown command are one-line usage errors', async () => {
    const missing = await runCli(['inspect', join(work, 'nope.iso')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `pxe-import: ${join(work, 'nope.iso')}: cannot open image: no such file\n`);
    const dir = await runCli(['inspect', work]);
    assert.equal(dir.code, 2);
    assert.equal(dir.stderr, `pxe-import: ${work}: is a directory, not an ISO image\n`);
    const tree = await runCli(['inspect', '--tree', 'hfs', demo]);
    assert.equal(tree.code, 2);
    assert.equal(tree.stderr, 'pxe-import: --tree: unknown tree "hfs" (expected udf, rockridge, joliet, iso9660)\n');
    const udf = await runCli(['inspect', '--tree', 'udf', demo]);
    assert.equal(udf.code, 2);
    assert.equal(udf.stderr, `pxe-import: ${demo}: the image has no UDF tree\n`);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'pxe-import: unknown command "frobnicate" (and no image file of that name); see pxe-import --help\n');
  });

  test('the extraction target must have an existing parent', async () => {
    const r = await runCli(['extract', demo, join(work, 'no/such/parent/out')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `pxe-import: ${join(work, 'no/such/parent')}: parent directory does not exist\n`);
  });

  const big = join(FIXTURES, 'big-multi-extent.iso');
  const NO_BIG = requirement('big fixture', existsSync(big), 'big-multi-extent.iso not built (bash fixtures/build.sh --big); skipping');
  test(
    'SIGINT during extraction removes the partial tree and exits 130',
    { skip: NO_BIG },
    async () => {
      const parent = join(work, 'interrupt');
      await mkdir(parent);
      const child = spawn(process.execPath, [CLI, 'extract', big, join(parent, 'out')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Wait until the staging directory exists and holds data, then interrupt.
      for (let i = 0; i < 200 && (await readdir(parent)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 150));
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 130, stderr);
      assert.equal(stderr, 'pxe-import: interrupted by SIGINT; extraction stopped and its partial tree was removed\n');
      assert.deepEqual(await readdir(parent), []);
    },
  );

  test(
    "what a killed extract left beside its target is removed by the next extract there, with one note; a running one's is kept",
    { skip: NO_BIG },
    async () => {
      const parent = join(work, 'killed');
      await mkdir(parent);
      const killed = startCli(['extract', big, join(parent, 'out')], { terminal: false });
      while ((await readdir(parent)).length === 0) await new Promise((r) => setTimeout(r, 20));
      killed.stop('SIGKILL');
      assert.equal((await killed.finished).signal, 'SIGKILL');
      const [leftover] = await readdir(parent);
      assert.match(leftover ?? '', /^\.out\.partial-\d+-[0-9a-f]+$/, 'SIGKILL leaves the staging tree');
      // The staging tree of an extraction still running (here: a live process's pid) is kept.
      const holder = spawn('sleep', ['60']);
      const running = `.other.partial-${holder.pid}-0123abcd`;
      await mkdir(join(parent, running));
      try {
        const r = await runCli(['extract', demo, join(parent, 'again')]);
        assert.equal(r.code, 0, r.stderr);
        const notes = r.stdout.split('\n').filter((l) => l.startsWith('note:'));
        assert.deepEqual(notes, [`note: removed 1 partial tree(s) left in ${parent} by killed extractions: ${leftover}`]);
        assert.deepEqual((await readdir(parent)).sort(), [running, 'again'].sort());
      } finally {
        holder.kill();
      }
    },
  );

  test('a file that is not an ISO gives one line naming it', async () => {
    const junk = join(work, 'junk.iso');
    await writeFile(junk, Buffer.alloc(40_000, 0x41));
    const r = await runCli(['extract', junk, join(work, 'junk-out')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `pxe-import: ${junk}: not a valid ISO9660 image: no ISO9660 signature "CD001" at sector 16\n`);
    assert.ok(!existsSync(join(work, 'junk-out')));
  });
});
