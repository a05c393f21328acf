import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PxeError } from '../../src/errors.js';
import { parseMac, requireMac } from '../../src/import/mac.js';
import { hyphenMac } from '../../src/menus/common.js';

describe('MAC addresses', () => {
  test('the usual spellings give one lower-case, colon-separated form', () => {
    for (const text of ['52:54:00:ab:cd:ef', '52:54:00:AB:CD:EF', '52-54-00-AB-CD-EF', '5254.00ab.cdef', '525400ABCDEF', ' 52:54:00:ab:cd:ef\n', '01-52-54-00-ab-cd-ef']) {
      assert.equal(parseMac(text), '52:54:00:ab:cd:ef', text);
    }
    assert.equal(hyphenMac(requireMac('52:54:00:AB:CD:EF')), '52-54-00-ab-cd-ef');
  });

  test('anything else is refused, naming what was given', () => {
    for (const text of ['', '52:54:00:ab:cd', '52:54:00:ab:cd:ef:01', '52:54-00:ab:cd:ef', 'zz:54:00:ab:cd:ef', '5254.00ab.cde', '52:54:00:ab:cd:e', '52545400abcdef', '52:54:00:ab:cd:ef/']) {
      assert.equal(parseMac(text), undefined, text);
      assert.throws(() => requireMac(text), (e: unknown) => e instanceof PxeError && e.code === 'USAGE' && e.message.includes(`"${text}"`), text);
    }
  });

  test('group, broadcast and all-zero addresses are no machine\'s address', () => {
    for (const text of ['ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '01:00:5e:00:00:01', '33:33:00:00:00:01']) {
      assert.notEqual(parseMac(text), undefined);
      assert.throws(() => requireMac(text), /not a machine's MAC address|multicast/, text);
    }
  });
});
