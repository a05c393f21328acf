/**
 * Installer families (issue 11): Anaconda (DVD and boot-only), linuxrc, Agama and subiquity. Each
 * release skeleton (fixtures/distros/<release>/, read in memory) plans the entries of its
 * expected.json, the ISO's medium-search arguments give way to network ones in all three menus,
 * values with blanks stay one argument in each loader's quoting, and what the server must
 * provide (or why a transport is impossible) comes with the plan.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PxeError } from '../../src/errors.js';
import { checkAnswerFile } from '../../src/import/answer-file.js';
import { httpBaseWarnings } from '../../src/import/serve.js';
import { renderMenus, type RenderedMenus } from '../../src/menus/index.js';
import { analyzeView, loadProfiles, parseProfile, treeViewFrom, type Analysis, type TreeView } from '../../src/profiles/index.js';
import { distroView, isoTree } from '../helpers/iso-tree.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Expected {
  profile: string;
  entries: Array<{ label: string; kernel: string; initrds: string[]; default: boolean; nfs: string | null; http: string | null }>;
}

const profiles = await loadProfiles();
const SERVER = '192.0.2.10';

function serveFor(name: string) {
  return { name, server: SERVER, exportPath: `/srv/pxe/${name}`, httpBase: `http://${SERVER}/${name}/` };
}

function plan(view: TreeView, name: string): { analysis: Analysis; menus: RenderedMenus } {
  const analysis = analyzeView(view, `${name}.iso`, { profiles, serve: serveFor(name) });
  const imports = [{ name, label: name, treePath: name, entries: analysis.plan.entries }];
  return { analysis, menus: renderMenus({ title: 'T', timeoutSeconds: 5, defaultEntry: 'local', httpBase: undefined, imports }) };
}

function summary(a: Analysis): Expected['entries'] {
  return a.plan.entries.map((e) => ({ label: e.label, kernel: e.kernel, initrds: [...e.initrds], default: e.isDefault, nfs: e.nfs ?? null, http: e.http ?? null }));
}

const RELEASES = ['fedora-41-server-dvd', 'rocky-9.4-dvd', 'almalinux-9.4-boot', 'opensuse-leap-15.6-dvd', 'opensuse-leap-16.0-agama', 'ubuntu-22.04-live-server', 'ubuntu-24.04-live-server'];

describe('installer releases, in memory', () => {
  for (const release of RELEASES) {
    test(`${release}: the profile and entries of its expected.json`, () => {
      const expected = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/distros', release, 'expected.json'), 'utf8')) as Expected;
      const { analysis } = plan(distroView(release), release);
      assert.equal(analysis.match.profile.id, expected.profile);
      assert.deepEqual(summary(analysis), expected.entries);
    });
  }

  test("anaconda: no menu keeps the ISO's inst.stage2=hd:LABEL= or the media check; each names the NFS repository", () => {
    for (const release of ['fedora-41-server-dvd', 'rocky-9.4-dvd']) {
      const { menus } = plan(distroView(release), release);
      for (const text of [menus.pxelinux, menus.grub, menus.ipxe]) {
        assert.doesNotMatch(text, /inst\.stage2=hd:|rd\.live\.check|LABEL=/);
        assert.match(text, new RegExp(`inst\\.repo=nfs:192\\.0\\.2\\.10:/srv/pxe/${release.replace(/\./g, '\\.')} ip=dhcp quiet`));
      }
      assert.match(menus.pxelinux, new RegExp(`^\\s+LINUX ${release.replace(/\./g, '\\.')}/images/pxeboot/vmlinuz\\n\\s+INITRD ${release.replace(/\./g, '\\.')}/images/pxeboot/initrd\\.img\\n`, 'm'));
    }
  });

  test('anaconda-boot: inst.stage2= from the served tree, no invented inst.repo=, and the warning says where packages come from', () => {
    const { analysis, menus } = plan(distroView('almalinux-9.4-boot'), 'almalinux-9.4-boot');
    assert.doesNotMatch(menus.grub, /inst\.repo=/);
    assert.match(menus.grub, /inst\.stage2=nfs:192\.0\.2\.10:\/srv\/pxe\/almalinux-9\.4-boot ip=dhcp quiet/);
    assert.ok(analysis.plan.warnings.some((w) => w.code === 'PROFILE_CAVEAT' && /no package repository/.test(w.message) && /--append "inst\.repo=/.test(w.message)));
    assert.ok(analysis.plan.serverNeeds.some((n) => /^a package repository: this ISO has none/.test(n)));
  });

  test('linuxrc: install=nfs:// replaces the CD, the hard-disk, media-check and systemboot entries are gone', () => {
    const { analysis, menus } = plan(distroView('opensuse-leap-15.6-dvd'), 'opensuse-leap-15.6-dvd');
    assert.equal(analysis.match.release, 'Leap 15.6');
    for (const text of [menus.pxelinux, menus.grub, menus.ipxe]) {
      assert.doesNotMatch(text, /mediacheck=1|systemboot=1/);
      assert.match(text, /install=nfs:\/\/192\.0\.2\.10\/srv\/pxe\/opensuse-leap-15\.6-dvd splash=silent/);
    }
  });

  test('agama: menus boot the HTTP line (root=live:http://…), never install=; inspect can say why there is no NFS line', () => {
    const { analysis, menus } = plan(distroView('opensuse-leap-16.0-agama'), 'opensuse-leap-16.0-agama');
    for (const text of [menus.pxelinux, menus.grub, menus.ipxe]) {
      assert.match(text, /root=live:http:\/\/192\.0\.2\.10\/opensuse-leap-16\.0-agama\/LiveOS\/squashfs\.img rd\.live\.image rd\.neednet=1 ip=dhcp/);
      assert.doesNotMatch(text, /\binstall=|extra_cmdline|isoboot/);
    }
    assert.match(analysis.match.profile.cmdline.unsupported.nfs ?? '', /over HTTP/);
    assert.equal(analysis.plan.serverNeeds[0], `HTTP: the tree served at http://${SERVER}/opensuse-leap-16.0-agama/ (the menus use the http line; pass --http-base when the PXE root is not at http://${SERVER}/)`);
  });

  test('agama-full: a medium with a repository in install/ gets inst.install_url= to it', () => {
    const view = distroView('opensuse-leap-16.0-agama', ['install/repodata/repomd.xml']);
    const { analysis } = plan(view, 'agama-full');
    assert.equal(analysis.match.profile.id, 'agama-full');
    assert.match(analysis.plan.entries[0]!.http ?? '', / inst\.install_url=http:\/\/192\.0\.2\.10\/agama-full\/install$/);
  });

  test("subiquity: the desktop's casper ISOs stay casper; the server ISO says why it has no HTTP line and the RAM it needs", () => {
    assert.equal(plan(distroView('ubuntu-24.04-desktop'), 'd').analysis.match.profile.id, 'casper');
    const { analysis } = plan(distroView('ubuntu-24.04-live-server'), 'ubuntu-24.04-live-server');
    assert.match(analysis.match.profile.cmdline.unsupported.http ?? '', /url= to the whole ISO.*RAM/);
    assert.ok(analysis.plan.serverNeeds.some((n) => /^RAM: about 3 GiB/.test(n)));
  });
});

/** A family's own GRUB menu, in memory, with one argument whose value has a blank. */
function quotedView(kernel: string, initrd: string, args: string, markers: string[]): TreeView {
  const grub = `menuentry 'Install' {\n  linux /${kernel} ${args}\n  initrd /${initrd}\n}\n`;
  return treeViewFrom(isoTree([kernel, initrd, 'boot/grub2/grub.cfg', ...markers]), new Map([['/boot/grub2/grub.cfg', grub]]), 'LABEL');
}

describe('argument rewriting with a value holding a blank, in all three loaders', () => {
  const families: Array<{ id: string; view: TreeView; line: string }> = [
    {
      id: 'anaconda',
      view: quotedView('images/pxeboot/vmlinuz', 'images/pxeboot/initrd.img', 'inst.stage2=hd:LABEL=X "inst.vncpassword=two words" quiet', ['.treeinfo', 'images/install.img', 'repodata/repomd.xml']),
      line: 'inst.repo=nfs:192.0.2.10:/srv/pxe/q ip=dhcp "inst.vncpassword=two words" quiet',
    },
    {
      id: 'anaconda-boot',
      view: quotedView('images/pxeboot/vmlinuz', 'images/pxeboot/initrd.img', 'inst.stage2=hd:LABEL=X "inst.vncpassword=two words" quiet', ['.treeinfo', 'images/install.img']),
      line: 'inst.stage2=nfs:192.0.2.10:/srv/pxe/q ip=dhcp "inst.vncpassword=two words" quiet',
    },
    {
      id: 'linuxrc',
      view: quotedView('boot/x86_64/loader/linux', 'boot/x86_64/loader/initrd', 'install=cd:/ splash=silent "vnc.password=two words"', ['media.1/products']),
      line: 'install=nfs://192.0.2.10/srv/pxe/q splash=silent "vnc.password=two words"',
    },
    {
      id: 'agama',
      view: quotedView('boot/x86_64/loader/linux', 'boot/x86_64/loader/initrd', 'root=live:CDLABEL=agama "live.password=two words" agama', ['LiveOS/squashfs.img']),
      line: 'root=live:http://192.0.2.10/q/LiveOS/squashfs.img rd.live.image rd.neednet=1 ip=dhcp "live.password=two words" agama',
    },
  ];
  for (const { id, view, line } of families) {
    test(`${id}: the network line, then the quoted value whole in pxelinux ("…"), GRUB ('…') and iPXE ("…")`, () => {
      const { analysis, menus } = plan(view, 'q');
      assert.equal(analysis.match.profile.id, id);
      const [entry] = analysis.plan.entries;
      assert.equal(entry!.nfs ?? entry!.http, line);
      const value = line.match(/"([^"]+)"/)![1]!;
      const before = line.slice(0, line.indexOf('"')).trim();
      const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      assert.match(menus.pxelinux, new RegExp(`^\\s+APPEND ${esc(before)} "${esc(value)}"`, 'm'));
      assert.match(menus.grub, new RegExp(`^\\s+linux /q/${esc(entry!.kernel)} ${esc(before)} '${esc(value)}'`, 'm'));
      assert.match(menus.ipxe, new RegExp(`^kernel q/${esc(entry!.kernel)} initrd=\\S+ ${esc(before)} "${esc(value)}"`, 'm'));
    });
  }
});

describe('profile fields for installers', () => {
  const base = { id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/k' }] }, boot: { kernel: ['/k'] } };
  test('cmdline.unsupported gives a reason for a null transport only', () => {
    const ok = parseProfile(JSON.stringify({ ...base, cmdline: { nfs: null, http: 'x={httpBase}', unsupported: { nfs: 'no NFS client' } } }), 't.json');
    assert.deepEqual(ok.cmdline.unsupported, { nfs: 'no NFS client' });
    assert.throws(
      () => parseProfile(JSON.stringify({ ...base, cmdline: { nfs: 'x', http: null, unsupported: { nfs: 'why' } } }), 't.json'),
      (e: unknown) => e instanceof PxeError && e.code === 'PROFILE_INVALID' && e.message === 't.json: cmdline.unsupported.nfs: a reason why nfs cannot work, but cmdline.nfs is a template',
    );
  });
  test('serverNeeds may use the template variables, and no others', () => {
    assert.throws(
      () => parseProfile(JSON.stringify({ ...base, cmdline: { nfs: 'x', http: null }, serverNeeds: ['NFS at {srv}'] }), 't.json'),
      (e: unknown) => e instanceof PxeError && /^t\.json: serverNeeds\[0\]: unknown variable \{srv\}/.test(e.message),
    );
  });
});

describe('an HTTP base for entries that boot over HTTP only', () => {
  const { analysis } = plan(distroView('opensuse-leap-16.0-agama'), 'agama');
  const nfsToo = plan(distroView('fedora-41-server-dvd'), 'fedora').analysis;
  test('without one, the import says the command lines assume http://SERVER/', () => {
    assert.deepEqual(httpBaseWarnings('agama', analysis.plan.entries, SERVER, undefined), [
      {
        code: 'HTTP_BASE_DERIVED',
        message: `agama: its entries boot over HTTP only and no HTTP base is set, so their command lines assume http://${SERVER}/ serves the PXE root; serve it there, or pass --http-base URL (httpBase in the config file)`,
      },
    ]);
  });
  test('with one, or when the menus boot over NFS, nothing is said', () => {
    assert.deepEqual(httpBaseWarnings('agama', analysis.plan.entries, SERVER, 'http://web/pxe/'), []);
    assert.deepEqual(httpBaseWarnings('fedora', nfsToo.plan.entries, SERVER, undefined), []);
  });
  test('nor for HTTP-only lines that name no URL (Proxmox boots from its initrd alone)', () => {
    const proxmox = plan(distroView('proxmox-ve-8.2'), 'proxmox').analysis;
    assert.equal(proxmox.match.profile.id, 'proxmox');
    assert.deepEqual(httpBaseWarnings('proxmox', proxmox.plan.entries, SERVER, undefined), []);
  });
});

describe('answer files (host add --auto)', () => {
  const bytes = (t: string) => new TextEncoder().encode(t);
  const refusal = (t: string | Uint8Array) => {
    try {
      checkAnswerFile('kickstart', typeof t === 'string' ? bytes(t) : t, 'ks.cfg');
    } catch (e) {
      assert.ok(e instanceof PxeError && e.code === 'USAGE');
      return e.message;
    }
    return undefined;
  };
  test('a kickstart starting with a command or a %section after comments passes, and its text is returned', () => {
    assert.equal(checkAnswerFile('kickstart', bytes('# c\n\nlang en_US\n'), 'ks.cfg'), '# c\n\nlang en_US\n');
    assert.equal(refusal('%pre\necho hi\n%end\n'), undefined);
    assert.equal(refusal('#version=RHEL9\nurl --url=http://x/\n'), undefined);
  });
  test('anything else is refused in one line naming the file and what is wrong', () => {
    assert.equal(refusal(''), '--auto: ks.cfg: empty');
    assert.equal(refusal('# only\n# comments\n'), '--auto: ks.cfg: only comments; a kickstart file needs commands (lang, rootpw, part, %packages …)');
    assert.equal(refusal('#cloud-config\nautoinstall:\n  version: 1\n'), '--auto: ks.cfg: line 2: "autoinstall:" is not a kickstart command, so this is not a kickstart file (expected e.g. lang, rootpw, part, %packages)');
    assert.equal(refusal(new Uint8Array([0xff, 0xfe, 0x00])), '--auto: ks.cfg: not UTF-8 text');
    assert.equal(refusal(new Uint8Array(1024 * 1024 + 1).fill(0x61)), '--auto: ks.cfg: 1048577 bytes; an answer file is text of at most 1048576 bytes');
  });
  test("the anaconda profiles name inst.ks={autoUrl}; a profile's auto rule is validated", () => {
    for (const id of ['anaconda', 'anaconda-boot']) assert.deepEqual(profiles.find((p) => p.id === id)!.auto, { format: 'kickstart', argument: 'inst.ks={autoUrl}' });
    const base = { id: 't', family: 't', name: 'T', detect: { all: [{ exists: '/k' }] }, boot: { kernel: ['/k'] }, cmdline: { nfs: 'x', http: null } };
    assert.throws(() => parseProfile(JSON.stringify({ ...base, auto: { format: 'preseed', argument: 'url={autoUrl}' } }), 't.json'), /^PxeError: t\.json: auto\.format: "preseed" is not a format pxe-import can check \(known: kickstart\)$/);
    assert.throws(() => parseProfile(JSON.stringify({ ...base, auto: { format: 'kickstart', argument: 'inst.ks=x' } }), 't.json'), /auto\.argument: expected one kernel argument naming \{autoUrl\}/);
  });
});
