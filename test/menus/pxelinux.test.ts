/** renderPxelinux(): structure checked with the project's own syslinux reader, and syslinux's rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSyslinux } from '../../src/bootconfig/index.js';
import { renderMenus, renderPxelinux } from '../../src/menus/index.js';
import { VESAMENU_LABEL_COLUMNS, fitLabel } from '../../src/menus/pxelinux.js';
import { memorySource } from '../bootconfig/helpers.js';
import { GOLDEN_CASES, debian, entry, freedos, labels, model, quoting, ubuntu } from './models.js';

/** pxelinux resolves relative paths against the TFTP root: read the config as if it were there. */
const CFG = '/default';
const parse = (text: string) => parseSyslinux(memorySource({ [CFG]: text }), CFG);

describe('pxelinux round trip through parseSyslinux (src/bootconfig)', () => {
  it('kernels, initrds (microcode first) and arguments come back as rendered', () => {
    for (const c of GOLDEN_CASES) {
      const r = parse(renderPxelinux(c.model, c.options));
      const expected = c.model.imports.flatMap((imp) =>
        imp.entries
          .filter((e) => e.method === 'linux')
          .map((e) => ({
            kernel: `/${imp.treePath}/${e.kernel}`,
            initrds: e.initrds.map((i) => `/${imp.treePath}/${i}`),
          })),
      );
      assert.deepEqual(
        r.entries.map((e) => ({ kernel: e.kernel, initrds: e.initrds })),
        expected,
        c.name,
      );
      assert.deepEqual(
        r.warnings.filter((w) => w.code === 'SYNTAX'),
        [],
        c.name,
      );
    }
  });

  it('APPEND is the command line exactly, never quoted (cobbler#1777)', () => {
    const text = renderPxelinux(model([quoting]));
    assert.match(
      text,
      /^ {4}APPEND boot=casper netboot=nfs nfsroot=10\.0\.0\.1:\/srv\/pxe\/ubuntu-server ip=dhcp autoinstall ds=nocloud;s=http:\/\/10\.0\.0\.1\/seed\/ ---$/m,
    );
    assert.match(text, /^ {4}APPEND boot=casper name=it's path=C:\\dos ---$/m);
    const r = parse(text);
    assert.deepEqual(r.entries.find((e) => e.label === 'Every special character')?.append, [
      'boot=casper',
      'cost=$5',
      'home=$HOME',
      'greeting="hello  world"',
      'q="x"',
      'amp=a&b',
      'pipe=a|b',
      'redir=<in>out',
      'brace={x}',
      'glob=*',
      'one=?',
      'set=[ab]',
      'if',
      'root=LABEL=My\\x20Disk',
      'tab=',
      'here',
      '---',
    ]);
  });

  it('the default: ONTIMEOUT names the default label, also inside a submenu; local otherwise', () => {
    const a = renderPxelinux(model([ubuntu, debian], { defaultEntry: 'debian-12/install' }));
    assert.match(a, /^ONTIMEOUT debian-12-install$/m);
    assert.deepEqual(parse(a).entries.filter((e) => e.isDefault).map((e) => e.label), ['Start installer']);
    // MENU DEFAULT right after MENU BEGIN: the submenu is the top menu's highlighted item.
    assert.match(a, /^MENU BEGIN debian-12\n {2}MENU LABEL .*\n {2}MENU TITLE .*\n {2}MENU DEFAULT\n/m);
    const b = renderPxelinux(model([ubuntu, debian], { defaultEntry: 'local' }));
    assert.match(b, /^ONTIMEOUT local$/m);
    assert.match(b, /^LABEL local\n {2}MENU LABEL Boot from local disk\n {2}MENU DEFAULT\n {2}LOCALBOOT -1$/m);
    assert.doesNotMatch(b, /^ {2}MENU DEFAULT\n {2}LINUX/m);
  });

  it('a submenu has its title, its default marked, and a Back item', () => {
    const text = renderPxelinux(model([debian]));
    assert.match(text, /^ {2}LABEL debian-12-live-failsafe\n {4}MENU LABEL Live system \(amd64 fail-safe mode\)\n {4}MENU DEFAULT$/m);
    assert.match(text, /^ {2}LABEL debian-12-back\n {4}MENU LABEL Back\n {4}MENU EXIT\nMENU END$/m);
    assert.deepEqual(parse(text).entries.map((e) => e.menuPath), [
      ['Debian 12.5 Live (GNOME)'],
      ['Debian 12.5 Live (GNOME)'],
      ['Debian 12.5 Live (GNOME)'],
    ]);
  });

  it('timeout in tenths; 0 waits; a fraction of a second never becomes 0', () => {
    assert.match(renderPxelinux(model([ubuntu], { timeoutSeconds: 12 })), /^TIMEOUT 120$/m);
    assert.match(renderPxelinux(model([ubuntu], { timeoutSeconds: 0 })), /^TIMEOUT 0$/m);
    assert.match(renderPxelinux(model([ubuntu], { timeoutSeconds: 0.01 })), /^TIMEOUT 1$/m);
  });

  it('labels: ^ and control characters stripped, ASCII only; LABEL names unique and blank-free', () => {
    const text = renderPxelinux(model([labels]));
    assert.doesNotMatch(text, /\^|[^\n\x20-\x7e]/);
    const names = [...text.matchAll(/^\s*LABEL (\S+)$/gm)].map((m) => m[1]);
    assert.equal(new Set(names).size, names.length);
    assert.match(text, /^ {4}MENU LABEL Try it's "live" now$/m);
  });

  it('memdisk: LINUX memdisk, INITRD the ISO, APPEND iso raw; no SYSAPPEND', () => {
    const text = renderPxelinux(model([freedos]));
    assert.match(text, /^ {2}LINUX memdisk\n {2}INITRD \.pxe-import\/versions\/freedos\/[^/]+\/FD13LIVE\.iso\n {2}APPEND iso raw$/m);
  });

  it('SYSAPPEND only when the entry needs it; empty command line is "APPEND -"', () => {
    const text = renderPxelinux(model([debian, { ...ubuntu, entries: [entry({ id: 'bare', label: 'Bare' })] }]));
    assert.equal([...text.matchAll(/^\s*SYSAPPEND 2$/gm)].length, 2);
    assert.match(text, /^ {2}APPEND -$/m);
  });

  it('an entry syslinux cannot express is left out with a comment', () => {
    const odd = { ...ubuntu, entries: [entry({ id: 'x', label: 'X', initrds: ['a,b.img'] }), entry({ id: 'y', label: 'Y', kernel: 'my kernel' })] };
    const text = renderPxelinux(model([odd]));
    assert.match(text, /^# .* X: left out: the initrd path '.*a,b\.img' contains ','/m);
    assert.match(text, /^# .* Y: left out: the path '.*my kernel' contains a blank/m);
    assert.doesNotMatch(text, /^\s*LINUX .*my kernel/m);
  });

  it('standalone: false has only labels and menus, for INCLUDE', () => {
    const text = renderPxelinux(model([ubuntu, debian], { defaultEntry: 'debian-12' }), { standalone: false });
    assert.doesNotMatch(text, /^(UI|MENU TITLE|TIMEOUT|ONTIMEOUT|LABEL local)\b/m);
    assert.doesNotMatch(text, /^ {2}MENU DEFAULT$/m, 'does not move the hand-written menu\'s highlight');
    assert.match(text, /^LABEL ubuntu-22-try-or-install-ubuntu$/m);
  });

  it('serial: SERIAL right after the marker line', () => {
    const text = renderPxelinux(model([ubuntu]), { serial: { port: 1, speed: 9600 } });
    assert.equal(text.split('\n')[1], 'SERIAL 1 9600');
  });
});

describe('a default entry pxelinux leaves out', () => {
  it('times out to the local disk, which is marked default, and says why, instead of naming a label the file lacks', () => {
    const san = { ...ubuntu, name: 'iso', entries: [entry({ id: 'sanboot', label: 'S', method: 'sanboot', kernel: '', initrds: ['iso.iso'], isDefault: true })] };
    const text = renderPxelinux(model([san], { defaultEntry: 'iso' }));
    assert.match(text, /^ONTIMEOUT local$/m);
    assert.match(text, /^# The default entry is left out of this menu \(pxelinux cannot attach an ISO over HTTP/m);
    assert.match(text, /^LABEL local\n {2}MENU LABEL .*\n {2}MENU DEFAULT$/m);
    const labels = [...text.matchAll(/^\s*LABEL (\S+)$/gm)].map((m) => m[1]);
    assert.ok(labels.includes(/^ONTIMEOUT (\S+)$/m.exec(text)![1]!), 'ONTIMEOUT names a label of this file');
  });
});

describe('long labels fitted to vesamenu\'s width (56 columns with the defaults this file keeps)', () => {
  it('fitLabel: unchanged when it fits; else cut at a word boundary with "...", never mid-word', () => {
    assert.equal(VESAMENU_LABEL_COLUMNS, 56);
    const fits = 'x'.repeat(56);
    assert.equal(fitLabel(fits), fits);
    assert.equal(fitLabel('Arch Linux 2026.01.01: Arch Linux install medium (x86_64, BIOS)'), 'Arch Linux 2026.01.01: Arch Linux install medium...');
    // Punctuation before the cut is dropped: no "Live -..." or "LTS:...".
    assert.equal(fitLabel('Ubuntu 24.04.1 LTS (Noble Numbat) - Try or Install Ubuntu with the HWE kernel'), 'Ubuntu 24.04.1 LTS (Noble Numbat) - Try or Install...');
    assert.equal(fitLabel('a: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), `a: ${'b'.repeat(50)}...`);
    for (const s of ['Arch Linux 2026.01.01: Arch Linux install medium (x86_64, BIOS)', 'w '.repeat(60)]) assert.ok(fitLabel(s).length <= 56, s);
  });

  it('a long release label is fitted in the submenu, the entries and a single top-level item; GRUB and iPXE keep it whole', () => {
    const long = 'Linux Mint 21.3 "Virginia" - Cinnamon Edition (64-bit) with the HWE kernel';
    const imp = { ...ubuntu, label: long, entries: [entry({ id: 'a', label: `${long} (compatibility mode)`, nfs: 'boot=casper', isDefault: true }), entry({ id: 'b', label: 'B', nfs: 'boot=casper' })] };
    const text = renderPxelinux(model([imp]));
    const menuLabels = [...text.matchAll(/^\s*MENU (?:LABEL|TITLE) (.*)$/gm)].map((m) => m[1]!);
    assert.ok(menuLabels.includes('Linux Mint 21.3 "Virginia" - Cinnamon Edition...'), menuLabels.join('\n'));
    for (const l of menuLabels) assert.ok(l.length <= 56, `"${l}" is ${l.length} columns`);
    const single = renderPxelinux(model([{ ...imp, entries: [imp.entries[0]!] }]));
    assert.match(single, /^ {2}MENU LABEL Linux Mint 21\.3 "Virginia" - Cinnamon Edition\.\.\.$/m);
    const menus = renderMenus(model([imp]));
    assert.ok(menus.grub.includes(long) && menus.ipxe.includes(long), 'GRUB and iPXE have no such limit: the full label');
  });
});
