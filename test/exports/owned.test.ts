import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PxeError, type Warning } from '../../src/errors.js';
import { parseExportsBytes } from '../../src/exports/index.js';
import {
  checkOwnedExports,
  EXPORT_OPTIONS,
  isOwnedExport,
  syncOwnedExports,
  type ExportsOwner,
  type WantedExport,
} from '../../src/exports/owned.js';
import { mulberry32 } from './support.js';

const FILE = '/etc/exports.d/pxe-import.exports';
const ROOT_A = '/srv/pxe-a';
const ROOT_B = '/srv/pxe-b';

function owner(root: string): ExportsOwner {
  return { directory: `${root}/.pxe-import/versions` };
}

function want(root: string, name: string, version: string, clients: readonly string[] = ['192.0.2.0/24']): WantedExport {
  return { path: `${root}/.pxe-import/versions/${name}/${version}`, clients, marker: `pxe-import ${name} ${version}` };
}

/** The line pxe-import writes for `w`, in the form of test/import/golden/demo.exports. */
function ourLine(w: WantedExport, eol = '\n'): string {
  const opts = EXPORT_OPTIONS.join(',');
  return `${w.path} ${w.clients.map((c) => `${c}(${opts})`).join(' ')} # ${w.marker}${eol}`;
}

/** Text as raw bytes, one byte per character: '\xe9' stays the single byte 0xE9. */
function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function sync(before: Uint8Array | undefined, root: string, wanted: readonly WantedExport[]): { bytes: Buffer; warnings: Warning[] } {
  const r = syncOwnedExports(before, FILE, owner(root), wanted);
  return { bytes: Buffer.from(r.bytes), warnings: [...r.warnings] };
}

const A_WANTED = [
  want(ROOT_A, 'debian', '20261101T030000Z-aaaaaaaa'),
  want(ROOT_A, 'debian', '20261001T030000Z-bbbbbbbb'),
  want(ROOT_A, 'fedora', '20261101T030000Z-cccccccc'),
  want(ROOT_A, 'fedora', '20261001T030000Z-dddddddd'),
  want(ROOT_A, 'ubuntu', '20261101T030000Z-eeeeeeee'),
  want(ROOT_A, 'ubuntu', '20261001T030000Z-ffffffff'),
];

test('a new file holds exactly our lines, in the form of the golden exports file', () => {
  const w = want('/ROOT', 'demo', 'VERSION');
  const r = sync(undefined, '/ROOT', [w]);
  assert.equal(
    r.bytes.toString('latin1'),
    '/ROOT/.pxe-import/versions/demo/VERSION 192.0.2.0/24(ro,no_subtree_check,no_root_squash,insecure,async) # pxe-import demo VERSION\n',
  );
  assert.deepEqual(r.warnings, []);
  assert.equal(sync(undefined, '/ROOT', []).bytes.length, 0);
});

test('two roots, one exports file: root A keeps its six lines byte for byte when root B syncs', () => {
  const a = sync(undefined, ROOT_A, A_WANTED).bytes;
  assert.equal(a.toString('latin1'), A_WANTED.map((w) => ourLine(w)).join(''));

  const wb = want(ROOT_B, 'alpine', '20261115T030000Z-12345678');
  const ab = sync(a, ROOT_B, [wb]).bytes;
  assert.equal(ab.toString('latin1'), a.toString('latin1') + ourLine(wb));

  // Root B dropping its import removes only its own line; root A syncing again changes nothing.
  assert.deepEqual(sync(ab, ROOT_B, []).bytes, a);
  assert.deepEqual(sync(ab, ROOT_A, A_WANTED).bytes, ab);
});

test('two roots may hold the same import name and version id: each edits its own line only', () => {
  // Same image imported into both roots in the same second gives the same version id, so the same marker.
  const wa = want(ROOT_A, 'demo', '20261115T030000Z-12345678');
  const wb = want(ROOT_B, 'demo', '20261115T030000Z-12345678', ['198.51.100.0/24']);
  const a = sync(undefined, ROOT_A, [wa]).bytes;
  const ab = sync(a, ROOT_B, [wb]).bytes;
  assert.equal(ab.toString('latin1'), ourLine(wa) + ourLine(wb));

  // New clients for root B rewrite root B's line in place and leave root A's alone.
  const wb2 = { ...wb, clients: ['203.0.113.0/24'] };
  assert.equal(sync(ab, ROOT_B, [wb2]).bytes.toString('latin1'), ourLine(wa) + ourLine(wb2));
});

test('a line carrying the marker outside our versions directory is the user\'s: kept', () => {
  const w = want(ROOT_B, 'demo', 'V2');
  const user = `${ROOT_B}/pub 10.0.0.0/8(ro) # pxe-import demo V1\n/srv/other *(ro) # pxe-import old-copy X\n`;
  assert.equal(sync(bytes(user), ROOT_B, [w]).bytes.toString('latin1'), user + ourLine(w));
  assert.equal(sync(bytes(user), ROOT_B, []).bytes.toString('latin1'), user);
});

test('a user line that is not UTF-8 is kept byte for byte (no U+FFFD)', () => {
  const user = bytes('/srv/caf\xe9 *(ro)\n# r\xe9sum\xe9 \xff\xfe\n/srv/x\t"quoted \xc3" 10.0.0.1(rw)\n');
  const w = want(ROOT_B, 'demo', 'V1');
  const r = sync(user, ROOT_B, [w]).bytes;
  assert.deepEqual(r.subarray(0, user.length), user);
  assert.equal(r.subarray(user.length).toString('latin1'), ourLine(w));
  // Removing our line again gives back the user's bytes exactly.
  assert.deepEqual(sync(r, ROOT_B, []).bytes, user);
});

test('our line under a root whose path is UTF-8 is written as UTF-8', () => {
  const root = '/srv/pxe-café';
  const w = want(root, 'demo', 'V1');
  const r = sync(undefined, root, [w]).bytes;
  assert.deepEqual(r, Buffer.from(ourLine(w), 'utf8'));
  assert.deepEqual(sync(r, root, [w]).bytes, r, 'a second sync is a no-op');
  assert.equal(sync(r, root, []).bytes.length, 0, 'and the line is recognised as ours');
});

test('a file without a trailing newline gets only the missing line break before our line', () => {
  const user = '/srv/user\t*(ro,no_subtree_check)';
  const w = want(ROOT_B, 'demo', 'V1');
  const r = sync(bytes(user), ROOT_B, [w]).bytes.toString('latin1');
  assert.equal(r, `${user}\n${ourLine(w)}`);
  assert.equal(sync(bytes(r), ROOT_B, []).bytes.toString('latin1'), `${user}\n`);
});

test('a CRLF file keeps its CRLF lines and gets our line in CRLF', () => {
  const user = '# lab\r\n/srv/user *(ro)\r\n';
  const w1 = want(ROOT_B, 'demo', 'V1');
  const w2 = want(ROOT_B, 'demo', 'V2');
  const r = sync(bytes(user), ROOT_B, [w1, w2]).bytes.toString('latin1');
  assert.equal(r, user + ourLine(w1, '\r\n') + ourLine(w2, '\r\n'));
  assert.equal(sync(bytes(r), ROOT_B, [w2]).bytes.toString('latin1'), user + ourLine(w2, '\r\n'));
});

test('our stale version lines are removed, however they were formatted; user lines between them stay', () => {
  const v1 = want(ROOT_B, 'demo', 'V1');
  const v2 = want(ROOT_B, 'demo', 'V2');
  const v3 = want(ROOT_B, 'demo', 'V3');
  const before = [
    '# mine',
    `${v1.path}  192.0.2.0/24(ro)   #  ${v1.marker}  `,
    '/srv/user *(ro)',
    ourLine(v2, ''),
    '/srv/user2 *(rw)',
    '',
  ].join('\n');
  const r = sync(bytes(before), ROOT_B, [v2, v3]).bytes.toString('latin1');
  assert.equal(r, ['# mine', '/srv/user *(ro)', ourLine(v2, ''), '/srv/user2 *(rw)', ourLine(v3, '')].join('\n') + '\n');
  // A second sync with the same lines is a no-op.
  assert.equal(sync(bytes(r), ROOT_B, [v2, v3]).bytes.toString('latin1'), r);
});

test('another line covering one of our paths is an EXPORTS_COVERED warning naming its line', () => {
  const w = want(ROOT_B, 'demo', 'V1');
  const user = `/srv 10.0.0.0/8(rw)\n${ROOT_A}/.pxe-import/versions/demo/V1 *(ro) # pxe-import demo V1\n${w.path} 10.0.0.9(rw)\n`;
  const r = sync(bytes(user), ROOT_B, [w]);
  assert.equal(r.bytes.toString('latin1'), user + ourLine(w));
  assert.deepEqual(r.warnings, [
    {
      code: 'EXPORTS_COVERED',
      message: `${FILE}:1: /srv is also exported here, which may override pxe-import's options for ${w.path}`,
      file: FILE,
      line: 1,
    },
    {
      code: 'EXPORTS_COVERED',
      message: `${FILE}:3: ${w.path} is also exported here, which may override pxe-import's options for ${w.path}`,
      file: FILE,
      line: 3,
    },
  ]);
});

test('problems in user lines are kept as they are, not ours to fail on', () => {
  const user = '/srv/bad *(rw,nonsense)\n"/srv/unterminated *(ro)\nrelative *(ro)\n';
  const w = want(ROOT_B, 'demo', 'V1');
  assert.equal(sync(bytes(user), ROOT_B, [w]).bytes.toString('latin1'), user + ourLine(w));
});

test('a last line ending in a backslash cannot be appended to: USAGE, nothing guessed', () => {
  assert.throws(
    () => sync(bytes('/srv/user *(ro) \\'), ROOT_B, [want(ROOT_B, 'demo', 'V1')]),
    (e: unknown) => e instanceof PxeError && e.code === 'USAGE' && e.message === `${FILE}:1: last line ends with a backslash; fix it by hand`,
  );
});

test('what the caller wants must be ownable by it: anything else is INTERNAL', () => {
  const internal = (wanted: readonly WantedExport[], o = owner(ROOT_B)) => () => syncOwnedExports(undefined, FILE, o, wanted);
  const isInternal = (text: string) => (e: unknown) => e instanceof PxeError && e.code === 'INTERNAL' && e.message === `${FILE}: ${text}`;
  const w = want(ROOT_B, 'demo', 'V1');
  assert.throws(internal([{ ...w, marker: 'demo V1' }]), isInternal('exports marker "demo V1" is not a single-line "pxe-import …" marker'));
  assert.throws(internal([{ ...w, marker: 'pxe-import demo\nV1' }]), isInternal('exports marker "pxe-import demo\nV1" is not a single-line "pxe-import …" marker'));
  assert.throws(internal([{ ...w, path: `${ROOT_A}/.pxe-import/versions/demo/V1` }]), isInternal(`export path "${ROOT_A}/.pxe-import/versions/demo/V1" is outside ${ROOT_B}/.pxe-import/versions`));
  assert.throws(internal([{ ...w, path: `${ROOT_B}/.pxe-import/versions/` }]), isInternal(`export path "${ROOT_B}/.pxe-import/versions/" is outside ${ROOT_B}/.pxe-import/versions`));
  assert.throws(internal([{ ...w, path: `${ROOT_B}/.pxe-import/versions/demo/../../../etc` }]), isInternal(`export path "${ROOT_B}/.pxe-import/versions/demo/../../../etc" is outside ${ROOT_B}/.pxe-import/versions`));
  assert.throws(internal([w, { ...w, path: `${w.path}/` }]), isInternal(`export path "${w.path}/" is wanted twice`));
  assert.throws(internal([w], { directory: 'relative' }), isInternal('exports owner directory "relative" is not absolute'));
  // A client exportfs would misread comes from the user: USAGE, as before.
  assert.throws(internal([{ ...w, clients: ['a b'] }]), (e: unknown) => e instanceof PxeError && e.code === 'USAGE');
});

test('checkOwnedExports: an exportfs error in our line is INTERNAL, the same error in a user line is not ours', () => {
  const w = want(ROOT_B, 'demo', 'V1');
  const check = (text: string, wanted: readonly WantedExport[]) => () => checkOwnedExports(parseExportsBytes(bytes(text), FILE), owner(ROOT_B), wanted);
  const userBad = '/srv/user *(ro,bogus)\n';
  assert.doesNotThrow(check(userBad + ourLine(w), [w]));
  assert.throws(
    check(`${userBad}${w.path} *(ro,bogus) # ${w.marker}\n`, [w]),
    (e: unknown) =>
      e instanceof PxeError && e.code === 'INTERNAL' && e.message === `${FILE}:2: client "*(ro,bogus)": unknown option "bogus" (a line pxe-import wrote)`,
  );
  assert.throws(
    check(ourLine(w).replace('192.0.2.0/24', '10.0.0.0/8'), [w]),
    (e: unknown) => e instanceof PxeError && e.code === 'INTERNAL' && e.message === `${FILE}: exports line for ${w.path} was not written as wanted (1 lines found)`,
  );
  assert.throws(
    check(ourLine(w) + ourLine(want(ROOT_B, 'demo', 'V0')), [w]),
    (e: unknown) => e instanceof PxeError && e.code === 'INTERNAL' && e.message === `${FILE}: 1 stale pxe-import exports lines were left`,
  );
});

/** Byte strings that, glued together at random, make hostile exports files. */
const PIECES = [
  '\n', '\n', '\r\n', '\\\n', '\t', ' ', '\\', '"', '#', '\xe9', '\xc3', '\xff', '\r',
  '/srv/caf\xe9 *(ro)', '/srv/x\t10.0.0.1(rw)', '# r\xe9sum\xe9 \xfe', '"/q \xc3" *(ro)', '/srv *(rw,bogus)', 'relative *(ro)',
  ourLine(A_WANTED[0]!, ''), ourLine(want(ROOT_A, 'demo', 'V1'), ''),
  ourLine(want(ROOT_B, 'demo', 'V0'), ''), ourLine(want(ROOT_B, 'demo', 'V1'), ''), ourLine(want(ROOT_B, 'demo', 'V2', ['10.0.0.0/8']), ''),
  `${ROOT_B}/.pxe-import/versions/demo/V2 *(ro) # pxe-import demo V2`, `${ROOT_B}/.pxe-import/versions/demo/V1 10.0.0.9(rw)`,
];

/** The bytes of the lines that are not root B's, one after the other, terminators included. */
function othersOf(b: Uint8Array): { text: string; count: number; open: boolean } {
  const others = parseExportsBytes(b, FILE).lines.filter((l) => !isOwnedExport(l, owner(ROOT_B)));
  const text = others.map((l) => Buffer.from(l.bytes).toString('latin1') + l.eol).join('');
  return { text, count: others.length, open: others.at(-1)?.eol === '' };
}

test('property: whatever the file holds, every line that is not ours comes back byte for byte', () => {
  const rand = mulberry32(0xe8907);
  const choices = [[], [want(ROOT_B, 'demo', 'V1')], [want(ROOT_B, 'demo', 'V1'), want(ROOT_B, 'demo', 'V2')]];
  let refused = 0;
  for (let n = 0; n < 1000; n++) {
    let s = '';
    for (let k = Math.floor(rand() * 16); k > 0; k--) s += PIECES[Math.floor(rand() * PIECES.length)]!;
    const before = bytes(s);
    const wanted = choices[Math.floor(rand() * choices.length)]!;
    const what = JSON.stringify(s);
    let after: Buffer;
    try {
      after = sync(before, ROOT_B, wanted).bytes;
    } catch (e) {
      // The one refusal: appending after a last line that ends in a backslash would continue it.
      const last = parseExportsBytes(before, FILE).lines.at(-1);
      assert.ok(e instanceof PxeError && e.code === 'USAGE' && /last line ends with a backslash/.test(e.message), what);
      assert.ok(last !== undefined && last.eol === '' && last.raw.endsWith('\\'), what);
      refused++;
      continue;
    }
    const was = othersOf(before);
    const is = othersOf(after);
    // Only a last line without a line ending may get one, when something follows it. (A last line
    // ending in a lone CR then reads as a CRLF line: the same bytes, one LF more.)
    const grown = is.text.length > was.text.length;
    assert.ok(is.text === was.text || ([`${was.text}\n`, `${was.text}\r\n`].includes(is.text) && was.open), what);
    if (!grown) assert.equal(is.count, was.count, what);
    const ours = parseExportsBytes(after, FILE).lines.filter((l) => isOwnedExport(l, owner(ROOT_B)));
    // Ours are the wanted lines, each once (in place where they were, appended otherwise).
    assert.deepEqual(ours.map((l) => (l.kind === 'entry' ? l.path : '')).sort(), wanted.map((w) => w.path).sort(), what);
    assert.deepEqual(sync(after, ROOT_B, wanted).bytes, after, `${what}: a second sync is a no-op`);
    if (was.count === parseExportsBytes(before, FILE).lines.length && wanted.length === 0) assert.deepEqual(after, before, what);
  }
  assert.ok(refused < 100, `${refused} of 1000 refused`);
});
