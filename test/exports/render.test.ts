import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PxeError } from '../../src/errors.js';
import { encodeExportPath, parseExports, renderExportLine, validateExports } from '../../src/exports/index.js';
import { entriesOf, mulberry32 } from './support.js';

const LIVE_OPTS = ['ro', 'no_subtree_check', 'no_root_squash', 'async', 'insecure'];

test('canonical line: path, then CLIENT(opts) for each client', () => {
  assert.equal(
    renderExportLine({ path: '/srv/pxe/ubuntu-22', clients: ['192.168.1.0/24'], options: LIVE_OPTS }),
    '/srv/pxe/ubuntu-22 192.168.1.0/24(ro,no_subtree_check,no_root_squash,async,insecure)',
  );
  assert.equal(
    renderExportLine({ path: '/srv/ltsp', clients: ['*', 'fd00::/64', '@pxe'], options: ['ro', 'fsid=1'], comment: 'pxe-import ltsp' }),
    '/srv/ltsp *(ro,fsid=1) fd00::/64(ro,fsid=1) @pxe(ro,fsid=1) # pxe-import ltsp',
  );
});

test('paths are written with octal escapes, the form exportfs itself writes', () => {
  assert.equal(encodeExportPath('/srv/pxe/Ubuntu 24.04'), '/srv/pxe/Ubuntu\\04024.04');
  assert.equal(encodeExportPath('/a\tb"c#d\\e'), '/a\\011b\\042c\\043d\\134e');
  assert.equal(encodeExportPath('/srv/café'), '/srv/café');
  // A literal backslash followed by "040" must not collapse into a space again.
  assert.equal(encodeExportPath('/a\\040'), '/a\\13404\\060');
});

test('encodeExportPath round-trips through the parser for arbitrary paths', () => {
  const alphabet = ['\\', '0', '1', '4', '7', '8', ' ', '\t', '"', '#', '(', ')', 'a', 'é', '€', '😀', '\x01', '\x7f', ','];
  const rand = mulberry32(42);
  for (let n = 0; n < 5000; n++) {
    let path = '/';
    const len = Math.floor(rand() * 14);
    for (let k = 0; k < len; k++) path += alphabet[Math.floor(rand() * alphabet.length)]!;
    const line = renderExportLine({ path, clients: ['*'], options: ['ro'] });
    const f = parseExports(`${line}\n`, 't');
    const e = entriesOf(f)[0];
    assert.equal(e?.path, path, JSON.stringify({ path, line }));
    assert.deepEqual(e?.clients.map((c) => c.raw), ['*(ro)']);
    assert.deepEqual(validateExports(f), [], line);
  }
});

test('renderExportLine refuses input exportfs would misread', () => {
  const cases: [Parameters<typeof renderExportLine>[0], string][] = [
    [{ path: 'srv/pxe', clients: ['*'], options: ['ro'] }, 'export path "srv/pxe" is not absolute'],
    [{ path: '/a\0b', clients: ['*'], options: ['ro'] }, 'export path "/a\\0b" contains a NUL byte'],
    [{ path: `/${'x'.repeat(1024)}`, clients: ['*'], options: ['ro'] }, 'export path is longer than 1024 bytes'],
    [{ path: '/srv', clients: [], options: ['ro'] }, 'no client given for "/srv"'],
    [{ path: '/srv', clients: ['*'], options: [] }, 'no options given for "/srv"'],
    [{ path: '/srv', clients: ['host (ro)'], options: ['ro'] }, 'invalid NFS client "host (ro)"'],
    [{ path: '/srv', clients: ['-ro'], options: ['ro'] }, 'invalid NFS client "-ro"'],
    [{ path: '/srv', clients: ['#x'], options: ['ro'] }, 'invalid NFS client "#x"'],
    [{ path: '/srv', clients: [''], options: ['ro'] }, 'invalid NFS client ""'],
    [{ path: '/srv', clients: ['*'], options: ['ro,rw'] }, 'invalid export option "ro,rw"'],
    [{ path: '/srv', clients: ['*'], options: ['bogus'] }, 'unknown option "bogus"'],
    [{ path: '/srv', clients: ['*'], options: ['ro'], comment: 'a\nb' }, 'comment must be a single line'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => renderExportLine(spec),
      (e: unknown) => e instanceof PxeError && e.code === 'USAGE' && e.message === message,
      message,
    );
  }
});
