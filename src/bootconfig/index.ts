/**
 * Boot-configuration discovery: read an ISO's own isolinux/syslinux and GRUB configs from their
 * standard locations and return one de-duplicated list of Linux boot entries.
 *
 * Rules:
 *  - GRUB configs are read first (their menus are what UEFI machines see), then syslinux ones.
 *    A candidate already read as part of an earlier one (sourced, included, CONFIG'd) is skipped.
 *  - boot/grub/loopback.cfg is only a fallback: it exists to boot the ISO *file* from another
 *    GRUB and usually repeats grub.cfg with `iso-scan/filename=${iso_path}` added.
 *  - Entries whose kernel is not on the ISO are dropped (KERNEL_MISSING); missing initrds are
 *    reported (INITRD_MISSING) but the entry is kept.
 *  - Entries with the same kernel, initrds and arguments (double quotes ignored: syslinux's `a="b"`
 *    and GRUB's `'a=b'` reach the kernel as the same name and value) are merged: the first one's position is kept, a
 *    human label (MENU LABEL / menuentry title) is preferred over a bare syslinux LABEL name.
 *  - At most one entry is marked default: the first default found in reading order.
 */
import { ReadTracker, normalizeIsoPath } from './common.js';
import { parseGrub } from './grub.js';
import { bareLabelEntries, parseSyslinux } from './syslinux.js';
import type { BootConfigAssumption, BootConfigResult, BootConfigSource, BootConfigWarning, BootMenuEntry } from './types.js';

export { parseGrub, parseGrubEnv, type ParseGrubOptions } from './grub.js';
export { parseSyslinux, cleanMenuLabel } from './syslinux.js';
export * from './types.js';

/** GRUB entry points, in the order they are tried. */
export const GRUB_CANDIDATES: readonly string[] = [
  '/boot/grub/grub.cfg',
  '/EFI/BOOT/grub.cfg',
  '/EFI/boot/grub.cfg',
  '/efi/boot/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/EFI/fedora/grub.cfg',
  '/boot/grub/grubsrcd.cfg', // SystemRescue: its EFI image sources this file directly
];

/** Only used when no other GRUB config yields entries. */
export const GRUB_LOOPBACK_CANDIDATES: readonly string[] = ['/boot/grub/loopback.cfg'];

/** isolinux / syslinux entry points, in the order they are tried. */
export const SYSLINUX_CANDIDATES: readonly string[] = [
  '/isolinux/isolinux.cfg',
  '/isolinux/txt.cfg',
  '/syslinux/syslinux.cfg',
  '/boot/isolinux/isolinux.cfg',
  '/boot/syslinux/syslinux.cfg',
  '/boot/syslinux/isolinux.cfg',
  '/isolinux.cfg',
  '/syslinux.cfg',
];

interface Candidate {
  path: string;
  loader: 'grub' | 'syslinux';
}

/** Find and read every boot configuration on the ISO; see the module comment for the rules. */
export function discoverBootEntries(underlying: BootConfigSource): BootConfigResult {
  // Several entry points often reach the same files (EFI/BOOT/grub.cfg → boot/grub/grub.cfg):
  // read each file from the ISO once.
  const source = cachingSource(underlying);
  const tracker = new ReadTracker(source);
  const warnings: BootConfigWarning[] = [];
  const assumptions: BootConfigAssumption[] = [];
  const filesRead: string[] = [];
  const readSet = new Set<string>();
  const collected: BootMenuEntry[] = [];

  const runCandidate = (c: Candidate): number => {
    const path = normalizeIsoPath(c.path);
    if (readSet.has(path) || !tracker.exists(path)) return 0;
    const r = c.loader === 'grub' ? parseGrub(source, path) : parseSyslinux(source, path);
    for (const f of r.filesRead) {
      if (!readSet.has(f)) {
        readSet.add(f);
        filesRead.push(f);
      }
    }
    warnings.push(...r.warnings);
    assumptions.push(...r.assumptions);
    collected.push(...r.entries);
    return r.entries.length;
  };

  let grubEntries = 0;
  for (const p of GRUB_CANDIDATES) grubEntries += runCandidate({ path: p, loader: 'grub' });
  if (grubEntries === 0) for (const p of GRUB_LOOPBACK_CANDIDATES) runCandidate({ path: p, loader: 'grub' });
  for (const p of SYSLINUX_CANDIDATES) runCandidate({ path: p, loader: 'syslinux' });

  const present: BootMenuEntry[] = [];
  for (const e of collected) {
    if (!tracker.exists(e.kernel)) {
      warnings.push({
        code: 'KERNEL_MISSING',
        file: e.source.file,
        line: e.source.line,
        message: `entry '${e.label}': kernel ${e.kernel} is not on the ISO; entry dropped`,
      });
      continue;
    }
    for (const i of e.initrds) {
      if (!tracker.exists(i)) {
        warnings.push({
          code: 'INITRD_MISSING',
          file: e.source.file,
          line: e.source.line,
          message: `entry '${e.label}': initrd ${i} is not on the ISO`,
        });
      }
    }
    present.push(e);
  }

  const entries = mergeDuplicates(present);
  let seenDefault = false;
  for (const e of entries) {
    if (e.isDefault && seenDefault) e.isDefault = false;
    if (e.isDefault) seenDefault = true;
  }
  return { entries, warnings, assumptions, filesRead };
}

function cachingSource(source: BootConfigSource): BootConfigSource {
  const texts = new Map<string, string | undefined>();
  const exists = new Map<string, boolean>();
  const cached: BootConfigSource = {
    readText(path: string): string | undefined {
      if (!texts.has(path)) texts.set(path, source.readText(path));
      return texts.get(path);
    },
    exists(path: string): boolean {
      let v = exists.get(path);
      if (v === undefined) {
        v = source.exists(path);
        exists.set(path, v);
      }
      return v;
    },
  };
  if (source.list) {
    const list = source.list.bind(source);
    cached.list = (dir: string) => list(dir);
  }
  return cached;
}

/** Identity of an entry for de-duplication. */
export function entryKey(e: BootMenuEntry): string {
  const norm = (t: string): string => t.replace(/"/g, '');
  return [e.kernel, e.initrds.join('\u0001'), e.append.map(norm).join('\u0001')].join('\u0000');
}

function labelQuality(e: BootMenuEntry, bareNames: ReadonlySet<BootMenuEntry>): number {
  return bareNames.has(e) ? 0 : 1;
}

function mergeDuplicates(list: BootMenuEntry[]): BootMenuEntry[] {
  // A syslinux entry whose label is its LABEL identifier (no MENU LABEL) is "bare": 'live-amd64'.
  const bare = new Set<BootMenuEntry>();
  for (const e of list) if (bareLabelEntries.has(e)) bare.add(e);
  const out: BootMenuEntry[] = [];
  const byKey = new Map<string, BootMenuEntry>();
  for (const e of list) {
    const key = entryKey(e);
    const prev = byKey.get(key);
    if (!prev) {
      const copy: BootMenuEntry = { ...e, initrds: [...e.initrds], append: [...e.append] };
      if (bare.has(e)) bare.add(copy);
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    if (labelQuality(e, bare) > labelQuality(prev, bare)) {
      prev.label = e.label;
      prev.source = e.source;
      if (e.menuPath) prev.menuPath = e.menuPath;
      else delete prev.menuPath;
      bare.delete(prev);
    }
    prev.isDefault = prev.isDefault || e.isDefault;
  }
  return out;
}
