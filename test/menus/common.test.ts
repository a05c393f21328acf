/** Shared rules: the generated-file marker, names, defaults, determinism, option checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PxeError } from '../../src/errors.js';
import { splitKernelCommandLine } from '../../src/kernel-cmdline.js';
import { cleanLabel, foldToAscii } from '../../src/menus/common.js';
import { renderHostFiles } from '../../src/menus/hosts.js';
import {
  GENERATED_MARKER,
  isGeneratedByUs,
  planMenu,
  renderGrub,
  renderIpxe,
  renderMenus,
  renderPxelinux,
} from '../../src/menus/index.js';
import { GOLDEN_CASES, arch, debian, entry, fedora, freedos, model, quoting, ubuntu } from './models.js';

const usage = (e: unknown) => e instanceof PxeError && e.code === 'USAGE';

describe('generated-file marker', () => {
  it('every rendered file is recognised as ours', () => {
    for (const c of GOLDEN_CASES) {
      const m = renderMenus(c.model, c.options);
      for (const text of [m.pxelinux, m.grub, m.ipxe]) assert.equal(isGeneratedByUs(text), true, c.name);
    }
  });

  it('marker on line 1 or 2 only; hand-written files are never ours', () => {
    assert.equal(isGeneratedByUs(`${GENERATED_MARKER}\nUI menu.c32\n`), true);
    assert.equal(isGeneratedByUs(`#!ipxe\r\n${GENERATED_MARKER}\r\n`), true, 'CRLF');
    assert.equal(isGeneratedByUs(`\uFEFF${GENERATED_MARKER}`), true, 'BOM, no newline');
    assert.equal(isGeneratedByUs(`#!ipxe\n# my menu\n${GENERATED_MARKER}\n`), false, 'line 3');
    assert.equal(isGeneratedByUs('DEFAULT menu.c32\nPROMPT 0\n'), false);
    assert.equal(isGeneratedByUs(`# ${GENERATED_MARKER}\n`), false, 'a quoted marker is not the marker');
    assert.equal(isGeneratedByUs(''), false);
  });
});

describe('names', () => {
  it('unique, safe and short, derived from <import>-<entry>', () => {
    const long = {
      ...ubuntu,
      name: 'a-very-long-import-name-for-a-distribution-release',
      entries: [entry({ id: 'and-an-equally-long-entry-identifier-here', label: 'L' })],
    };
    const clash1 = { ...ubuntu, name: 'a', entries: [entry({ id: 'b-c', label: 'x' })] };
    const clash2 = { ...ubuntu, name: 'a-b', entries: [entry({ id: 'c', label: 'y' })] };
    const reserved = { ...ubuntu, name: 'Local', entries: [entry({ id: 'x', label: 'z' })] };
    const plan = planMenu(model([long, clash1, clash2, reserved, debian]));
    const names = plan.imports.flatMap((i) => [i.name, i.backName, ...i.entries.map((e) => e.name)]);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) {
      assert.match(n, /^[a-z0-9][a-z0-9._-]*$/);
      assert.ok(n.length <= 48, n);
    }
    assert.notEqual(plan.imports[1]?.entries[0]?.name, plan.imports[2]?.entries[0]?.name);
    assert.equal(plan.imports[1]?.entries[0]?.name, 'a-b-c');
    assert.match(plan.imports[2]?.entries[0]?.name ?? '', /^a-b-c-[0-9a-f]{8}$/);
    assert.notEqual(plan.imports[3]?.name, 'local', '"local" is the local-disk entry');
    assert.equal(plan.imports[4]?.entries[0]?.name, 'debian-12-live');
  });

  it('a name does not change when other imports are added or reordered (collision-free case)', () => {
    const a = planMenu(model([arch, debian, ubuntu]));
    const b = planMenu(model([ubuntu, freedos, debian]));
    const byId = (p: ReturnType<typeof planMenu>) =>
      new Map(p.imports.flatMap((i) => i.entries.map((e) => [`${i.imp.name}/${e.entry.id}`, e.name] as const)));
    const ma = byId(a);
    for (const [k, v] of byId(b)) if (ma.has(k)) assert.equal(v, ma.get(k), k);
  });
});

describe('kernel arguments', () => {
  it('planMenu splits each command line once, as the kernel does: a double-quoted run is one token, quotes kept', () => {
    const plan = planMenu(model([quoting, freedos, fedora]));
    const argv = (name: string, id: string) => plan.imports.find((i) => i.imp.name === name)!.entries.find((e) => e.entry.id === id)!.argv;
    assert.deepEqual(argv('ubuntu-server', 'specials').slice(0, 5), ['boot=casper', 'cost=$5', 'home=$HOME', 'greeting="hello  world"', 'q="x"']);
    assert.deepEqual(argv('ubuntu-server', 'specials').slice(-3), ['tab=', 'here', '---'], 'a tab is a blank');
    assert.deepEqual(argv('fedora-40', 'start-fedora').slice(1, 3), ['rd.live.image', 'ip=dhcp'], 'no NFS line: the HTTP one');
    assert.deepEqual(argv('freedos', 'iso'), ['iso', 'raw']);
  });
});

describe('default resolution', () => {
  it('"local", "<import>", "<import>/<entry>", and a name that matches nothing', () => {
    const m = (d: string) => planMenu(model([ubuntu, debian], { defaultEntry: d }));
    assert.equal(m('local').defaultEntry, undefined);
    assert.equal(m('debian-12').defaultEntry?.name, 'debian-12-live-failsafe', 'the import\'s isDefault entry');
    assert.equal(m('debian-12/install').defaultEntry?.name, 'debian-12-install');
    assert.equal(m('debian-12/nope').defaultMissing, 'debian-12/nope');
    assert.equal(planMenu(model([{ ...debian, entries: debian.entries.map((e) => ({ ...e, isDefault: false })) }], { defaultEntry: 'debian-12' })).defaultEntry?.name, 'debian-12-live', 'else the first entry');
    for (const text of Object.values(renderMenus(model([ubuntu], { defaultEntry: 'gone' })))) {
      assert.match(text, /^# The default 'gone' is not in this menu: the local disk boots on timeout\.$/m);
    }
  });
});

describe('determinism and order', () => {
  it('the same model renders byte-identical text every time', () => {
    for (const c of GOLDEN_CASES) {
      const a = renderMenus(c.model, c.options);
      const b = renderMenus(structuredClone(c.model), c.options);
      assert.deepEqual(a, b, c.name);
      assert.equal(a.pxelinux, renderPxelinux(c.model, c.options));
      assert.equal(a.grub, renderGrub(c.model, c.options));
      assert.equal(a.ipxe, renderIpxe(c.model));
    }
  });

  it("the model's order is kept, not sorted (the caller sorts)", () => {
    const order = (text: string) => ['Arch Linux', 'Debian 12.5', 'Ubuntu 22.04'].map((l) => text.indexOf(l));
    const fwd = renderMenus(model([arch, debian, ubuntu]));
    const rev = renderMenus(model([ubuntu, debian, arch]));
    for (const k of ['pxelinux', 'grub', 'ipxe'] as const) {
      const f = order(fwd[k]);
      const r = order(rev[k]);
      assert.ok(f[0]! < f[1]! && f[1]! < f[2]!, `${k} forward`);
      assert.ok(r[2]! < r[1]! && r[1]! < r[0]!, `${k} reversed`);
    }
  });
});

describe('option and model checks', () => {
  it('a negative or non-finite timeout and a bad serial port are usage errors', () => {
    assert.throws(() => renderPxelinux(model([ubuntu], { timeoutSeconds: -1 })), usage);
    assert.throws(() => renderGrub(model([ubuntu], { timeoutSeconds: Number.NaN })), usage);
    assert.throws(() => renderIpxe(model([ubuntu], { timeoutSeconds: Infinity })), usage);
    assert.throws(() => renderGrub(model([ubuntu]), { serial: { port: -1, speed: 115200 } }), usage);
    assert.throws(() => renderPxelinux(model([ubuntu]), { serial: { port: 0, speed: 0 } }), usage);
  });

  it('settings are checked once for every file rendered from the model, whether or not that file uses them', () => {
    const badBase = model([ubuntu], { httpBase: 'http://x/a b' });
    assert.throws(() => renderPxelinux(badBase), usage);
    assert.throws(() => renderGrub(badBase), usage);
    assert.throws(() => renderIpxe(badBase), usage);
    assert.throws(() => renderHostFiles(model([ubuntu], { timeoutSeconds: -1 })), usage);
    assert.throws(() => renderHostFiles(model([ubuntu]), { serial: { port: -1, speed: 115200 } }), usage);
  });

  it('an import without entries renders as a comment', () => {
    const empty = { ...ubuntu, entries: [] };
    for (const text of Object.values(renderMenus(model([empty])))) assert.match(text, /^# Ubuntu 22\.04\.3 LTS: no boot entries\.$/m);
  });
});

describe('helpers', () => {
  it('splitKernelCommandLine: blanks split, double-quoted runs stay whole, control characters are blanks', () => {
    assert.deepEqual(splitKernelCommandLine('  a  b="c  d" e\tf\ng\u0000h '), ['a', 'b="c  d"', 'e', 'f', 'g', 'h']);
  });

  it('cleanLabel / foldToAscii', () => {
    assert.equal(cleanLabel(' ^Try\t^Ubuntu\u0007 ', 'x'), 'Try Ubuntu');
    assert.equal(cleanLabel(' ^ ', 'fallback'), 'fallback');
    assert.equal(foldToAscii('Ünïcode “É” — Straße Œuvre ø 日本'), 'Unicode "E" - Strasse OEuvre o ??');
  });
});
