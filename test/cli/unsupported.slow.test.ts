/**
 * The CLI on a family that cannot boot over the network (Tails' real layout, fixtures/distros):
 * import refuses with exit 1 and one line naming the ISO and the reason, writes nothing; inspect
 * shows the profile and the coded warning; --profile memdisk still imports it when asked for.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { requirement } from '../helpers/requirements.js';

const TAILS = join(FIXTURES, 'distros', 'tails-6.4.iso');
const SKIP = requirement('distro skeleton images', existsSync(TAILS), `${TAILS} not built (bash fixtures/distros/build.sh); skipping`);

let work: string;
before(async () => {
  work = await tempDir('unsupported-');
});

describe('an ISO recognised as unsupported', { skip: SKIP }, () => {
  test('import refuses with exit 1 and one line, and writes nothing', async () => {
    const root = join(work, 'refused');
    await mkdir(root);
    const r = await runCli([TAILS, '--root', root, '--exports-file', join(work, 'refused.exports'), '--server', '192.0.2.10', '--clients', '192.0.2.0/24']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    // The line is the failed step's (listr prints "[FAILED] <time> <message>" without a terminal).
    assert.match(lines[0]!, new RegExp(`${TAILS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: recognised as Tails \\(profile tails\\), which cannot boot over the network: .*live-media=removable.*\\. Nothing was imported\\.$`));
    assert.deepEqual(await readdir(root), []);
    assert.equal(existsSync(join(work, 'refused.exports')), false);
  });

  test('inspect shows the profile, no entry and the coded warning', async () => {
    const r = await runCli(['inspect', '--json', '--server', '192.0.2.10', '--root', join(work, 'none'), TAILS]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { profile: { id: string; entries: unknown[]; warnings: { code: string; message: string }[] } };
    assert.equal(out.profile.id, 'tails');
    assert.deepEqual(out.profile.entries, []);
    assert.equal(out.profile.warnings[0]?.code, 'PROFILE_UNSUPPORTED');
    const text = await runCli(['inspect', '--server', '192.0.2.10', '--root', join(work, 'none'), TAILS]);
    assert.match(text.stdout, /^Profile: +tails \(Tails\)$/m);
    assert.match(text.stdout, /^Note: +Tails cannot boot over the network: /m);
  });

  test('--profile memdisk imports it whole when the user asks for it', async () => {
    const root = join(work, 'memdisk');
    const r = await runCli([TAILS, '--profile', 'memdisk', '--root', root, '--exports-file', join(work, 'memdisk.exports'), '--server', '192.0.2.10', '--clients', '192.0.2.0/24', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { profile: { id: string } }).profile.id, 'memdisk');
  });
});
