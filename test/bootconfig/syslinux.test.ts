/** parseSyslinux(): directive semantics, path resolution, defaults and hostile inputs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_INCLUDE_DEPTH, cleanMenuLabel, parseSyslinux } from '../../src/bootconfig/index.js';
import { brief, memorySource, withCode } from './helpers.js';

const parse = (files: Record<string, string>, entry = '/isolinux/isolinux.cfg') => parseSyslinux(memorySource(files), entry);

describe('syslinux directives', () => {
  it('keywords are case-insensitive; LINUX/KERNEL, APPEND and INITRD a,b,c', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': [
        'DeFaUlT one',
        'label one',
        '  MENU label ^First',
        '  LiNuX /boot/vmlinuz',
        '  InItRd /boot/ucode.img,/boot/initrd.img',
        '  aPPend root=live:CDLABEL=X quiet',
        'LABEL two',
        '  kernel vmlinuz2',
        '  append initrd=a.img,b.img ro',
      ].join('\n'),
    });
    assert.deepEqual(r.entries.map(brief), [
      { label: 'First', kernel: '/boot/vmlinuz', initrds: ['/boot/ucode.img', '/boot/initrd.img'], append: ['root=live:CDLABEL=X', 'quiet'], loader: 'syslinux', isDefault: true },
      { label: 'two', kernel: '/isolinux/vmlinuz2', initrds: ['/isolinux/a.img', '/isolinux/b.img'], append: ['ro'], loader: 'syslinux', isDefault: false },
    ]);
    assert.deepEqual(r.entries[1]?.source, { file: '/isolinux/isolinux.cfg', line: 7, loader: 'syslinux' });
  });

  it('global APPEND is inherited by labels without APPEND; APPEND - clears it; later APPEND outside labels is ignored', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': [
        'APPEND initrd=/g.img boot=global',
        'LABEL inherit',
        '  KERNEL /k',
        'LABEL own',
        '  KERNEL /k',
        '  APPEND own=1',
        'LABEL none',
        '  KERNEL /k',
        '  APPEND -',
      ].join('\n'),
    });
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.initrds, e.append]),
      [
        ['inherit', ['/g.img'], ['boot=global']],
        ['own', [], ['own=1']],
        ['none', [], []],
      ],
    );
  });

  it('INITRD plus initrd= in APPEND: the later initrd= on the command line wins, with a warning', () => {
    const r = parse({ '/isolinux/isolinux.cfg': 'LABEL x\nLINUX /k\nINITRD /one.img\nAPPEND initrd=/two.img quiet\n' });
    assert.deepEqual(r.entries[0]?.initrds, ['/two.img']);
    assert.deepEqual(r.entries[0]?.append, ['quiet']);
    assert.equal(withCode(r.warnings, 'SYNTAX').length, 1);
  });

  it('double-quoted APPEND values stay one token with their quotes', () => {
    const r = parse({ '/isolinux/isolinux.cfg': 'LABEL x\nLINUX /k\nAPPEND a="b c" d=""  e\n' });
    assert.deepEqual(r.entries[0]?.append, ['a="b c"', 'd=""', 'e']);
  });

  it('CRLF and lone-CR files (and their INCLUDEs) read exactly like LF ones', () => {
    const main = ['DEFAULT two', 'INCLUDE more.cfg', 'LABEL one', '  MENU LABEL ^One', '  LINUX /k', '  APPEND a="b c" quiet', ''].join('\n');
    const more = ['LABEL two', '  LINUX /k2', '  INITRD /i', '  APPEND x', ''].join('\n');
    const read = (eol: string) => {
      const r = parse({ '/isolinux/isolinux.cfg': main.replace(/\n/g, eol), '/isolinux/more.cfg': more.replace(/\n/g, eol) });
      return { entries: r.entries, warnings: r.warnings };
    };
    const expected = read('\n');
    assert.deepEqual(
      expected.entries.map((e) => [e.label, e.append, e.source.file, e.source.line, e.isDefault]),
      [
        ['two', ['x'], '/isolinux/more.cfg', 1, true],
        ['One', ['a="b c"', 'quiet'], '/isolinux/isolinux.cfg', 3, false],
      ],
    );
    assert.deepEqual(read('\r\n'), expected);
    assert.deepEqual(read('\r'), expected);
  });

  it('skips COM32, LOCALBOOT, .c32 KERNELs, MENU EXIT and MENU DISABLE labels; TEXT HELP text is not parsed', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': [
        'LABEL hdt',
        'COM32 hdt.c32',
        'LABEL hd',
        'LOCALBOOT 0x80',
        'LABEL chain',
        'KERNEL chain.c32',
        'APPEND hd0',
        'LABEL back',
        'MENU EXIT',
        'LABEL off',
        'MENU DISABLE',
        'LINUX /k',
        'LABEL real',
        'TEXT HELP',
        'LINUX /not/this',
        'LABEL nor-this',
        'ENDTEXT',
        'LINUX /k',
      ].join('\n'),
    });
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.kernel]),
      [['real', '/k']],
    );
  });

  it('cleans menu labels and keeps MENU BEGIN / MENU END nesting as menuPath', () => {
    assert.equal(cleanMenuLabel('  ^Try   Ubuntu ^without installing '), 'Try Ubuntu without installing');
    const r = parse({
      '/isolinux/isolinux.cfg': [
        'MENU BEGIN adv',
        '  MENU LABEL ^Advanced',
        '  MENU BEGIN deeper',
        '    MENU TITLE Deeper options',
        '    LABEL a',
        '      LINUX /k',
        '  MENU END',
        '  LABEL b',
        '    LINUX /k',
        'MENU END',
        'LABEL c',
        '  LINUX /k',
      ].join('\n'),
    });
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.menuPath ?? []]),
      [
        ['a', ['Advanced', 'Deeper options']],
        ['b', ['Advanced']],
        ['c', []],
      ],
    );
  });

  it('pxelinux ::/ absolute paths and DOS backslashes are ISO paths', () => {
    const r = parse({ '/isolinux/isolinux.cfg': 'LABEL x\nLINUX ::/arch/vmlinuz\nINITRD boot\\initrd.img\n' });
    assert.equal(r.entries[0]?.kernel, '/arch/vmlinuz');
    assert.deepEqual(r.entries[0]?.initrds, ['/isolinux/boot/initrd.img']);
  });
});

describe('syslinux defaults', () => {
  it('ONTIMEOUT beats MENU DEFAULT beats DEFAULT', () => {
    const cfg = (extra: string) => `DEFAULT a\n${extra}\nLABEL a\nLINUX /k\nLABEL b\nLINUX /k\nMENU DEFAULT\nLABEL c\nLINUX /k\n`;
    const d = (text: string) => parse({ '/isolinux/isolinux.cfg': text }).entries.filter((e) => e.isDefault).map((e) => e.label);
    assert.deepEqual(d(cfg('ONTIMEOUT c')), ['c']);
    assert.deepEqual(d(cfg('')), ['b']);
    assert.deepEqual(d('DEFAULT a\nLABEL a\nLINUX /k\nLABEL b\nLINUX /k\n'), ['a']);
  });

  it('DEFAULT names a label case-insensitively when no exact match exists; unknown DEFAULT means no default', () => {
    const d = (text: string) => parse({ '/isolinux/isolinux.cfg': text }).entries.filter((e) => e.isDefault).map((e) => e.label);
    assert.deepEqual(d('DEFAULT LIVE\nLABEL live\nLINUX /k\n'), ['live']);
    assert.deepEqual(d('DEFAULT nothing\nLABEL live\nLINUX /k\n'), []);
  });
});

describe('syslinux INCLUDE and CONFIG', () => {
  it('INCLUDE and MENU INCLUDE resolve against the working directory, not the including file', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': 'INCLUDE sub/a.cfg\nMENU INCLUDE b.cfg Extras\n',
      '/isolinux/sub/a.cfg': 'INCLUDE c.cfg\n',
      '/isolinux/c.cfg': 'LABEL c\nLINUX vmlinuz\n',
      '/isolinux/b.cfg': 'LABEL b\nLINUX /k\n',
    });
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.kernel, e.menuPath ?? []]),
      [
        ['c', '/isolinux/vmlinuz', []],
        ['b', '/k', ['Extras']],
      ],
    );
    assert.deepEqual(r.filesRead, ['/isolinux/isolinux.cfg', '/isolinux/sub/a.cfg', '/isolinux/c.cfg', '/isolinux/b.cfg']);
  });

  it('refuses an INCLUDE loop with a warning and keeps what it read', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': 'INCLUDE a.cfg\nLABEL top\nLINUX /k\n',
      '/isolinux/a.cfg': 'LABEL a\nLINUX /k\nINCLUDE b.cfg\n',
      '/isolinux/b.cfg': 'INCLUDE a.cfg\nLABEL b\nLINUX /k\n',
    });
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['a', 'b', 'top'],
    );
    const loops = withCode(r.warnings, 'INCLUDE_LOOP');
    assert.equal(loops.length, 1);
    assert.equal(loops[0]?.file, '/isolinux/b.cfg');
    assert.equal(loops[0]?.line, 1);
    assert.match(loops[0]?.message ?? '', /a\.cfg -> \/isolinux\/b\.cfg -> \/isolinux\/a\.cfg/);
  });

  it('a file including itself is refused', () => {
    const r = parse({ '/isolinux/isolinux.cfg': 'INCLUDE isolinux.cfg\nLABEL x\nLINUX /k\n' });
    assert.equal(r.entries.length, 1);
    assert.equal(withCode(r.warnings, 'INCLUDE_LOOP').length, 1);
  });

  it(`stops nesting INCLUDE past ${MAX_INCLUDE_DEPTH} levels`, () => {
    const files: Record<string, string> = {};
    const N = 25;
    for (let i = 0; i < N; i++) files[`/isolinux/f${i}.cfg`] = `LABEL l${i}\nLINUX /k\nINCLUDE f${i + 1}.cfg\n`;
    const r = parse(files, '/isolinux/f0.cfg');
    assert.equal(r.entries.length, MAX_INCLUDE_DEPTH + 1); // the entry file plus 16 nested includes
    const deep = withCode(r.warnings, 'INCLUDE_DEPTH');
    assert.equal(deep.length, 1);
    assert.equal(deep[0]?.file, `/isolinux/f${MAX_INCLUDE_DEPTH}.cfg`);
    assert.ok(!r.filesRead.includes(`/isolinux/f${MAX_INCLUDE_DEPTH + 1}.cfg`));
  });

  it('a missing INCLUDE is a warning naming the including line', () => {
    const r = parse({ '/isolinux/isolinux.cfg': 'LABEL x\nLINUX /k\nINCLUDE gone.cfg\n' });
    assert.deepEqual(withCode(r.warnings, 'FILE_MISSING').map((w) => [w.file, w.line]), [['/isolinux/isolinux.cfg', 3]]);
    assert.equal(r.entries.length, 1);
  });

  it('global CONFIG (before any LABEL) switches files at once and can set the working directory', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': 'PROMPT 0\nCONFIG /boot/syslinux/real.cfg /boot/\nLABEL never\nLINUX /never\n',
      '/boot/syslinux/real.cfg': 'LABEL x\nLINUX x86_64/vmlinuz\n',
    });
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.kernel]),
      [['x', '/boot/x86_64/vmlinuz']],
    );
  });

  it('CONFIG inside a LABEL is that label\'s kernel type (followed, not a switch)', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': 'LABEL here\nLINUX /k\nLABEL more\nCONFIG more.cfg\nLABEL after\nLINUX /k3\n',
      '/isolinux/more.cfg': 'LABEL sub\nLINUX /k2\n',
    });
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['here', 'sub', 'after'],
    );
  });

  it('refuses CONFIG chains that loop back', () => {
    const r = parse({
      '/isolinux/isolinux.cfg': 'DEFAULT go\nLABEL go\nCONFIG b.cfg\nLABEL here\nLINUX /k\n',
      '/isolinux/b.cfg': 'LABEL back\nCONFIG isolinux.cfg\nLABEL there\nLINUX /k2\n',
    });
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['there', 'here'],
    );
    assert.equal(withCode(r.warnings, 'INCLUDE_LOOP').length, 1);
  });
});

describe('syslinux never throws on hostile input', () => {
  it('garbage, binary noise, unterminated TEXT HELP, stray MENU END', () => {
    const samples = [
      '',
      '\u0000\u0001\u0002\uffff',
      'LABEL',
      'LINUX',
      'APPEND initrd=',
      'INITRD ,,,',
      'MENU END\nMENU END\nMENU BEGIN',
      'LABEL x\nTEXT HELP\nno end',
      'INCLUDE\nCONFIG\nMENU INCLUDE',
      'LABEL x\nLINUX ../../../../etc/passwd\n',
      'x'.repeat(100_000),
    ];
    for (const s of samples) {
      const r = parse({ '/isolinux/isolinux.cfg': s });
      assert.ok(Array.isArray(r.entries));
    }
    const esc = parse({ '/isolinux/isolinux.cfg': 'LABEL x\nLINUX ../../../../etc/passwd\n' });
    assert.equal(esc.entries[0]?.kernel, '/etc/passwd'); // clamped at the ISO root
  });

  it('an oversized file is refused with LIMIT', () => {
    const r = parse({ '/isolinux/isolinux.cfg': '#'.repeat(2 * 1024 * 1024) });
    assert.equal(withCode(r.warnings, 'LIMIT').length, 1);
    assert.deepEqual(r.entries, []);
  });

  it('a missing entry file is a warning, not an exception', () => {
    const r = parse({});
    assert.deepEqual(withCode(r.warnings, 'FILE_MISSING').length, 1);
    assert.deepEqual(r.entries, []);
  });
});
