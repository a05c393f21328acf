import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PxeError } from '../../src/errors.js';
import {
  assertValidExports,
  checkExportOption,
  formatProblem,
  parseExports,
  renderExports,
  validateExports,
} from '../../src/exports/index.js';
import { readFixture, VALID_FIXTURES } from './support.js';

function problems(text: string, file = '/etc/exports'): string[] {
  return validateExports(parseExports(text, file)).map((p) => `${p.severity}: ${formatProblem(p)}`);
}

test('malformed fixture: every problem named with file:line, and the file still round-trips', () => {
  const text = readFixture('malformed.exports');
  const f = parseExports(text, '/etc/exports.d/malformed.exports');
  assert.equal(renderExports(f), text);
  const F = '/etc/exports.d/malformed.exports';
  assert.deepEqual(
    validateExports(f).map((p) => `${p.severity}: ${formatProblem(p)}`),
    [
      `error: ${F}:1: client "*(ro,bogus)": unknown option "bogus"`,
      `warning: ${F}:2: whitespace between "host" and "(ro)": exportfs reads "host" with default options and "(ro)" as "*(ro)" (every host)`,
      `warning: ${F}:2: no options for client "host"; exportfs warns and uses its defaults (ro,root_squash,sync)`,
      `error: ${F}:3: missing ")" in client "*(ro"`,
      `error: ${F}:4: unbalanced ")" in client "*ro)"`,
      `warning: ${F}:4: no options for client "*ro)"; exportfs warns and uses its defaults (ro,root_squash,sync)`,
      `error: ${F}:5: unexpected "#comment" after ")" in client "*(ro)#comment" (a comment needs whitespace before "#")`,
      `error: ${F}:6: unterminated double quote in "/srv/f unterminated *(ro)`,
      `warning: ${F}:7: empty option list in "host()"; exportfs applies its defaults`,
      `error: ${F}:8: empty option in "*(ro,,rw)"`,
      `error: ${F}:9: export path "relative/path" is not absolute`,
      `error: ${F}:10: client "*(ro,fsid=abc,sec=krb6)": bad fsid "fsid=abc" (expected "root", a number or a 32-hex-digit UUID)`,
      `error: ${F}:10: client "*(ro,fsid=abc,sec=krb6)": unknown security flavor "krb6" in "sec=krb6"`,
    ],
  );
});

test('valid fixtures have no errors', () => {
  for (const name of VALID_FIXTURES) {
    const errors = validateExports(parseExports(readFixture(name), name)).filter((p) => p.severity === 'error');
    assert.deepEqual(errors, [], name);
  }
});

test('a problem on a continuation line names that physical line', () => {
  assert.deepEqual(problems('# head\n/srv/pxe \\\n  a(ro) \\\n  b(ro,oops)\n'), [
    'error: /etc/exports:4: client "b(ro,oops)": unknown option "oops"',
  ]);
  assert.deepEqual(problems('/srv/pxe \\\n  a(ro\n'), ['error: /etc/exports:2: missing ")" in client "a(ro"']);
});

test('CRLF pitfalls exportfs really trips over', () => {
  assert.deepEqual(problems(readFixture('crlf-blank-line.exports'), 'win.exports'), [
    'error: win.exports:3: blank line ending in CRLF: exportfs stops reading the file here, so nothing below is exported; convert the file to LF line endings',
  ]);
  assert.deepEqual(problems('/srv/a \\\r\n  *(ro)\r\n'), [
    'error: /etc/exports:1: backslash before a CRLF line ending does not continue the line for exportfs; convert the file to LF line endings',
    'warning: /etc/exports:1: no options for client "\\"; exportfs warns and uses its defaults (ro,root_squash,sync)',
    'warning: /etc/exports:2: no client given for *(ro); exportfs exports it to every host (*)',
    'error: /etc/exports:2: export path "*(ro)" is not absolute',
  ]);
});

test('other syntax problems', () => {
  assert.deepEqual(problems('/srv/a *(ro) -rw h2\n'), [
    'warning: /etc/exports:1: default options -rw should come right after the path; exportfs applies them only to the clients that follow',
    'warning: /etc/exports:1: no options for client "h2"; exportfs warns and uses its defaults (ro,root_squash,sync)',
  ]);
  assert.deepEqual(problems('/srv/a "" h2(ro)\n'), [
    'error: /etc/exports:1: empty client ""; exportfs reads it as the end of the line',
  ]);
  assert.deepEqual(problems('"" *(ro)\n'), ['error: /etc/exports:1: empty path ""; exportfs stops reading the file here']);
  assert.deepEqual(problems('/srv/a (ro)\n'), ['warning: /etc/exports:1: "(ro)" has no host name; exportfs applies it to every host (*)']);
  assert.deepEqual(problems('/srv/a\n'), ['warning: /etc/exports:1: no client given for /srv/a; exportfs exports it to every host (*)']);
  assert.deepEqual(problems('/srv/a *(ro) \v10.0.0.1(rw)\n'), [
    'error: /etc/exports:1: unexpected control character U+000B; exportfs may end the entry here',
  ]);
  assert.deepEqual(problems('/srv/a *(ro) -\n'), [
    'warning: /etc/exports:1: default options - should come right after the path; exportfs applies them only to the clients that follow',
  ]);
  assert.deepEqual(problems('/srv/a -ro,bogus *\n'), ['error: /etc/exports:1: default options "-ro,bogus": unknown option "bogus"']);
  assert.deepEqual(problems(`/srv/${'x'.repeat(1020)} *(ro)\n`), ['error: /etc/exports:1: path is longer than 1024 bytes']);
  assert.deepEqual(problems(`/srv/a ${'h'.repeat(508)}(ro)\n`), ['error: /etc/exports:1: client is longer than 511 bytes']);
});

test('duplicate path and host, including a trailing slash and a missing host name', () => {
  assert.deepEqual(problems('/srv/a *(ro)\n/srv/a/ 10.0.0.0/8(ro) (rw)\n'), [
    'warning: /etc/exports:2: "(rw)" has no host name; exportfs applies it to every host (*)',
    'warning: /etc/exports:2: "/srv/a/" is already exported to "*" on line 1',
  ]);
});

test('assertValidExports throws a USAGE PxeError naming the first error', () => {
  const f = parseExports(readFixture('malformed.exports'), '/etc/exports');
  assert.throws(
    () => assertValidExports(f),
    (e: unknown) =>
      e instanceof PxeError &&
      e.code === 'USAGE' &&
      e.file === '/etc/exports' &&
      e.message === '/etc/exports:1: client "*(ro,bogus)": unknown option "bogus" (and 8 more)',
  );
  const warnings = assertValidExports(parseExports('/srv/a host\n', 'x'));
  assert.deepEqual(
    warnings.map((p) => p.message),
    ['no options for client "host"; exportfs warns and uses its defaults (ro,root_squash,sync)'],
  );
});

test('option keywords as nfs-utils parseopts() accepts them', () => {
  for (const ok of [
    'ro', 'rw', 'async', 'no_subtree_check', 'insecure', 'no_root_squash', 'crossmnt', 'mp', 'mountpoint=/mnt',
    'fsid=root', 'fsid=0', 'fsid=017', 'fsid=0x1F', 'fsid=3c7e9a8e-0d4b-4a55-9f0e-1b2a3c4d5e6f',
    'anonuid=-2', 'anongid=65534', 'sec=sys:krb5p', 'xprtsec=tls:mtls', 'reexport=auto-fsidnum', 'squash_uids=0-15',
  ]) {
    assert.equal(checkExportOption(ok), undefined, ok);
  }
  assert.equal(checkExportOption('bogus'), 'unknown option "bogus"');
  assert.equal(checkExportOption('rO'), 'unknown option "rO"');
  assert.equal(checkExportOption('fsid=09'), 'bad fsid "fsid=09" (expected "root", a number or a 32-hex-digit UUID)');
  assert.equal(checkExportOption('anonuid='), 'bad anonuid "anonuid=" (expected a decimal number)');
  assert.equal(checkExportOption('sec=krb5:'), 'unknown security flavor "" in "sec=krb5:"');
  assert.equal(checkExportOption('reexport=all'), 'unknown reexport mode "all" in "reexport=all"');
  assert.equal(checkExportOption('timeo=5'), 'unknown option "timeo=5"');
});
