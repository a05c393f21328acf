/**
 * serve's NFS check: which exported versions `exportfs -s` does not list (its real output format:
 * exports(5) lines), and what serve does about them: one `exportfs -ra`, then a warning for what
 * is still missing. The exportfs runs are scripted here, recorded in order; the slow serve test
 * runs the real CLI without exportfs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNfsExports, missingExports } from '../../src/import/nfs-check.js';
import { OLD, V, layout, menu, state } from '../helpers/sample-state.js';

const current = `/srv/pxe/.pxe-import/versions/demo/${V}`;
const old = `/srv/pxe/.pxe-import/versions/demo/${OLD}`;

test('missing: the wanted paths exportfs -s does not list', () => {
  const listed = `${current}\t192.0.2.0/24(sync,wdelay,hide,no_subtree_check,sec=sys,ro,secure,root_squash,no_all_squash)\n/home  *(rw)\n`;
  assert.deepEqual(missingExports([current, old], listed), [old]);
  assert.deepEqual(missingExports([current], ''), [current]);
  assert.deepEqual(missingExports([current], `"${current}/" 192.0.2.0/24(ro)\n`), []);
});

async function check(outputs: string[]): Promise<{ calls: string[]; warnings: string[]; notes: string[] }> {
  const calls: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  await checkNfsExports(state, layout, menu, (w) => warnings.push(w), (n) => notes.push(n), async (args) => {
    calls.push(args.join(' '));
    const out = outputs.shift();
    if (out === undefined) throw Object.assign(new Error('exportfs: could not open /proc/fs/nfs/exports'), { stderr: 'exportfs: could not open /proc/fs/nfs/exports' });
    return out;
  });
  return { calls, warnings, notes };
}

test('all served: one exportfs -s, nothing said', async () => {
  const r = await check([`${current} *(ro)\n${old} *(ro)\n`]);
  assert.deepEqual(r, { calls: ['-s'], warnings: [], notes: [] });
});

test('some missing: exportfs -ra once, and a warning for what is still missing', async () => {
  const fixed = await check([`${current} *(ro)\n`, '', `${current} *(ro)\n${old} *(ro)\n`]);
  assert.deepEqual(fixed.calls, ['-s', '-ra', '-s']);
  assert.deepEqual(fixed.warnings, []);
  assert.deepEqual(fixed.notes, ['NFS: 1 exported version(s) not served yet: ran exportfs -ra']);
  const still = await check([`${current} *(ro)\n`, '', `${current} *(ro)\n`]);
  assert.equal(still.warnings.length, 1);
  assert.match(still.warnings[0]!, new RegExp(`does not serve ${old} `));
});

test('an NFS server that does not run: one warning, no reload', async () => {
  const r = await check([]);
  assert.deepEqual(r.calls, ['-s']);
  assert.deepEqual(r.warnings, ['NFS: exportfs -s failed: exportfs: could not open /proc/fs/nfs/exports: the kernel NFS server does not serve this root; entries that boot over NFS will not boot']);
});
