/**
 * Metadata-aimed mutations, deterministic from a seed: the same (seed, case) always makes
 * the same image from the same seed image. Each mutator edits one structure the locator
 * found (structures.ts) and returns what it did, for the triage notes.
 */
import { SECTOR_SIZE } from '../../src/iso9660/bytes.js';
import type { ImageStructures } from './structures.js';


/** mulberry32: small, fast, and the same on every platform. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed of one case: a mix of the run's seed and the case number. */
export function caseSeed(seed: number, n: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

interface Context {
  readonly b: Buffer;
  readonly s: ImageStructures;
  readonly rng: Rng;
}

type Mutator = (c: Context) => string | undefined;

function writeBoth32(b: Buffer, o: number, v: number, rng: Rng): void {
  if (o + 8 > b.length) return;
  b.writeUInt32LE(v >>> 0, o);
  // Now and then only the little-endian half: the halves then disagree.
  if (!rng.chance(0.1)) b.writeUInt32BE(v >>> 0, o + 4);
}

function interesting32(c: Context, current: number): number {
  const { rng, s } = c;
  const choices = [
    () => rng.pick([0, 1, 2, 15, 16, 17, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff]),
    () => rng.pick([s.blocks - 1, s.blocks, s.blocks + 1, s.blocks * SECTOR_SIZE, s.blocks * SECTOR_SIZE + 1]),
    () => current + rng.pick([1, -1, 2, -2, 16, 2048, -2048]),
    () => current * rng.pick([2, 3, 16, 256, 1000]),
    () => current ^ (1 << rng.int(32)),
    () => (s.directoryExtents.length ? rng.pick(s.directoryExtents) : 0) + rng.pick([0, 0, 1, -1]),
    () => rng.int(2 ** 32),
    () => rng.int(s.blocks + 2),
  ];
  return rng.pick(choices)() >>> 0;
}

const SIGNATURES = ['CE', 'SL', 'NM', 'PX', 'ZF', 'CL', 'PL', 'RE', 'TF', 'PN', 'SF', 'ST', 'SP', 'ER', 'RR', 'AA', 'AL'];
const CONTROL_BYTES = [0x0a, 0x0d, 0x00, 0x2f, 0x2e, 0x1b, 0x7f, 0x9b, 0xff, 0xe2];

const record: Mutator = ({ b, s, rng }) => {
  if (!s.records.length) return undefined;
  const r = rng.pick(s.records);
  const c = { b, s, rng };
  switch (rng.int(9)) {
    case 0: {
      const v = interesting32(c, r.extent);
      writeBoth32(b, r.offset + 2, v, rng);
      return `record@${r.offset} extent ${r.extent} -> ${v}`;
    }
    case 1: {
      const v = interesting32(c, r.size);
      writeBoth32(b, r.offset + 10, v, rng);
      return `record@${r.offset} size ${r.size} -> ${v}`;
    }
    case 2: {
      const bit = rng.pick([0x01, 0x02, 0x04, 0x08, 0x10, 0x80]);
      b[r.offset + 25]! ^= bit;
      return `record@${r.offset} flags ^= 0x${bit.toString(16)}`;
    }
    case 3: {
      const v = rng.pick([0, 1, 33, 34, r.length - 1, r.length + 1, r.length + 2, 255, rng.int(256)]) & 0xff;
      b[r.offset] = v;
      return `record@${r.offset} length ${r.length} -> ${v}`;
    }
    case 4: {
      const v = rng.pick([0, 1, 2, r.identifier.length - 1, r.identifier.length + 1, 255, rng.int(256)]) & 0xff;
      b[r.offset + 32] = v;
      return `record@${r.offset} identifier length ${r.identifier.length} -> ${v}`;
    }
    case 5: {
      const v = rng.pick([1, 2, 255, rng.int(256)]);
      b[r.offset + 1] = v;
      return `record@${r.offset} extended attribute length -> ${v}`;
    }
    case 6: {
      const o = r.offset + rng.pick([26, 27]);
      b[o] = rng.int(256);
      return `record@${r.offset} interleave byte ${o - r.offset} -> ${b[o]}`;
    }
    case 7: {
      if (!r.identifier.length) return undefined;
      const o = r.identifier.offset + rng.int(r.identifier.length);
      b[o] = rng.pick(CONTROL_BYTES);
      return `record@${r.offset} identifier byte -> 0x${b[o]!.toString(16)}`;
    }
    default: {
      const o = r.offset + 18 + rng.int(7);
      b[o] = rng.int(256);
      return `record@${r.offset} date byte -> ${b[o]}`;
    }
  }
};

/** Directory extents pointed at each other: loops, overlaps, chains. */
const directoryLink: Mutator = ({ b, s, rng }) => {
  const dirs = s.records.filter((r) => r.isDirectory);
  if (!dirs.length || !s.directoryExtents.length) return undefined;
  const r = rng.pick(dirs);
  if (rng.chance(0.5)) {
    const v = rng.pick(s.directoryExtents) + rng.pick([0, 0, 1, -1]);
    writeBoth32(b, r.offset + 2, v, rng);
    return `directory record@${r.offset} extent -> ${v} (another directory)`;
  }
  const v = r.size * rng.pick([2, 4, 16, 64, 600]);
  writeBoth32(b, r.offset + 10, v, rng);
  return `directory record@${r.offset} size ${r.size} -> ${v} (overlapping the next ones)`;
};

const suspEntry: Mutator = ({ b, s, rng }) => {
  if (!s.susp.length) return undefined;
  const e = rng.pick(s.susp);
  const c = { b, s, rng };
  switch (rng.int(6)) {
    case 0: {
      const v = rng.pick([0, 1, 3, 4, 5, e.length - 1, e.length + 1, e.length + 4, 255, rng.int(256)]) & 0xff;
      b[e.offset + 2] = v;
      return `SUSP ${e.signature}@${e.offset} length ${e.length} -> ${v}`;
    }
    case 1: {
      const sig = rng.pick(SIGNATURES);
      b.write(sig, e.offset, 'latin1');
      return `SUSP ${e.signature}@${e.offset} signature -> ${sig}`;
    }
    case 2: {
      b[e.offset + 3] = rng.int(256);
      return `SUSP ${e.signature}@${e.offset} version -> ${b[e.offset + 3]}`;
    }
    case 3: {
      if (e.length <= 4) return undefined;
      const o = e.offset + 4 + rng.int(e.length - 4);
      b[o] = rng.chance(0.5) ? rng.pick(CONTROL_BYTES) : rng.int(256);
      return `SUSP ${e.signature}@${e.offset} data byte ${o - e.offset} -> 0x${b[o]!.toString(16)}`;
    }
    case 4: {
      if (e.length < 12) return undefined;
      const at = e.offset + 4 + rng.pick([0, 8, 16].filter((x) => x + 8 <= e.length - 4).concat([0]));
      const v = interesting32(c, b.readUInt32LE(at));
      writeBoth32(b, at, v, rng);
      return `SUSP ${e.signature}@${e.offset} field ${at - e.offset} -> ${v}`;
    }
    default: {
      // Flags byte of NM/SL/TF (first data byte), or the first component's flags/length in SL.
      const o = e.offset + 4 + (e.signature === 'SL' && e.length > 6 ? rng.pick([0, 1, 2]) : 0);
      if (o >= e.offset + e.length) return undefined;
      b[o] = rng.pick([0x00, 0x01, 0x02, 0x04, 0x08, 0x20, 0x80, 0xff, rng.int(256)]);
      return `SUSP ${e.signature}@${e.offset} flags byte ${o - e.offset} -> 0x${b[o]!.toString(16)}`;
    }
  }
};

const continuation: Mutator = ({ b, s, rng }) => {
  const ces = s.susp.filter((e) => e.signature === 'CE' && e.length >= 28);
  if (!ces.length) return undefined;
  const e = rng.pick(ces);
  const c = { b, s, rng };
  const field = rng.int(3);
  const at = e.offset + 4 + field * 8;
  const current = b.readUInt32LE(at);
  let v: number;
  if (field === 0) v = rng.chance(0.4) && s.ceAreas.length ? Math.floor(rng.pick(s.ceAreas).offset / SECTOR_SIZE) : interesting32(c, current);
  else if (field === 1) v = rng.pick([0, 1, 2040, 2047, 2048, current + 1, current - 1, rng.int(2048), interesting32(c, current)]);
  else v = rng.pick([0, 1, 4, 2048, 2049, 4096, current + 1, current - 1, current * 2, rng.int(2048), interesting32(c, current)]);
  writeBoth32(b, at, v, rng);
  return `CE@${e.offset} ${['block', 'offset', 'length'][field]} ${current} -> ${v >>> 0}`;
};

const zfEntry: Mutator = ({ b, s, rng }) => {
  const zfs = s.susp.filter((e) => e.signature === 'ZF' && e.length >= 16);
  if (!zfs.length) return undefined;
  const e = rng.pick(zfs);
  switch (rng.int(3)) {
    case 0:
      b[e.offset + 7] = rng.pick([0, 14, 15, 16, 17, 18, 31, 255]);
      return `ZF@${e.offset} log2 block size -> ${b[e.offset + 7]}`;
    case 1:
      b[e.offset + 6] = rng.pick([0, 1, 3, 4, 5, 8, 255]);
      return `ZF@${e.offset} header size -> ${b[e.offset + 6]} words`;
    default: {
      const v = interesting32({ b, s, rng }, b.readUInt32LE(e.offset + 8));
      writeBoth32(b, e.offset + 8, v, rng);
      return `ZF@${e.offset} uncompressed size -> ${v}`;
    }
  }
};

const zisofsStream: Mutator = ({ b, s, rng }) => {
  if (!s.zisofs.length) return undefined;
  const z = rng.pick(s.zisofs);
  switch (rng.int(4)) {
    case 0: {
      const o = z.offset + rng.pick([0, 7, 8, 9, 11, 12, 13]);
      b[o] = rng.int(256);
      return `zisofs@${z.offset} header byte ${o - z.offset} -> ${b[o]}`;
    }
    case 1:
    case 2: {
      const i = rng.int(z.tableEntries);
      const at = z.tableOffset + i * 4;
      if (at + 4 > b.length) return undefined;
      const current = b.readUInt32LE(at);
      const previous = i > 0 ? b.readUInt32LE(at - 4) : 0;
      const v = rng.pick([0, 1, previous, previous - 1, current + 1, current - 1, z.stored, z.stored + 1, z.stored * 4, 0xffffffff, current + 40000, rng.int(2 ** 32)]) >>> 0;
      b.writeUInt32LE(v, at);
      return `zisofs@${z.offset} block pointer ${i}: ${current} -> ${v}`;
    }
    default: {
      const from = z.tableOffset + z.tableEntries * 4;
      const to = Math.min(b.length, z.offset + z.stored);
      if (to <= from) return undefined;
      const o = from + rng.int(to - from);
      b[o] = rng.int(256);
      return `zisofs@${z.offset} compressed byte at ${o} -> ${b[o]}`;
    }
  }
};

const descriptor: Mutator = ({ b, s, rng }) => {
  if (!s.descriptors.length) return undefined;
  const d = rng.pick(s.descriptors);
  const c = { b, s, rng };
  switch (rng.int(6)) {
    case 0:
      b[d] = rng.pick([0, 1, 2, 3, 4, 255, rng.int(256)]);
      return `descriptor@${d} type -> ${b[d]}`;
    case 1: {
      const v = interesting32(c, b.readUInt32LE(d + 80));
      writeBoth32(b, d + 80, v, rng);
      return `descriptor@${d} volume space size -> ${v}`;
    }
    case 2: {
      const v = rng.pick([0, 512, 1024, 2047, 4096]);
      b.writeUInt16LE(v, d + 128);
      b.writeUInt16BE(v, d + 130);
      return `descriptor@${d} logical block size -> ${v}`;
    }
    case 3: {
      const field = rng.pick([158, 166]);
      const v = interesting32(c, b.readUInt32LE(d + field));
      writeBoth32(b, d + field, v, rng);
      return `descriptor@${d} root record ${field === 158 ? 'extent' : 'size'} -> ${v}`;
    }
    case 4:
      b[d + 156] = rng.pick([0, 33, 34, 35, 68, 255]);
      return `descriptor@${d} root record length -> ${b[d + 156]}`;
    default: {
      const o = d + rng.pick([6, 88, 89, 90, 132, 140, 148, 881, 0x47, 0x48]);
      b[o] = rng.int(256);
      return `descriptor@${d} byte ${o - d} -> ${b[o]}`;
    }
  }
};

const pathTable: Mutator = ({ b, s, rng }) => {
  if (!s.pathTables.length) return undefined;
  const t = rng.pick(s.pathTables);
  const o = t.offset + rng.int(Math.max(1, t.length));
  if (o >= b.length) return undefined;
  b[o] = rng.int(256);
  return `path table byte at ${o} -> ${b[o]}`;
};

const bootCatalog: Mutator = ({ b, s, rng }) => {
  if (s.bootCatalog === undefined) return undefined;
  const entry = s.bootCatalog + 32 * rng.int(8);
  if (entry + 32 > b.length) return undefined;
  switch (rng.int(4)) {
    case 0:
      b[entry] = rng.pick([0x00, 0x01, 0x44, 0x88, 0x90, 0x91, 0xff]);
      return `boot catalog entry@${entry} id -> 0x${b[entry]!.toString(16)}`;
    case 1:
      b.writeUInt16LE(rng.pick([0, 1, 2, 0x7fff, 0xffff, rng.int(0x10000)]), entry + 2);
      return `boot catalog entry@${entry} count/segment -> ${b.readUInt16LE(entry + 2)}`;
    case 2:
      b.writeUInt32LE(interesting32({ b, s, rng }, b.readUInt32LE(entry + 8)), entry + 8);
      return `boot catalog entry@${entry} LBA -> ${b.readUInt32LE(entry + 8)}`;
    default: {
      const o = entry + rng.int(32);
      b[o] = rng.int(256);
      return `boot catalog byte at ${o} -> ${b[o]}`;
    }
  }
};

/** A record or a directory block copied over another: duplicate names, records from elsewhere. */
const splice: Mutator = ({ b, s, rng }) => {
  if (s.records.length < 2) return undefined;
  if (rng.chance(0.5)) {
    const from = rng.pick(s.records);
    const to = rng.pick(s.records);
    const n = Math.min(from.length, to.length);
    b.copy(b, to.offset, from.offset, from.offset + n);
    b[to.offset] = to.length;
    return `record@${from.offset} copied over record@${to.offset} (${n} bytes)`;
  }
  if (s.directoryExtents.length < 2) return undefined;
  const from = rng.pick(s.directoryExtents) * SECTOR_SIZE;
  const to = rng.pick(s.directoryExtents) * SECTOR_SIZE;
  if (from + SECTOR_SIZE > b.length || to + SECTOR_SIZE > b.length || from === to) return undefined;
  b.copy(b, to, from, from + SECTOR_SIZE);
  return `directory block ${from / SECTOR_SIZE} copied over block ${to / SECTOR_SIZE}`;
};

/** A few random bytes anywhere in one metadata structure. */
const havoc: Mutator = ({ b, s, rng }) => {
  const regions = [
    ...s.records.map((r) => [r.offset, r.length] as const),
    ...s.ceAreas.map((a) => [a.offset, a.length] as const),
    ...s.descriptors.map((d) => [d, SECTOR_SIZE] as const),
  ];
  if (!regions.length) return undefined;
  const [start, length] = rng.pick(regions);
  const n = 1 + rng.int(16);
  for (let i = 0; i < n; i++) {
    const o = start + rng.int(Math.max(1, length));
    if (o < b.length) b[o] = rng.int(256);
  }
  return `${n} random bytes in ${start}..${start + length}`;
};

const MUTATORS: readonly [Mutator, number][] = [
  [record, 5],
  [directoryLink, 2],
  [suspEntry, 5],
  [continuation, 2],
  [zfEntry, 2],
  [zisofsStream, 3],
  [descriptor, 2],
  [pathTable, 1],
  [bootCatalog, 1],
  [splice, 1],
  [havoc, 2],
];
const TOTAL_WEIGHT = MUTATORS.reduce((n, [, w]) => n + w, 0);

function pickMutator(rng: Rng): Mutator {
  let r = rng.int(TOTAL_WEIGHT);
  for (const [m, w] of MUTATORS) {
    if (r < w) return m;
    r -= w;
  }
  return MUTATORS[0]![0];
}

/** Applies 1-8 mutations (most often one or two) to `b` in place; returns what was done. */
export function mutate(b: Buffer, s: ImageStructures, rng: Rng): string[] {
  const count = 1 + Math.min(7, Math.floor(-Math.log2(1 - rng.next())));
  const done: string[] = [];
  for (let tries = 0; done.length < count && tries < count * 20; tries++) {
    const what = pickMutator(rng)({ b, s, rng });
    if (what) done.push(what);
  }
  return done;
}
