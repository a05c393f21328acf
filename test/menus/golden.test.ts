/**
 * Golden files: every case in models.ts rendered and compared byte for byte with
 * test/menus/golden/<case>.<file>. Run with UPDATE_GOLDEN=1 to rewrite them (then review the diff).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { renderGrub, renderIpxe, renderPxelinux } from '../../src/menus/index.js';
import { GOLDEN_CASES, type GoldenCase } from './models.js';

/** Compiled tests live in dist/test/menus/; the golden files stay in test/menus/golden/. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../../test/menus/golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

type Kind = 'pxelinux.cfg' | 'grub.cfg' | 'boot.ipxe';

export function renderKind(c: GoldenCase, kind: Kind): string {
  switch (kind) {
    case 'pxelinux.cfg':
      return renderPxelinux(c.model, c.options);
    case 'grub.cfg':
      return renderGrub(c.model, c.options);
    case 'boot.ipxe':
      return renderIpxe(c.model);
  }
}

export const ALL_KINDS: readonly Kind[] = ['pxelinux.cfg', 'grub.cfg', 'boot.ipxe'];

describe('golden menus', () => {
  for (const c of GOLDEN_CASES) {
    for (const kind of c.kinds ?? ALL_KINDS) {
      it(`${c.name}.${kind}`, () => {
        const file = join(GOLDEN_DIR, `${c.name}.${kind}`);
        const text = renderKind(c, kind);
        if (UPDATE) {
          mkdirSync(GOLDEN_DIR, { recursive: true });
          writeFileSync(file, text);
          return;
        }
        assert.ok(existsSync(file), `${file} is missing: run the tests with UPDATE_GOLDEN=1 and review it`);
        assert.equal(text, readFileSync(file, 'utf8'), `${c.name}.${kind} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
      });
    }
  }
});
