/** renderGrub(): quoting round-trips through the project's GRUB parser and the real grub-script-check. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseGrub } from '../../src/bootconfig/index.js';
import { splitKernelCommandLine } from '../../src/kernel-cmdline.js';
import { grubKernelArgv, grubWord, menuCommandLine, renderGrub } from '../../src/menus/index.js';
import { memorySource } from '../bootconfig/helpers.js';
import { hasCommand, requirement } from '../helpers/requirements.js';
import { GOLDEN_CASES, debian, entry, labels, model, quoting, ubuntu } from './models.js';

const CFG = '/grub/grub.cfg';
const parse = (text: string) => parseGrub(memorySource({ [CFG]: text }), CFG);

describe('GRUB words', () => {
  it('plain words stay bare; anything special is single-quoted with the shell-style escape for quote', () => {
    assert.equal(grubWord('ip=dhcp'), 'ip=dhcp');
    assert.equal(grubWord('nfsroot=10.0.0.1:/srv/pxe/u,vers=3'), 'nfsroot=10.0.0.1:/srv/pxe/u,vers=3');
    assert.equal(grubWord('ds=nocloud;s=http://x/'), "'ds=nocloud;s=http://x/'");
    assert.equal(grubWord('a$b'), "'a$b'");
    assert.equal(grubWord("it's"), "'it'\\''s'");
    assert.equal(grubWord('#x'), "'#x'");
    assert.equal(grubWord('{'), "'{'");
    assert.equal(grubWord(''), "''");
    assert.equal(grubWord('if'), "'if'", 'keywords are quoted');
    assert.equal(grubWord('a*'), "'a*'", 'wildcards are quoted');
  });

  it('kernel-style double quotes are removed (GRUB re-quotes arguments with blanks itself)', () => {
    assert.deepEqual(grubKernelArgv(['a="b c"', 'q="x"', '""', 'plain']), ['a=b c', 'q=x', 'plain']);
  });
});

describe('GRUB round trip through parseGrub (src/bootconfig)', () => {
  it('the cobbler#1777 case: ds=nocloud;s=… reaches linux as one argument', () => {
    const r = parse(renderGrub(model([quoting], { defaultEntry: 'ubuntu-server' })));
    const e = r.entries.find((x) => x.label === 'Autoinstall (cloud-init NoCloud seed)');
    assert.ok(e);
    assert.deepEqual(e.append, [
      'boot=casper',
      'netboot=nfs',
      'nfsroot=10.0.0.1:/srv/pxe/ubuntu-server',
      'ip=dhcp',
      'autoinstall',
      'ds=nocloud;s=http://10.0.0.1/seed/',
      '---',
    ]);
    assert.equal(e.isDefault, true, "set default='submenu>entry' resolves to this entry");
    assert.deepEqual(e.menuPath, ['Ubuntu Server 24.04 (autoinstall)']);
  });

  it('every special character parses back to exactly the intended argument', () => {
    const r = parse(renderGrub(model([quoting])));
    const e = r.entries.find((x) => x.label === 'Every special character');
    assert.ok(e);
    assert.deepEqual(e.append, [
      'boot=casper',
      'cost=$5',
      'home=$HOME',
      '"greeting=hello  world"', // GRUB quotes an argument holding blanks on its way to the kernel
      'q=x',
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
    assert.deepEqual(
      r.warnings.filter((w) => w.code === 'UNRESOLVED_VARIABLE' || w.code === 'SYNTAX'),
      [],
      'nothing was taken as a variable or broke the syntax',
    );
  });

  it('for every rendered linux entry, parsed arguments = grubKernelArgv(kernel arguments), quoted by GRUB where they hold a blank', () => {
    // What GRUB's linux hands the kernel (grub-core/lib/cmdline.c), which is what parseGrub reports.
    const asKernelGets = (a: string): string => (/\s/.test(a) ? `"${a}"` : a);
    for (const c of GOLDEN_CASES) {
      const text = renderGrub(c.model, c.options);
      const parsed = parse(text).entries;
      const expected = c.model.imports.flatMap((imp) =>
        imp.entries
          .filter((e) => e.method === 'linux')
          .map((e) => ({
            kernel: `/${imp.treePath}/${e.kernel}`,
            initrds: e.initrds.map((i) => `/${imp.treePath}/${i}`),
            append: grubKernelArgv(splitKernelCommandLine(menuCommandLine(e))).map(asKernelGets),
          })),
      );
      assert.deepEqual(
        parsed.map((e) => ({ kernel: e.kernel, initrds: e.initrds, append: e.append })),
        expected,
        `${c.name}: entries parsed back from grub.cfg`,
      );
    }
  });

  it('titles with quotes, ^ markers and non-ASCII parse back cleaned but otherwise unchanged', () => {
    const r = parse(renderGrub(model([labels])));
    assert.deepEqual(
      r.entries.map((e) => [e.menuPath, e.label]),
      [
        [[`Ubuntu “Édition” 'quoted' "double" — Straße x`], `Try it's "live" now`],
        // Written as ' --dash…' so GRUB does not take it for an option; the reader trims the blank.
        [[`Ubuntu “Édition” 'quoted' "double" — Straße x`], '--dash first; $HOME {x} #1 && ; || ok'],
        [[`Ubuntu “Édition” 'quoted' "double" — Straße x`], 'empty'],
      ],
    );
  });

  it('default: an import name picks its default entry; "local" picks the local entry (not a Linux entry)', () => {
    const a = parse(renderGrub(model([ubuntu, debian], { defaultEntry: 'debian-12' })));
    assert.deepEqual(a.entries.filter((e) => e.isDefault).map((e) => e.label), ['Live system (amd64 fail-safe mode)']);
    const b = parse(renderGrub(model([ubuntu, debian], { defaultEntry: 'local' })));
    assert.deepEqual(b.entries.filter((e) => e.isDefault), []);
    assert.match(renderGrub(model([ubuntu], { defaultEntry: 'local' })), /^set default='local'$/m);
  });
});

describe('GRUB output rules', () => {
  it('plain linux/initrd only, never linuxefi; memdisk entries are a comment', () => {
    const memdiskOnly = model([
      { ...ubuntu, entries: [entry({ id: 'iso', label: 'ISO', method: 'memdisk', kernel: 'memdisk', initrds: ['x.iso'] })] },
    ]);
    const text = renderGrub(memdiskOnly);
    assert.doesNotMatch(text, /linuxefi|initrdefi|memdisk\s*$/m);
    assert.match(text, /^# .*memdisk is a BIOS-only syslinux loader/m);
    for (const c of GOLDEN_CASES) assert.doesNotMatch(renderGrub(c.model, c.options), /linuxefi|initrdefi/);
  });

  it('timeout: 0 in the model waits (-1); a fraction of a second never becomes 0', () => {
    assert.match(renderGrub(model([ubuntu], { timeoutSeconds: 0 })), /^set timeout=-1$/m);
    assert.match(renderGrub(model([ubuntu], { timeoutSeconds: 0.2 })), /^set timeout=1$/m);
  });

  it('standalone: false has only entries (no timeout, default, local entry)', () => {
    const text = renderGrub(model([ubuntu, debian], { defaultEntry: 'debian-12' }), { standalone: false });
    assert.doesNotMatch(text, /^set (timeout|default)=/m);
    assert.doesNotMatch(text, /--id 'local'/);
    assert.match(text, /^menuentry 'Ubuntu 22\.04\.3 LTS: Try or Install Ubuntu'/m);
  });
});

describe('grub-script-check (grub-common)', () => {
  const skip = requirement('grub-script-check', hasCommand('grub-script-check'), 'grub-script-check not installed (apt-get install grub-common)');
  const dir = mkdtempSync(join(tmpdir(), 'pxe-import-grub-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const check = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return spawnSync('grub-script-check', [file], { encoding: 'utf8' });
  };

  for (const c of GOLDEN_CASES) {
    it(`accepts ${c.name}.grub.cfg`, { skip }, () => {
      const r = check(`${c.name}.cfg`, renderGrub(c.model, c.options));
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }

  it('rejects a broken config (so the checks above can fail)', { skip }, () => {
    assert.notEqual(check('broken-brace.cfg', "menuentry 'x' {\n\tlinux /k\n").status, 0);
    assert.notEqual(check('broken-quote.cfg', "menuentry 'x' {\n\tlinux /k 'ds=nocloud;s=x\n}\n").status, 0);
    assert.notEqual(check('broken-if.cfg', 'if [ -z "$x" ]; then\n\tset a=b\n').status, 0);
  });
});
