/** parseGrub() / parseGrubEnv(): tokenizer, variables, control flow, files, defaults, hostile input. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_CONFIG_DEPTH, parseGrub, parseGrubEnv } from '../../src/bootconfig/index.js';
import { FIXTURES_DIR, memorySource, withCode } from './helpers.js';

const parse = (files: Record<string, string>, entry = '/boot/grub/grub.cfg', others: string[] = []) =>
  parseGrub(memorySource(files, others), entry);
const one = (cfg: string) => parse({ '/boot/grub/grub.cfg': cfg });
const args = (cfg: string) => one(cfg).entries.map((e) => e.append);

describe('grub tokenizer', () => {
  it('single quotes, double quotes, escapes, comments and ${var} inside a word', () => {
    const r = one(
      [
        'set v="x y"',
        `menuentry 'It'"'"'s "quoted"' --class os { # comment after brace`,
        `  linux /k a='b c' "d\\"e" f\\ g h#i # real comment`,
        '  initrd /i1 /i2',
        '}',
      ].join('\n'),
    );
    assert.equal(r.entries[0]?.label, `It's "quoted"`);
    // As the kernel gets them: GRUB quotes an argument holding a blank; a `"` inside "..." cannot be re-quoted.
    assert.deepEqual(r.entries[0]?.append, ['"a=b c"', 'd"e', '"f g"', 'h#i']);
    assert.deepEqual(r.entries[0]?.initrds, ['/i1', '/i2']);
  });

  it('backslash-newline continues a line; ";" separates commands; a body on one line', () => {
    const r = one('set a=1; set b=2\nmenuentry "One line" { linux /k one \\\n  two $a$b; initrd /i }\n');
    assert.deepEqual(r.entries[0]?.append, ['one', 'two', '12']);
    assert.deepEqual(r.entries[0]?.initrds, ['/i']);
  });

  it('CRLF and lone-CR files read exactly like LF ones, backslash-newline inside and outside quotes included', () => {
    const lf = [
      'set v="a b"',
      'menuentry "Two\\',
      ' lines" {',
      '  linux /k one \\',
      '    two "three\\',
      'four" \'five',
      'six\' "$v"',
      '  initrd /i',
      '}',
      'menuentry "Next" { linux /k x }',
      '',
    ].join('\n');
    const read = (text: string) => {
      const r = parse({ '/boot/grub/grub.cfg': text }, '/boot/grub/grub.cfg', ['/k', '/i']);
      return { entries: r.entries, warnings: r.warnings };
    };
    const expected = read(lf);
    assert.deepEqual(
      expected.entries.map((e) => [e.label, e.append, e.source.line]),
      [
        ['Two lines', ['one', 'two', '"threefour"', '"five\nsix"', '"a b"'], 2],
        ['Next', ['x'], 10],
      ],
    );
    assert.deepEqual(read(lf.replace(/\n/g, '\r\n')), expected);
    assert.deepEqual(read(lf.replace(/\n/g, '\r')), expected);
  });

  it('"{" may follow on the next line; "}" directly after a word closes the body', () => {
    const r = one('menuentry "Next line"\n{\n  linux /k x}\nmenuentry "B" {linux /k y}\n');
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.append]),
      [
        ['Next line', ['x']],
        ['B', ['y']],
      ],
    );
  });

  it('unquoted variable values split into several arguments; quoted ones do not', () => {
    assert.deepEqual(args('set o="a  b c"\nmenuentry x { linux /k $o "$o" pre${o}post }\n'), [
      ['a', 'b', 'c', '"a  b c"', 'prea', 'b', 'cpost'],
    ]);
  });

  it('double quotes the config writes around a value stay, with or without blanks inside: the kernel reads them', () => {
    assert.deepEqual(args('set l=de_DE nothing=\nmenuentry x { linux /k "$nothing" a="b c" ocs_live_run="ocs-live-general" e="" lang="$l.UTF-8" "whole=x y" pre"mid"post plain }\n'), [
      ['', 'a="b c"', 'ocs_live_run="ocs-live-general"', 'e=""', 'lang="de_DE.UTF-8"', '"whole=x y"', 'pre"mid"post', 'plain'],
    ]);
  });

  it('name=value without set, and single-quoted values', () => {
    assert.deepEqual(args("opt='q r'\nmenuentry x { linux /k $opt }\n"), [['q', 'r']]);
  });

  it('$1, $2 in a menuentry body are its title and extra arguments', () => {
    assert.deepEqual(args('menuentry "T" "/iso/x.iso" { linux /k title=$1 iso=$2 n=$# }\n'), [['title=T', 'iso=/iso/x.iso', 'n=2']]);
  });
});

describe('grub variables', () => {
  it('an unknown variable stays literal and the entry gets a warning', () => {
    const r = one('menuentry "U" {\n  linux /k root=$mystery b=${other}x\n}\n');
    assert.deepEqual(r.entries[0]?.append, ['root=$mystery', 'b=${other}x']);
    const w = withCode(r.warnings, 'UNRESOLVED_VARIABLE');
    assert.equal(w.length, 1);
    assert.equal(w[0]?.line, 1);
    assert.match(w[0]?.message ?? '', /menuentry 'U': \$\{mystery\}, \$\{other\} only known at boot time/);
  });

  it('a variable assigned only in a branch not taken expands to nothing (GRUB semantics), without a warning', () => {
    const r = one('if [ -n "$iso_path" ]; then\n  extra="iso-scan/filename=${iso_path}"\nfi\nmenuentry x { linux /k a $extra b }\n');
    assert.deepEqual(r.entries[0]?.append, ['a', 'b']);
    assert.deepEqual(r.warnings, []);
  });

  it('search/probe --set make a variable boot-time only', () => {
    const r = one('set dev=known\nsearch --no-floppy --set=dev --file /x\nprobe --set uuid --fs-uuid $dev\nmenuentry x { linux /k d=$dev u=$uuid }\n');
    assert.deepEqual(r.entries[0]?.append, ['d=$dev', 'u=$uuid']);
    assert.equal(withCode(r.warnings, 'UNRESOLVED_VARIABLE').length, 1);
  });

  it('menu entry bodies see variables set later in the file (they run when chosen)', () => {
    assert.deepEqual(args('menuentry x { linux /k $late }\nset late=yes\n'), [['yes']]);
  });

  it('unset removes a value', () => {
    assert.deepEqual(args('declared=1\nunset declared\nmenuentry x { linux /k v=$declared }\n'), [['v=']]);
  });
});

describe('grub if / functions / loops / eval', () => {
  it('a boot-time condition runs all branches; entries from each are kept; first branch value wins', () => {
    const r = one(
      [
        'if [ "$cmdpath" = "(cd0)" ]; then plat=CD; menuentry A { linux /a }',
        'elif [ "$cmdpath" = "(hd0)" ]; then plat=disk; menuentry B { linux /b }',
        'else plat=other; fi',
        'menuentry "P $plat" { linux /p }',
      ].join('\n'),
    );
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['A', 'B', 'P CD'],
    );
    assert.deepEqual(r.assumptions, []);
  });

  it('$grub_platform and $grub_cpu are those of the machine served (x86_64, GRUB on UEFI): one branch runs, and says why', () => {
    const r = one(
      [
        'if [ "$grub_platform" = "efi" ]; then plat=UEFI; menuentry A { linux /a }',
        'elif [ "$grub_platform" = "pc" ]; then plat=BIOS; menuentry B { linux /b }',
        'else plat=other; fi',
        'arch="${grub_cpu}-${grub_platform}"',
        'if [ "$arch" = "i386-pc" ]; then menuentry C { linux /c }',
        'elif [ "$arch" = "x86_64-efi" ]; then menuentry D { linux /d }',
        'fi',
        'menuentry "P $plat" { linux /p }',
        '# Still undecided ($cmdpath is only known at boot): runs, and is not reported.',
        'if [ "$grub_platform" = "efi" -a "$cmdpath" = "(cd0)" ]; then menuentry E { linux /e }; fi',
      ].join('\n'),
    );
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['A', 'D', 'P UEFI', 'E'],
    );
    const why = '(the machine served is a 64-bit x86 PC with GRUB on UEFI)';
    assert.deepEqual(r.assumptions, [
      { file: '/boot/grub/grub.cfg', line: 1, message: `if: ran the 'then' branch because $grub_platform is "efi" ${why}` },
      { file: '/boot/grub/grub.cfg', line: 5, message: `if: ran the 'elif' branch of line 6 because $grub_cpu is "x86_64" and $grub_platform is "efi" ${why}` },
    ]);
  });

  it('an ISO offering a 686 and an amd64 kernel behind `if cpuid -l` gets the amd64 one', () => {
    // grml96 / Debian live multi-arch layout: one menu, the kernel chosen by the CPU.
    const r = one(
      [
        'function pick { if cpuid -l ; then k=/live/amd64/vmlinuz; else k=/live/i686/vmlinuz; fi }',
        'pick',
        'menuentry "Live" { linux $k boot=live }',
        'if cpuid; then menuentry never { linux /n } fi',
      ].join('\n'),
    );
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.kernel]),
      [['Live', '/live/amd64/vmlinuz']],
    );
    assert.deepEqual(
      r.assumptions.map((a) => [a.line, a.message.replace(/ \(the machine.*/, '')]),
      [[1, "if: ran the 'then' branch because cpuid -l holds"]],
    );
  });

  it('decidable conditions are decided: string tests, -a/-o/!, -f/-e on ISO files', () => {
    const r = parse(
      {
        '/boot/grub/grub.cfg': [
          'x=abc',
          'if [ "$x" = abc -a ! -z "$x" ]; then menuentry yes1 { linux /k } else menuentry no1 { linux /k } fi',
          'if [ -f /present ]; then menuentry yes2 { linux /k } fi',
          'if [ -e (cd0)/absent ]; then menuentry no2 { linux /k } fi',
          'if test "$x" != abc -o -n ""; then menuentry no3 { linux /k } fi',
          'if true; then menuentry yes3 { linux /k } else menuentry no4 { linux /k } fi',
        ].join('\n'),
      },
      '/boot/grub/grub.cfg',
      ['/present'],
    );
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['yes1', 'yes2', 'yes3'],
    );
  });

  it('functions run with their own $1..', () => {
    assert.deepEqual(args('function mk { menuentry "$1" { linux /k } }\nmk first\nmk second\nmenuentry z { linux /k }\n').length, 3);
    const r = one('function mk { menuentry "$1" { linux /k } }\nmk first\nmk second\n');
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['first', 'second'],
    );
  });

  it('for over literal words is evaluated; over globs it is reported and skipped', () => {
    const r = one('for v in a b; do menuentry "E $v" { linux /k } done\nfor f in /boot/*.iso; do menuentry "G $f" { linux /k } done\n');
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['E a', 'E b'],
    );
    assert.equal(withCode(r.warnings, 'UNSUPPORTED').length, 1);
  });

  it('eval parses its expanded argument as script (SystemRescue style)', () => {
    const r = one('p="a=1 b=2"\neval "\nmenuentry \'Ev\' {\n\tlinux /k $p c=3\n}\n"\n');
    assert.deepEqual(r.entries[0]?.append, ['a=1', 'b=2', 'c=3']);
    assert.equal(r.entries[0]?.source.line, 3);
  });

  it('eval nested without end is bounded', () => {
    const r = one('function f { eval f }\nf\n');
    assert.ok(withCode(r.warnings, 'LIMIT').length >= 1);
  });
});

describe('grub kernels, initrds, paths', () => {
  it('linux16/initrd16 and linuxefi/initrdefi, several initrds in order, device prefixes stripped', () => {
    const r = one(
      'menuentry a { linux16 (loop)/casper/vmlinuz q\n initrd16 (loop)/ucode.img ($root)/casper/initrd }\nmenuentry b { linuxefi (hd0,gpt2)/boot/../boot/k\n initrdefi (cd)/x//y }\n',
    );
    assert.deepEqual(
      r.entries.map((e) => [e.kernel, e.initrds]),
      [
        ['/casper/vmlinuz', ['/ucode.img', '/casper/initrd']],
        ['/boot/k', ['/x/y']],
      ],
    );
    assert.deepEqual(r.warnings, []); // $root inside a device prefix does not matter
  });

  it('initrd= in linux arguments is removed; used as initrds only when there is no initrd command', () => {
    assert.deepEqual(
      one('menuentry a { linux /k initrd=/x quiet\n initrd /y }\nmenuentry b { linux /k initrd=/p,/q ro }\n').entries.map((e) => [e.initrds, e.append]),
      [
        [['/y'], ['quiet']],
        [['/p', '/q'], ['ro']],
      ],
    );
  });

  it('entries without linux (fwsetup, chainloader, exit) are not returned; memtest is reported and skipped', () => {
    const r = one("menuentry fw { fwsetup }\nmenuentry ch { chainloader /EFI/x.efi }\nmenuentry m { linux /boot/memtest86+x64.efi }\n");
    assert.deepEqual(r.entries, []);
    assert.equal(withCode(r.warnings, 'SKIPPED').length, 1);
  });
});

describe('grub default', () => {
  const cfg = (def: string) =>
    `set default=${def}\nmenuentry a --id ida { linux /a }\nsubmenu S --id ids {\n menuentry s0 { linux /s0 }\n menuentry s1 --id ids1 { linux /s1 }\n}\nmenuentry "c title" { linux /c }\n`;
  const def = (d: string) => one(cfg(d)).entries.filter((e) => e.isDefault).map((e) => e.label);
  it('by index (submenus count), id, title, and "a>b" paths; invalid falls back to the first item', () => {
    assert.deepEqual(def('2'), ['c title']);
    assert.deepEqual(def('ida'), ['a']);
    assert.deepEqual(def('"c title"'), ['c title']);
    assert.deepEqual(def('"1>1"'), ['s1']);
    assert.deepEqual(def('"ids>ids1"'), ['s1']);
    assert.deepEqual(def('nonsense'), ['a']);
    assert.deepEqual(def('"${saved_entry}"'), ['a']);
    assert.deepEqual(def('1'), []); // a submenu itself is not bootable
  });
});

describe('grub source / configfile', () => {
  it('source runs in the same context (variables flow both ways); configfile passes only exported ones', () => {
    const r = parse({
      '/boot/grub/grub.cfg': 'a=from-main\nb=hidden\nexport a\nsource /boot/grub/vars.cfg\nconfigfile ($root)/boot/grub/menu.cfg\n',
      '/boot/grub/vars.cfg': 'c=from-source\nexport c\n',
      '/boot/grub/menu.cfg': 'menuentry m { linux /k $a $b $c }\n',
    });
    // b is not exported, so it is unset in the new context; being a config variable it expands to nothing.
    assert.deepEqual(r.entries[0]?.append, ['from-main', 'from-source']);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.filesRead, ['/boot/grub/grub.cfg', '/boot/grub/vars.cfg', '/boot/grub/menu.cfg']);
  });

  it('EFI stub pattern: search --set=root; set prefix=($root)/boot/grub; configfile $prefix/grub.cfg', () => {
    const r = parse(
      {
        '/EFI/BOOT/grub.cfg': 'search --set=root --file /.disk/info\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\nmenuentry never { linux /k }\n',
        '/boot/grub/grub.cfg': 'set default=1\nmenuentry a { linux /a }\nmenuentry b { linux /b }\n',
      },
      '/EFI/BOOT/grub.cfg',
    );
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.isDefault]),
      [
        ['a', false],
        ['b', true],
      ],
    );
  });

  it('configfile inside a menuentry makes that entry a submenu', () => {
    const r = parse({
      '/boot/grub/grub.cfg': 'menuentry "More..." { configfile /boot/grub/more.cfg }\n',
      '/boot/grub/more.cfg': 'menuentry inner { linux /k }\n',
    });
    assert.deepEqual(r.entries.map((e) => [e.label, e.menuPath]), [['inner', ['More...']]]);
  });

  it('refuses source and configfile loops with a warning', () => {
    const r = parse({
      '/boot/grub/grub.cfg': 'source /boot/grub/a.cfg\nmenuentry top { linux /k }\n',
      '/boot/grub/a.cfg': 'menuentry a { linux /k }\nsource /boot/grub/grub.cfg\nconfigfile /boot/grub/a.cfg\n',
    });
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['a', 'top'],
    );
    assert.equal(withCode(r.warnings, 'INCLUDE_LOOP').length, 2);
  });

  it(`stops source nesting past ${MAX_CONFIG_DEPTH} files`, () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`/g/${i}.cfg`] = `menuentry e${i} { linux /k }\nsource /g/${i + 1}.cfg\n`;
    const r = parse(files, '/g/0.cfg');
    assert.equal(withCode(r.warnings, 'INCLUDE_DEPTH').length, 1);
    assert.equal(r.entries.length, MAX_CONFIG_DEPTH + 1);
  });

  it('a source path that depends on a boot-time variable is not followed', () => {
    const r = one('source $cfgdir/x.cfg\n');
    assert.equal(withCode(r.warnings, 'UNRESOLVED_VARIABLE').length, 1);
    assert.deepEqual(r.filesRead, ['/boot/grub/grub.cfg']);
  });
});

describe('grubenv and load_env', () => {
  const env = readFileSync(join(FIXTURES_DIR, 'archiso/iso/boot/grub/grubenv'), 'latin1');

  it('parseGrubEnv reads the archiso 1024-byte block', () => {
    assert.equal(env.length, 1024);
    assert.deepEqual(
      Object.fromEntries(parseGrubEnv(env) ?? []),
      {
        NAME: 'archlinux',
        VERSION: '2024.05.01',
        ARCHISO_LABEL: 'ARCH_202405',
        INSTALL_DIR: 'arch',
        ARCH: 'x86_64',
        ARCHISO_SEARCH_FILENAME: '/boot/2024-05-01-10-15-36-00.uuid',
      },
    );
  });

  it('parseGrubEnv: no signature → undefined; escapes; junk lines ignored', () => {
    assert.equal(parseGrubEnv('NAME=x\n'), undefined);
    assert.deepEqual(
      Object.fromEntries(parseGrubEnv('# GRUB Environment Block\nA=x\\\\y\\\nz\nnot a pair\n=v\nB=\n####') ?? []),
      { A: 'x\\y\nz', B: '' },
    );
  });

  it('load_env -f feeds ${INSTALL_DIR}/${ARCH} into expansion; a whitelist limits what is loaded', () => {
    const files = {
      '/boot/grub/grub.cfg': [
        'load_env -f ($root)/boot/grub/grubenv',
        'menuentry "${NAME} ${VERSION}" {',
        '  linux /${INSTALL_DIR}/boot/${ARCH}/vmlinuz-linux archisobasedir=${INSTALL_DIR} archisolabel=${ARCHISO_LABEL}',
        '  initrd /${INSTALL_DIR}/boot/${ARCH}/initramfs-linux.img',
        '}',
      ].join('\n'),
      '/boot/grub/grubenv': env,
    };
    const r = parse(files);
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.kernel, e.initrds, e.append]),
      [
        [
          'archlinux 2024.05.01',
          '/arch/boot/x86_64/vmlinuz-linux',
          ['/arch/boot/x86_64/initramfs-linux.img'],
          ['archisobasedir=arch', 'archisolabel=ARCH_202405'],
        ],
      ],
    );
    assert.deepEqual(r.warnings, []);

    const limited = parse({ ...files, '/boot/grub/grub.cfg': files['/boot/grub/grub.cfg'].replace('grubenv', 'grubenv NAME INSTALL_DIR') });
    assert.deepEqual(limited.entries[0]?.append, ['archisobasedir=arch', 'archisolabel=${ARCHISO_LABEL}']);
    assert.equal(withCode(limited.warnings, 'UNRESOLVED_VARIABLE').length, 1);
  });

  it('load_env without -f reads $prefix/grubenv (default /boot/grub/grubenv); a bad block is a warning', () => {
    const r = parse({ '/boot/grub/grub.cfg': 'load_env\nmenuentry x { linux /k v=$VERSION }\n', '/boot/grub/grubenv': env });
    assert.deepEqual(r.entries[0]?.append, ['v=2024.05.01']);
    const bad = parse({ '/boot/grub/grub.cfg': 'load_env -f /bad\n', '/bad': 'not an env block' });
    assert.equal(withCode(bad.warnings, 'SYNTAX').length, 1);
  });
});

describe('grub never throws on hostile input', () => {
  it('unbalanced quotes, braces, keywords and binary noise', () => {
    const samples = [
      '',
      '"',
      "'",
      '${',
      '}}}}',
      '{{{{',
      'if\nthen\nfi fi fi',
      'menuentry',
      'menuentry "x" {',
      'menuentry "x" { linux',
      'for',
      'while true; do done',
      'function {',
      'elif else done',
      '\u0000\u0007\uffff\\',
      '[ -a -o ! ( ]',
      'set =x\nset 1=2\n=',
      'menuentry a { menuentry b { linux /k } }',
      'eval "menuentry \'x\' {"',
      'if [ ; then',
      'x'.repeat(200_000),
    ];
    for (const s of samples) {
      const r = one(s);
      assert.ok(Array.isArray(r.entries), JSON.stringify(s.slice(0, 20)));
    }
  });

  it('a runaway recursive function is cut off by the call limit', () => {
    const r = one('function f { f }\nf\nmenuentry after { linux /k }\n');
    assert.ok(withCode(r.warnings, 'LIMIT').length >= 1);
    assert.equal(r.entries[0]?.label, 'after');
  });
});
