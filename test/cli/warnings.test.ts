/** Warnings as the CLI prints them: `file:line: message` when a warning names a file. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderAnalysis } from '../../src/cli/commands/inspect.js';
import { WarningLog } from '../../src/cli/warnings.js';
import { formatWarning, type Warning } from '../../src/errors.js';
import { parseProfile } from '../../src/profiles/schema.js';

const warnings: Warning[] = [
  { code: 'PROFILE_CAVEAT', message: 'BIOS only' },
  { code: 'BOOTCONFIG_SYNTAX', message: "unexpected '}'", file: '/boot/grub/grub.cfg', line: 7 },
  { code: 'BOOTCONFIG_LIMIT', message: 'too big', file: '/boot/grub/big.cfg' },
];

describe('warnings as printed', () => {
  test('formatWarning: file:line: message, file: message without a line, the message alone without a file', () => {
    assert.deepEqual(warnings.map(formatWarning), ['BIOS only', "/boot/grub/grub.cfg:7: unexpected '}'", '/boot/grub/big.cfg: too big']);
  });

  test('WarningLog.print names the image, then the formatted warning', () => {
    const log = new WarningLog();
    for (const w of warnings) log.handler(w);
    let written = '';
    const stream = { write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    log.print('x.iso', stream);
    assert.equal(
      written,
      ["pxe-import: warning: x.iso: BIOS only", "pxe-import: warning: x.iso: /boot/grub/grub.cfg:7: unexpected '}'", 'pxe-import: warning: x.iso: /boot/grub/big.cfg: too big', ''].join('\n'),
    );
  });

  test("inspect's Note lines are the formatted plan warnings", () => {
    const profile = parseProfile(
      JSON.stringify({ id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/k' }] }, boot: { kernel: ['/k'] }, cmdline: { nfs: '{isoArgs}', http: null } }),
      't.json',
    );
    const text = renderAnalysis({ match: { profile, reasons: ['found /k'], release: undefined }, plan: { entries: [], warnings, configFiles: [], assumptions: [], dropped: [], combinedInitrds: [], serverNeeds: [] } });
    assert.deepEqual(
      text.split('\n').filter((l) => l.startsWith('Note:')),
      ["Note:         BIOS only", "Note:         /boot/grub/grub.cfg:7: unexpected '}'", 'Note:         /boot/grub/big.cfg: too big'],
    );
  });

  test("inspect's Assumed lines say which branch of a GRUB if ran and why, apart from the Notes", () => {
    const profile = parseProfile(
      JSON.stringify({ id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/k' }] }, boot: { kernel: ['/k'] }, cmdline: { nfs: '{isoArgs}', http: null } }),
      't.json',
    );
    const assumptions = [{ file: '/boot/grub/grub.cfg', line: 24, message: `if: ran the 'then' branch because $grub_platform is "efi"` }];
    const text = renderAnalysis({ match: { profile, reasons: ['found /k'], release: undefined }, plan: { entries: [], warnings: [], configFiles: ['/boot/grub/grub.cfg'], assumptions, dropped: [], combinedInitrds: [], serverNeeds: [] } });
    assert.deepEqual(
      text.split('\n').filter((l) => l.startsWith('Assumed:') || l.startsWith('Note:')),
      [`Assumed:      /boot/grub/grub.cfg:24: if: ran the 'then' branch because $grub_platform is "efi"`],
    );
  });
});
