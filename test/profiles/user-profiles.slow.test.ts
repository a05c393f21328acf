/**
 * --profiles DIR: a user profile with the id of a built-in one replaces it, a new id is
 * added, and a profile file with an error stops the run with a message that names the file
 * and the field. Uses the committed demo ISO (a casper layout), so nothing has to be built.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const DEMO = join(REPO_ROOT, 'fixtures/demo/demo-live.iso');
const BUILTIN_CASPER = JSON.parse(readFileSync(join(REPO_ROOT, 'profiles/casper.json'), 'utf8')) as Record<string, unknown>;
const KNOWN = 'isoArgs, server, exportPath, httpBase, name, kernelTopDir, kernelSuffix, isoLabel, rootImage, rootImageTopDir, isoFile, isoKiB';

interface Inspected {
  profile: { id: string; name: string; file: string; entries: { label: string; nfs?: string; http?: string }[] } | null;
}

let work: string;
before(async () => {
  work = await tempDir('pxe-import-profiles-');
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function profileDir(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [file, body] of Object.entries(files)) await writeFile(join(dir, file), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return dir;
}

async function inspect(...extra: string[]) {
  return runCli(['inspect', '--json', '--server', '192.0.2.10', '--as', 'demo', '--root', '/srv/pxe', ...extra, DEMO]);
}

/** Runs inspect with one bad profile file and returns the error line. */
async function rejected(file: string, body: unknown): Promise<{ dir: string; stderr: string }> {
  const dir = await profileDir(`bad-${file}-${Math.random().toString(36).slice(2)}`, { [file]: body });
  const r = await inspect('--profiles', dir);
  assert.notEqual(r.code, 0, `a bad profile must fail the run; stdout: ${r.stdout}`);
  assert.equal(r.stdout, '');
  return { dir, stderr: r.stderr };
}

describe('--profiles DIR', () => {
  it('the demo ISO uses the built-in casper profile without it', async () => {
    const r = await inspect();
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Inspected;
    assert.equal(out.profile?.id, 'casper');
    assert.equal(out.profile?.file, join(REPO_ROOT, 'profiles/casper.json'));
  });

  it('a user profile with the same id replaces the built-in one', async () => {
    const dir = await profileDir('override', {
      'site-casper.json': {
        ...BUILTIN_CASPER,
        name: 'Site casper',
        cmdline: { nfs: 'boot=casper netboot=nfs nfsroot={server}:{exportPath} nfsopts=vers=3,tcp ip=dhcp {isoArgs}', http: null },
      },
    });
    const r = await inspect('--profiles', dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Inspected;
    assert.equal(out.profile?.id, 'casper');
    assert.equal(out.profile?.name, 'Site casper');
    assert.equal(out.profile?.file, join(dir, 'site-casper.json'));
    assert.equal(
      out.profile?.entries[0]?.nfs,
      'boot=casper netboot=nfs nfsroot=192.0.2.10:/srv/pxe/demo nfsopts=vers=3,tcp ip=dhcp file=/cdrom/preseed/demo.seed maybe-ubiquity quiet splash ---',
    );
  });

  it('a user profile with a new id is added and wins by priority', async () => {
    const dir = await profileDir('added', {
      'lab.json': {
        id: 'lab-casper',
        family: 'casper',
        name: 'Lab casper over HTTP',
        priority: 50,
        detect: { all: [{ exists: '/casper/*.squashfs' }] },
        boot: { kernel: ['/casper/vmlinuz'] },
        cmdline: { nfs: null, http: 'boot=casper netboot=url url=http://{server}/iso/{name}.iso ip=dhcp {isoArgs}' },
      },
    });
    const r = await inspect('--profiles', dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Inspected;
    assert.equal(out.profile?.id, 'lab-casper');
    assert.equal(out.profile?.entries[0]?.nfs, undefined);
    assert.equal(out.profile?.entries[0]?.http, 'boot=casper netboot=url url=http://192.0.2.10/iso/demo.iso ip=dhcp file=/cdrom/preseed/demo.seed maybe-ubiquity quiet splash ---');
  });

  it('rejects an unknown template variable, naming file and field', async () => {
    const { dir, stderr } = await rejected('bad.json', { ...BUILTIN_CASPER, cmdline: { nfs: 'nfsroot={srv}:{exportPath}', http: null } });
    assert.equal(stderr, `pxe-import: ${join(dir, 'bad.json')}: cmdline.nfs: unknown variable {srv} (known: ${KNOWN})\n`);
  });

  it('rejects a detect rule whose path is not a string', async () => {
    const { dir, stderr } = await rejected('bad.json', { ...BUILTIN_CASPER, detect: { all: [{ exists: 5 }] } });
    assert.equal(stderr, `pxe-import: ${join(dir, 'bad.json')}: detect.all[0].exists: expected a non-empty string, got 5\n`);
  });

  it('rejects an invalid regular expression in a detect rule', async () => {
    const { dir, stderr } = await rejected('bad.json', { ...BUILTIN_CASPER, detect: { any: [{ file: '/boot/grub/grub.cfg', matches: 'boot=(casper' }] } });
    assert.match(stderr, new RegExp(`^pxe-import: ${escape(join(dir, 'bad.json'))}: detect\\.any\\[0\\]\\.matches: invalid regular expression: `));
  });

  it('rejects an unknown field, listing the known ones', async () => {
    const boot = { ...(BUILTIN_CASPER.boot as Record<string, unknown>), kernal: ['/casper/vmlinuz'] };
    const { dir, stderr } = await rejected('typo.json', { ...BUILTIN_CASPER, boot });
    assert.equal(
      stderr,
      `pxe-import: ${join(dir, 'typo.json')}: boot.kernal: unknown field (expected one of: fromBootConfig, kernel, initrds, defaultArguments, kernelFilter, dropLabels, dropArguments, rootImage, keepIso, embedIso)\n`,
    );
  });

  it('rejects a missing id and a file that is not JSON', async () => {
    const { id: _id, ...noId } = BUILTIN_CASPER;
    const a = await rejected('noid.json', noId);
    assert.equal(a.stderr, `pxe-import: ${join(a.dir, 'noid.json')}: id: is required\n`);
    const b = await rejected('broken.json', '{ "id": "x", ');
    assert.match(b.stderr, new RegExp(`^pxe-import: ${escape(join(b.dir, 'broken.json'))}: not valid JSON: `));
  });

  it('rejects two files with the same id in one directory', async () => {
    const dir = await profileDir('twice', { 'a.json': BUILTIN_CASPER, 'b.json': BUILTIN_CASPER });
    const r = await inspect('--profiles', dir);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr, `pxe-import: ${join(dir, 'b.json')}: id: "casper" is already defined in ${join(dir, 'a.json')}\n`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
