/** discoverBootEntries(): candidate locations, kernel existence, de-duplication and the default. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverBootEntries, entryKey } from '../../src/bootconfig/index.js';
import { memorySource, withCode } from './helpers.js';

describe('discoverBootEntries', () => {
  it('drops an entry whose kernel file is not on the ISO, with a warning naming the entry', () => {
    const src = memorySource(
      {
        '/boot/grub/grub.cfg': 'menuentry "Here" { linux /k1\n initrd /i1 }\nmenuentry "Gone" { linux /casper/vmlinuz.old\n initrd /i1 }\n',
      },
      ['/k1', '/i1'],
    );
    const r = discoverBootEntries(src);
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['Here'],
    );
    const w = withCode(r.warnings, 'KERNEL_MISSING');
    assert.equal(w.length, 1);
    assert.deepEqual([w[0]?.file, w[0]?.line], ['/boot/grub/grub.cfg', 3]);
    assert.match(w[0]?.message ?? '', /entry 'Gone': kernel \/casper\/vmlinuz\.old is not on the ISO; entry dropped/);
  });

  it('keeps an entry with a missing initrd but reports it', () => {
    const r = discoverBootEntries(memorySource({ '/boot/grub/grub.cfg': 'menuentry a { linux /k\n initrd /missing.img }\n' }, ['/k']));
    assert.equal(r.entries.length, 1);
    assert.equal(withCode(r.warnings, 'INITRD_MISSING').length, 1);
  });

  it('uses loopback.cfg only when no other GRUB config yields entries', () => {
    const lb = 'menuentry L { linux /k iso-scan/filename=${iso_path} }\n';
    const without = discoverBootEntries(memorySource({ '/boot/grub/loopback.cfg': lb }, ['/k']));
    assert.deepEqual(
      without.entries.map((e) => e.append),
      [['iso-scan/filename=${iso_path}']],
    );
    const withMain = discoverBootEntries(
      memorySource({ '/boot/grub/loopback.cfg': lb, '/boot/grub/grub.cfg': 'menuentry G { linux /k }\n' }, ['/k']),
    );
    assert.deepEqual(
      withMain.entries.map((e) => e.label),
      ['G'],
    );
    assert.deepEqual(withMain.filesRead, ['/boot/grub/grub.cfg']);
  });

  it('reads each file from the ISO once and skips candidates already reached through another one', () => {
    const src = memorySource(
      {
        '/EFI/BOOT/grub.cfg': 'configfile /boot/grub/grub.cfg\n',
        '/boot/grub/grub.cfg': 'menuentry a { linux /k }\n',
        '/isolinux/isolinux.cfg': 'INCLUDE txt.cfg\n',
        '/isolinux/txt.cfg': 'LABEL t\nLINUX /k2\n',
      },
      ['/k', '/k2'],
    );
    const r = discoverBootEntries(src);
    assert.deepEqual(
      r.entries.map((e) => e.label),
      ['a', 't'],
    );
    assert.equal(src.reads.filter((p) => p === '/boot/grub/grub.cfg').length, 1);
    assert.equal(src.reads.filter((p) => p === '/isolinux/txt.cfg').length, 1);
  });

  it('merges identical entries across loaders; a MENU LABEL or title beats a bare LABEL name; default is kept', () => {
    const src = memorySource(
      {
        '/boot/grub/grub.cfg': 'menuentry "Live system" { linux /live/vmlinuz boot=live x="1"\n initrd /live/initrd.img }\n',
        '/isolinux/isolinux.cfg':
          'DEFAULT live\nLABEL live\n  LINUX /live/vmlinuz\n  APPEND initrd=/live/initrd.img boot=live x="1"\nLABEL other\n  MENU LABEL ^Other\n  LINUX /live/vmlinuz\n',
        '/syslinux/syslinux.cfg': 'LABEL bare-other\n  LINUX /live/vmlinuz\n',
      },
      ['/live/vmlinuz', '/live/initrd.img'],
    );
    const r = discoverBootEntries(src);
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.source.loader, e.isDefault]),
      [
        ['Live system', 'grub', true],
        ['Other', 'syslinux', false],
      ],
    );
    // GRUB removed the quotes (x=1), syslinux kept them (x="1"): the same entry all the same.
    assert.equal(entryKey(r.entries[0]!), entryKey({ ...r.entries[0]!, append: ['boot=live', 'x="1"'] }));
  });

  it('a bare syslinux LABEL seen first is relabelled by a later human label', () => {
    const src = memorySource(
      {
        '/isolinux/isolinux.cfg': 'LABEL linux0\n  LINUX /k\n',
        '/syslinux/syslinux.cfg': 'LABEL y\n  MENU LABEL Nice name\n  LINUX /k\n',
      },
      ['/k'],
    );
    const r = discoverBootEntries(src);
    assert.deepEqual(
      r.entries.map((e) => [e.label, e.source.file]),
      [['Nice name', '/syslinux/syslinux.cfg']],
    );
  });

  it('marks at most one default', () => {
    const src = memorySource(
      {
        '/boot/grub/grub.cfg': 'menuentry g { linux /k g }\n',
        '/isolinux/isolinux.cfg': 'DEFAULT s\nLABEL s\nLINUX /k\nAPPEND s\n',
      },
      ['/k'],
    );
    assert.deepEqual(
      discoverBootEntries(src).entries.map((e) => e.isDefault),
      [true, false],
    );
  });

  it('an ISO with no known boot config gives no entries and no warnings; a throwing source is contained', () => {
    assert.deepEqual(discoverBootEntries(memorySource({}, ['/casper/vmlinuz'])), { entries: [], warnings: [], assumptions: [], filesRead: [] });
    const throwing = {
      readText(): string {
        throw new Error('EIO');
      },
      exists(p: string): boolean {
        return p === '/boot/grub/grub.cfg';
      },
    };
    const r = discoverBootEntries(throwing);
    assert.deepEqual(r.entries, []);
    assert.match(withCode(r.warnings, 'FILE_MISSING')[0]?.message ?? '', /could not be read \(Error: EIO\)/);
  });
});
