import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeExports,
  parseExports,
  parseExportsBytes,
  renderExports,
  validateExports,
  type ExportsFile,
} from '../../src/exports/index.js';
import { entriesOf, fixtureNames, mulberry32, readFixture, summarize } from './support.js';

function parseFixture(name: string): ExportsFile {
  return parseExports(readFixture(name), name);
}

test('every fixture round-trips byte for byte', () => {
  const names = fixtureNames();
  assert.ok(names.length >= 8, `expected at least 8 fixtures, found ${names.length}`);
  for (const name of names) {
    const text = readFixture(name);
    assert.equal(renderExports(parseExports(text, name)), text, name);
  }
});

test('line numbers account for every physical line', () => {
  for (const name of fixtureNames()) {
    const f = parseFixture(name);
    let expected = 1;
    for (const l of f.lines) {
      assert.equal(l.line, expected, `${name}: line numbering`);
      expected += l.lineCount;
    }
    const physical = readFixture(name).split('\n').length - (readFixture(name).endsWith('\n') ? 1 : 0);
    assert.equal(expected - 1, physical, `${name}: total physical lines`);
  }
});

test('round-trips odd inputs: empty, whitespace only, no newline, CR, continuation at EOF', () => {
  const samples = [
    '',
    '\n',
    '   ',
    '\t\n\n  \n',
    '#',
    '# only a comment',
    '/srv',
    '/srv *(ro)',
    '/srv *(ro)\\',
    '/srv *(ro) \\\n',
    '/srv \\\n\\\n\\\n *(ro)\n',
    '/srv *(ro)\r',
    '\r\n\r\n',
    '/a\r*(ro)\r\n',
    '"/unterminated *(ro)\n/next *(rw)\n',
    '"/cont \\\n   inued" *(ro)\n',
    '/a\v*(ro)\f\n',
    '\uFEFF/bom *(ro)\n',
    '/x 😀(ro) # emoji\n',
    '\\\n# comment after a lone continuation\n',
  ];
  for (const s of samples) {
    assert.equal(renderExports(parseExports(s, 't')), s, JSON.stringify(s));
  }
});

test('fuzz: any string round-trips and never throws', () => {
  const alphabet = [' ', '\t', '\n', '\r', '\\', '"', '#', '(', ')', ',', '-', '*', '/', 'a', '0', '4', '7', 'é', '\v', '@', '?'];
  const rand = mulberry32(0x5eed);
  for (let n = 0; n < 3000; n++) {
    const len = Math.floor(rand() * 120);
    let s = '';
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
    const f = parseExports(s, 'fuzz');
    assert.equal(renderExports(f), s, JSON.stringify(s));
    let line = 1;
    for (const l of f.lines) {
      assert.equal(l.line, line, JSON.stringify(s));
      line += l.lineCount;
    }
    validateExports(f); // must not throw either
  }
});

/** Lines without `bytes` (and the kind of source), to compare a bytes parse with a text parse. */
function readings(f: ExportsFile): unknown[] {
  return f.lines.map(({ bytes: _bytes, ...rest }) => rest);
}

test('bytes: any byte sequence round-trips and never throws, invalid UTF-8 included', () => {
  // Structural bytes, lone and truncated UTF-8 lead bytes, continuation bytes, latin1 text.
  const alphabet = [0x20, 0x09, 0x0a, 0x0d, 0x5c, 0x22, 0x23, 0x28, 0x29, 0x2c, 0x2a, 0x2f, 0x61, 0x30, 0x37, 0x0b, 0xe9, 0xff, 0xfe, 0xc3, 0xa9, 0x80, 0xef, 0xbb, 0xbf, 0x00];
  const rand = mulberry32(0xb17e5);
  for (let n = 0; n < 3000; n++) {
    const len = Math.floor(rand() * 120);
    const b = Uint8Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]!);
    const f = parseExportsBytes(b, 'fuzz');
    assert.equal(f.source, 'bytes');
    assert.deepEqual(Buffer.from(encodeExports(f)), Buffer.from(b), Buffer.from(b).toString('hex'));
    // Line structure does not depend on the encoding: the same as reading each byte as a character.
    const asChars = parseExports(Buffer.from(b).toString('latin1'), 'fuzz');
    assert.deepEqual(
      f.lines.map((l) => [l.kind, l.line, l.lineCount, l.eol]),
      asChars.lines.map((l) => [l.kind, l.line, l.lineCount, l.eol]),
    );
    validateExports(f); // must not throw either
  }
});

test('bytes that are UTF-8 read exactly as the decoded text does', () => {
  const samples = [
    ...fixtureNames().map(readFixture),
    '\uFEFF/bom *(ro)\n',
    '/x 😀(ro) # emoji\n',
    '/srv/pxe/caf\\303\\251 *(ro)\n/srv/pxe/café *(rw) # café\n',
  ];
  const rand = mulberry32(0x7e47);
  const alphabet = [' ', '\t', '\n', '\r', '\\', '"', '#', '(', ')', ',', '-', '*', '/', 'a', '0', '4', '7', 'é', '\v', '@', '€'];
  for (let n = 0; n < 1000; n++) {
    let s = '';
    for (let k = Math.floor(rand() * 80); k > 0; k--) s += alphabet[Math.floor(rand() * alphabet.length)]!;
    samples.push(s);
  }
  for (const s of samples) {
    const fromText = parseExports(s, 't');
    const fromBytes = parseExportsBytes(Buffer.from(s, 'utf8'), 't');
    assert.deepEqual(readings(fromBytes), readings(fromText), JSON.stringify(s));
    assert.deepEqual(validateExports(fromBytes), validateExports(fromText), JSON.stringify(s));
    assert.deepEqual(Buffer.from(encodeExports(fromText)), Buffer.from(s, 'utf8'), JSON.stringify(s));
  }
});

test('bytes that are not UTF-8: kept exactly in `bytes`, read with U+FFFD like exportfs paths decoded as UTF-8', () => {
  const b = Buffer.from('/srv/caf\xe9 *(ro) # r\xe9sum\xe9\n/srv/caf\\351 *(ro)\n', 'latin1');
  const f = parseExportsBytes(b, '/etc/exports');
  const [raw, escaped] = entriesOf(f);
  assert.equal(raw?.path, '/srv/caf\uFFFD');
  assert.equal(raw?.raw, '/srv/caf\uFFFD *(ro) # r\uFFFDsum\uFFFD');
  assert.equal(raw?.comment, '# r\uFFFDsum\uFFFD');
  assert.deepEqual(Buffer.from(raw!.bytes), Buffer.from('/srv/caf\xe9 *(ro) # r\xe9sum\xe9', 'latin1'));
  // An octal escape of the same byte decodes to the same path, in both parsers.
  assert.equal(escaped?.path, '/srv/caf\uFFFD');
  assert.equal(entriesOf(parseExports('/srv/caf\\351 *(ro)\n', 't'))[0]?.path, '/srv/caf\uFFFD');
  assert.deepEqual(Buffer.from(encodeExports(f)), b);
});

test('LTSP template: paths, options and the disabled #/home line', () => {
  const f = parseFixture('ltsp.exports');
  const ltspOpts = '*(ro,async,crossmnt,no_subtree_check,no_root_squash,insecure)';
  assert.deepEqual(summarize(f), [
    { line: 3, path: '/srv/ltsp', clients: [ltspOpts] },
    { line: 4, path: '/srv/tftp/ltsp', clients: [ltspOpts] },
  ]);
  const disabled = f.lines[4];
  assert.equal(disabled?.kind, 'comment');
  assert.equal(disabled?.kind === 'comment' ? disabled.comment : '', '#/home          *(rw,async,no_subtree_check,no_root_squash,insecure)');
  assert.deepEqual(validateExports(f), []);
});

test('RPi-PXE lines: fsid as UUID, dashless UUID, hex and decimal, plus mp', () => {
  const f = parseFixture('rpi-pxe.exports');
  const opts = entriesOf(f).map((e) => e.clients[0]?.options?.filter((o) => o.startsWith('fsid=') || o === 'mp'));
  assert.deepEqual(opts, [
    [],
    ['mp', 'fsid=3c7e9a8e-0d4b-4a55-9f0e-1b2a3c4d5e6f'],
    ['mp', 'fsid=8d1f2e3a4b5c4d6e8f709a0b1c2d3e4f'],
    ['mp', 'fsid=0x1f'],
    ['mp', 'fsid=12'],
  ]);
  assert.deepEqual(validateExports(f), []);
});

test('every client form is an opaque token with exact options', () => {
  const f = parseFixture('clients.exports');
  assert.deepEqual(summarize(f), [
    {
      line: 2,
      path: '/srv/export',
      clients: ['*.lab.example(ro,no_subtree_check)', 'host?(ro,no_subtree_check)', '[a-c]x(rw,no_subtree_check)'],
    },
    {
      line: 3,
      path: '/srv/nets',
      clients: ['10.0.0.0/8(ro)', '172.16.0.0/255.240.0.0(ro)', '192.168.1.10(rw,no_root_squash)'],
    },
    {
      line: 4,
      path: '/srv/v6',
      clients: ['fd00::/64(ro,no_subtree_check)', '2001:db8::1(rw)', '::1(ro)', 'fe80::1%eth0(ro)'],
    },
    {
      line: 5,
      path: '/srv/groups',
      clients: ['@netgroup(ro,no_subtree_check)', '*(ro,all_squash,anonuid=65534,anongid=65534)'],
    },
    { line: 6, path: '/srv/nfs4', clients: ['gss/krb5i(rw,sync,fsid=0,crossmnt,no_subtree_check)'] },
    { line: 7, path: '/srv/secure', clients: ['*(rw,sec=krb5:krb5i:krb5p,no_subtree_check)'] },
    { line: 8, path: '/srv/bare', clients: ['trusted-host', 'untrusted(ro)'] },
  ]);
  const bare = entriesOf(f)[6]?.clients[0];
  assert.deepEqual(bare, { host: 'trusted-host', options: undefined, raw: 'trusted-host', line: 8 });
});

test('continuation lines join into one entry and split a token like exportfs does', () => {
  const f = parseFixture('continuation.exports');
  assert.deepEqual(summarize(f), [
    {
      line: 2,
      path: '/srv/pxe/ubuntu-24.04',
      clients: [
        '192.168.1.0/24(ro,no_subtree_check,no_root_squash,async)',
        '10.0.0.0/255.0.0.0(ro,no_subtree_check)',
        'fd00:1234::/64(ro,no_subtree_check)',
      ],
    },
    { line: 6, path: '/srv/pxe/fedora-40', defaults: ['ro', 'no_subtree_check'], clients: ['192.168.1.0/24', '@pxe-clients'] },
    { line: 9, path: '/srv/pxe/x', clients: ['*(ro,no_subtree_check)'] },
    { line: 10, path: '/srv/pxe/y', clients: ['*(rw,no_subtree_check)'] },
    // exportfs turns backslash-newline into a space, even inside a word.
    { line: 11, path: '/srv/pxe/split-tok', clients: ['en', '*(ro,no_subtree_check)'] },
  ]);
  const [first, , x] = entriesOf(f);
  assert.equal(first?.lineCount, 4);
  assert.deepEqual(first?.clients.map((c) => c.line), [3, 4, 5]);
  assert.equal(first?.raw.split('\n').length, 4);
  assert.equal(x?.comment, '# a backslash ending a comment continues nothing \\');
});

test('quoted paths, octal escapes, literal # inside a token', () => {
  const f = parseFixture('quoting.exports');
  assert.deepEqual(
    entriesOf(f).map((e) => [e.path, e.rawPath]),
    [
      ['/srv/pxe/Ubuntu 24.04 Desktop', '"/srv/pxe/Ubuntu 24.04 Desktop"'],
      ['/srv/pxe/Linux Mint 22', '/srv/pxe/Linux\\040Mint\\04022'],
      ['/srv/pxe/half quoted/root', '/srv/pxe/"half quoted"/root'],
      ['/srv/pxe/hash#not-a-comment', '/srv/pxe/hash#not-a-comment'],
      ['/srv/pxe/tab\tinside', '"/srv/pxe/tab\tinside"'],
      ['/srv/pxe/café', '/srv/pxe/caf\\303\\251'],
      ['/srv/pxe/quoted#hash', '"/srv/pxe/quoted#hash"'],
    ],
  );
  const quotedClient = entriesOf(f)[6]?.clients[0];
  assert.deepEqual(quotedClient, {
    host: '*.lab.example',
    options: ['ro', 'no_subtree_check'],
    raw: '"*.lab.example(ro,no_subtree_check)"',
    line: 7,
  });
  assert.deepEqual(validateExports(f), []);
});

test('default options after the path', () => {
  const f = parseFixture('defaults.exports');
  assert.deepEqual(summarize(f), [
    { line: 2, path: '/srv/pxe', defaults: ['ro', 'async', 'no_subtree_check'], clients: ['192.168.0.0/16', '10.0.0.0/8(rw)'] },
    { line: 3, path: '/srv/images', defaults: ['sync'], clients: ['*'] },
  ]);
  // Clients without their own list are fine when defaults exist: no "no options" warning.
  assert.deepEqual(validateExports(f), []);
});

test('CRLF: terminator kept per line, not part of the model', () => {
  const f = parseFixture('crlf.exports');
  assert.deepEqual(
    f.lines.map((l) => [l.kind, l.eol]),
    [
      ['comment', '\r\n'],
      ['entry', '\r\n'],
      ['comment', '\r\n'],
      ['entry', '\r\n'],
      ['entry', '\r\n'],
    ],
  );
  const b = entriesOf(f)[1];
  assert.equal(b?.comment, '# trailing');
  assert.deepEqual(b?.clients[0]?.options, ['ro', 'no_subtree_check']);
  assert.deepEqual(validateExports(f), []);
});

test('messy whitespace and a file without a final newline', () => {
  const messy = parseFixture('messy-whitespace.exports');
  assert.deepEqual(
    messy.lines.map((l) => l.kind),
    ['blank', 'blank', 'comment', 'entry', 'entry', 'blank', 'comment', 'entry'],
  );
  assert.deepEqual(summarize(messy).map((e) => e.path), ['/srv/pxe/indented', '/srv/pxe/many', '/srv/pxe/end']);
  assert.equal(entriesOf(messy)[2]?.comment, '#');

  const nofinal = parseFixture('no-final-newline.exports');
  const last = nofinal.lines[nofinal.lines.length - 1];
  assert.equal(last?.eol, '');
  assert.equal(last?.kind === 'entry' ? last.comment : undefined, '# no newline after this');
});

test('Debian default file: commented examples stay comments', () => {
  const f = parseFixture('debian-default.exports');
  assert.equal(f.lines.filter((l) => l.kind === 'comment').length, 10);
  assert.deepEqual(summarize(f), [
    { line: 11, path: '/srv/homes', clients: ['hostname1(rw,sync,no_subtree_check)', 'hostname2(ro,sync,no_subtree_check)'] },
  ]);
});

test('octal escapes follow xgettok exactly, including re-collapsing after a decoded backslash', () => {
  const path = (raw: string): string => entriesOf(parseExports(`${raw} *(ro)\n`, 't'))[0]?.path ?? '<none>';
  assert.equal(path('/a\\040b'), '/a b');
  assert.equal(path('/a\\400b'), '/a\\400b'); // 0400 is not a byte: left alone
  assert.equal(path('/a\\08'), '/a\\08'); // 8 is not octal
  assert.equal(path('/a\\04'), '/a\\04'); // too short
  assert.equal(path('/a\\134'), '/a\\');
  // "\134" decodes to '\', and with "040" after it exportfs collapses again to ' '.
  assert.equal(path('/a\\134040'), '/a ');
  assert.equal(path('"/a\\040"b'), '/a b');
});
