/**
 * The loader dialects: each loader's one capability check decides, alike, what its menu, the file a
 * hand-written menu includes and a machine's own file contain; host file names round-trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commentText, hostFilePath, menuContext } from '../../src/menus/common.js';
import { HOST_FILE_DIRS, isHostFileName, renderHostFiles } from '../../src/menus/hosts.js';
import { DIALECTS, type LoaderDialect, type MenuModel } from '../../src/menus/index.js';
import type { MenuHost } from '../../src/menus/model.js';
import { GOLDEN_CASES, entry, model, ubuntu } from './models.js';

const dialects: readonly LoaderDialect[] = Object.values(DIALECTS);

/** Whole ISOs: sanboot (iPXE only, and only over HTTP) and memdisk (not GRUB). */
const isos = {
  ...ubuntu,
  name: 'isos',
  entries: [
    entry({ id: 'sanboot', label: 'SAN boot', method: 'sanboot', kernel: '', initrds: ['u.iso'] }),
    entry({ id: 'memdisk', label: 'memdisk', method: 'memdisk', kernel: 'memdisk', initrds: ['u.iso'], isDefault: true }),
  ],
};

const MODELS: readonly MenuModel[] = [
  ...GOLDEN_CASES.map((c) => c.model),
  model([isos, ubuntu]),
  model([isos, ubuntu], { httpBase: 'http://10.0.0.1/pxe/' }),
];

/** The model with one machine assigned to each of its entries. */
function withHostPerEntry(m: MenuModel): { model: MenuModel; macOf: (importName: string, entryId: string) => string } {
  const hosts: MenuHost[] = [];
  for (const imp of m.imports) {
    for (const e of imp.entries) {
      const n = hosts.length;
      hosts.push({ mac: `52:54:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`, importName: imp.name, entryId: e.id, append: '' });
    }
  }
  const macOf = (importName: string, entryId: string) => hosts.find((h) => h.importName === importName && h.entryId === entryId)!.mac;
  return { model: { ...m, hosts }, macOf };
}

describe('loader dialects', () => {
  it("an entry a loader cannot boot is a comment with the reason in its menu and include file, and a machine assigned to it gets that loader's menu; any other entry is in both, and in the machine's own file", () => {
    let leftOut = 0;
    for (const m0 of MODELS) {
      const { model: m, macOf } = withHostPerEntry(m0);
      const { files, notes } = renderHostFiles(m);
      for (const standalone of [true, false]) {
        const ctx = menuContext(m, { standalone });
        for (const d of dialects) {
          const text = d.menu(ctx);
          for (const p of ctx.plan.imports.flatMap((i) => i.entries)) {
            const why = d.cannotBoot(p, ctx);
            const mac = macOf(p.imp.name, p.entry.id);
            const file = files.find((f) => f.path === hostFilePath(d, mac));
            const note = notes.find((n) => n.startsWith(`${mac}:`)) ?? '';
            const where = `${d.id}, ${p.name}, standalone ${standalone}`;
            if (why === undefined) {
              // pxelinux LABEL, GRUB --id, iPXE target: the entry's name as a word of its own.
              assert.match(text, new RegExp(`(^|[\\s:'])${p.name.replace(/\./g, '\\.')}($|[\\s'])`, 'm'), where);
              assert.equal(file?.loader, d.id, where);
              assert.ok(!note.includes(`${d.title} (`), where);
            } else {
              leftOut++;
              assert.ok(text.includes(`left out: ${commentText(why)}.`), where);
              assert.equal(file, undefined, where);
              assert.ok(note.includes(`${d.title} (${why})`), `${where}: ${note}`);
            }
          }
        }
      }
    }
    assert.ok(leftOut > 0, 'some entries are left out by some loader');
  });

  it('every per-host file is in its loader\'s folder under a name isHostFileName recognises for that loader only', () => {
    const { model: m } = withHostPerEntry(model([isos, ubuntu], { httpBase: 'http://10.0.0.1/pxe/' }));
    const { files } = renderHostFiles(m);
    assert.deepEqual([...new Set(files.map((f) => f.loader))].sort(), ['grub', 'ipxe', 'pxelinux']);
    for (const f of files) {
      const slash = f.path.lastIndexOf('/');
      assert.equal(f.path.slice(0, slash), HOST_FILE_DIRS[f.loader], f.path);
      for (const d of dialects) assert.equal(isHostFileName(d.id, f.path.slice(slash + 1)), d.id === f.loader, `${d.id}: ${f.path}`);
    }
  });
});
