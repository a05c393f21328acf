/**
 * Boots as serve sees them: which requested paths are an entry's kernel, initrd or image (through
 * the tree or the NAME link), the MAC a client gave on /boot.ipxe?mac=, the bound on what is kept,
 * and the log file's lines read back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdir, rm, stat } from 'node:fs/promises';
import { bootLogWriter, readBootLogs } from '../../src/import/boot-log-file.js';
import { BootLog, bootFiles, parseBootLog } from '../../src/import/boots.js';
import { Layout } from '../../src/import/layout.js';
import type { State } from '../../src/import/state.js';
import { tempDir } from '../helpers/paths.js';
import { V, entry as base, layout, record as demo } from '../helpers/sample-state.js';

const record = { ...demo, retained: [], entries: [base, { ...base, id: 'safe', isDefault: false }, { ...base, id: 'san', method: 'sanboot' as const, kernel: '', initrds: ['demo.iso'] }] };
const state: State = { format: 1, imports: { demo: record } };
const files = bootFiles(state, layout);
const at = new Date('2026-12-01T14:02:11.000Z');

test("an entry's files, by the NAME link and by the tree; entries sharing a kernel are all named", () => {
  assert.deepEqual(files.get('demo/casper/vmlinuz'), { kind: 'kernel', import: 'demo', entries: ['live', 'safe'] });
  assert.deepEqual(files.get(`.pxe-import/versions/demo/${V}/casper/initrd`), { kind: 'initrd', import: 'demo', entries: ['live', 'safe'] });
  assert.deepEqual(files.get('demo/demo.iso'), { kind: 'image', import: 'demo', entries: ['san'] });
  assert.equal(files.get('demo/md5sum.txt'), undefined);
});

test('the MAC given on /boot.ipxe?mac= names the later boots from that address', () => {
  const log = new BootLog();
  const script = log.record({ time: at, client: '::ffff:192.0.2.7', path: 'boot.ipxe', status: 200, mac: '52:54:00:12:34:56', script: true }, files);
  assert.deepEqual(script, { time: '2026-12-01T14:02:11.000Z', client: '192.0.2.7', mac: '52:54:00:12:34:56', kind: 'script', via: 'http', path: 'boot.ipxe', import: undefined, entries: [], status: 200 });
  const kernel = log.record({ time: at, client: '192.0.2.7', path: 'demo/casper/vmlinuz', status: 200 }, files);
  assert.equal(kernel?.mac, '52:54:00:12:34:56');
  assert.deepEqual(kernel?.entries, ['live', 'safe']);
  const other = log.record({ time: at, client: '192.0.2.8', path: 'demo/casper/initrd', status: 206 }, files);
  assert.equal(other?.mac, undefined);
  assert.equal(log.record({ time: at, client: '192.0.2.7', path: 'demo/md5sum.txt', status: 200 }, files), undefined);
  assert.deepEqual(log.events().map((e) => e.kind), ['script', 'kernel', 'initrd']);
});

test('over TFTP: loaders at the top of the root, and entry files; a DHCP answer names the MAC', () => {
  const log = new BootLog();
  log.learnMac('192.0.2.9', '52:54:00:00:00:09');
  const loader = log.record({ time: at, client: '192.0.2.9', path: 'pxelinux.0', status: 200, via: 'tftp' }, files);
  assert.deepEqual([loader?.kind, loader?.via, loader?.mac], ['loader', 'tftp', '52:54:00:00:00:09']);
  assert.equal(log.record({ time: at, client: '192.0.2.9', path: 'grubnetx64.efi', status: 200, via: 'tftp' }, files)?.kind, 'loader');
  assert.equal(log.record({ time: at, client: '192.0.2.9', path: 'demo/casper/initrd', status: 200, via: 'tftp' }, files)?.kind, 'initrd');
  // Modules and menus the loader reads are not boots of their own.
  assert.equal(log.record({ time: at, client: '192.0.2.9', path: 'ldlinux.c32', status: 200, via: 'tftp' }, files), undefined);
  assert.equal(log.record({ time: at, client: '192.0.2.9', path: 'pxelinux.cfg/default', status: 200, via: 'tftp' }, files), undefined);
});

test('only the newest boots are kept in memory', () => {
  const log = new BootLog(3);
  for (let i = 0; i < 5; i++) log.record({ time: new Date(at.getTime() + i * 1000), client: `192.0.2.${i}`, path: 'boot.ipxe', status: 200 }, files);
  assert.deepEqual(log.events().map((e) => e.client), ['192.0.2.2', '192.0.2.3', '192.0.2.4']);
});

test('the log file read back: a torn last line and foreign lines are skipped', () => {
  const log = new BootLog();
  const e = log.record({ time: at, client: '192.0.2.7', path: 'demo/casper/vmlinuz', status: 200 }, files)!;
  const text = `${JSON.stringify(e)}\n[1,2]\nnot json\n${JSON.stringify(e).slice(0, 20)}`;
  assert.deepEqual(parseBootLog(text), [e]);
});

test('the log file: appended in order, rotated once past its bound, read back oldest first', async () => {
  const dir = await tempDir('pxe-import-boots-');
  try {
    const files = new Layout(dir);
    await mkdir(files.meta);
    const events = Array.from({ length: 10 }, (_, i) => new BootLog().record({ time: new Date(at.getTime() + i), client: `192.0.2.${i}`, path: 'boot.ipxe', status: 200 }, new Map())!);
    const lineBytes = Buffer.byteLength(`${JSON.stringify(events[0])}\n`);
    const writer = bootLogWriter(files, (line) => assert.fail(line), lineBytes * 4);
    for (const e of events) writer.write(e);
    await writer.flushed();
    // 10 lines, 4 to a file: the oldest 8 went through rotation, .1 holds lines 5-8, the log 9-10.
    assert.deepEqual((await readBootLogs(files)).map((e) => e.client), events.slice(4).map((e) => e.client));
    assert.ok((await stat(files.bootLog)).size <= lineBytes * 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
