/**
 * `inspect --root R --as NAME` previews the command lines the menus will carry: once R holds
 * NAME imported from the same image, with that version's real directory (what exportfs and the
 * menus name), else with the R/NAME link.
 */
import assert from 'node:assert/strict';
import { copyFile, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const DEMO = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');

interface Entry {
  readonly label: string;
  readonly nfs?: string;
  readonly http?: string;
}

describe('inspect --root previews the paths of an existing import', () => {
  let work: string;
  let root: string;
  let common: string[];
  before(async () => {
    work = await tempDir('pxe-import-inspect-');
    root = join(work, 'root');
    common = ['--root', root, '--exports-file', join(work, 'exports')];
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const inspect = async (image: string, name: string) => {
    const r = await runCli(['inspect', '--json', '--server', '192.0.2.10', '--http-base', 'http://192.0.2.10:8080/', '--as', name, '--root', root, image]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { serve: { exportPath: string; httpBase: string; pathKind: string; version?: string }; profile: { entries: Entry[] } };
  };

  test('before an import the link is used; after it, the version directory, and the entries equal what the import recorded', async () => {
    const before = await inspect(DEMO, 'demo');
    assert.equal(before.serve.pathKind, 'link');
    assert.equal(before.serve.exportPath, `${root}/demo`);
    assert.equal(before.serve.httpBase, 'http://192.0.2.10:8080/demo/');

    const imported = await runCli([DEMO, '--as', 'demo', ...common, '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--http-base', 'http://192.0.2.10:8080/', '--quiet']);
    assert.equal(imported.code, 0, imported.stderr);
    const records = JSON.parse((await runCli(['list', '--json', ...common])).stdout) as { name: string; version: string; entries: Entry[] }[];
    const record = records.find((r) => r.name === 'demo')!;

    const after = await inspect(DEMO, 'demo');
    const tree = `.pxe-import/versions/demo/${record.version}`;
    assert.equal(after.serve.pathKind, 'version');
    assert.equal(after.serve.version, record.version);
    assert.equal(after.serve.exportPath, join(root, tree));
    assert.equal(after.serve.httpBase, `http://192.0.2.10:8080/${tree}/`);
    const pick = (entries: readonly Entry[]) => entries.map((e) => ({ label: e.label, nfs: e.nfs, http: e.http }));
    assert.ok(record.entries.length > 0);
    assert.deepEqual(pick(after.profile.entries), pick(record.entries));
    // The link-based preview differs from the recorded lines: this is what the version path fixes.
    assert.notDeepEqual(pick(before.profile.entries), pick(record.entries));
  });

  test('another name, or another image under the same name, falls back to the link', async () => {
    const other = await inspect(DEMO, 'demo2');
    assert.equal(other.serve.pathKind, 'link');
    assert.equal(other.serve.exportPath, `${root}/demo2`);

    // Another image: the demo with another application id in its primary volume descriptor
    // (sector 16, field at byte 574), so its volume descriptors, the fingerprint, differ.
    const copy = join(work, 'changed.iso');
    await copyFile(DEMO, copy);
    const fh = await open(copy, 'r+');
    await fh.write(Buffer.from('CHANGED'), 0, 7, 16 * 2048 + 574);
    await fh.close();
    const changed = await inspect(copy, 'demo');
    assert.equal(changed.serve.pathKind, 'link');
    assert.equal(changed.serve.exportPath, `${root}/demo`);
  });
});
