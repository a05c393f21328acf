/**
 * A small in-memory ISO9660 + Rock Ridge writer for hostile-image tests: it lays out a
 * tree (one primary volume descriptor, directories, file data) and reports where each
 * record and extent went, so a test can patch exactly the structure it is about.
 */
import { deflateSync } from 'node:zlib';
import { SECTOR_SIZE } from '../../src/iso9660/bytes.js';
import { both16, both32, directoryRecord, susp } from './bytes.js';

/** Directories start here, after the volume descriptor (16) and the terminator (17). */
const FIRST_FREE = 18;

interface Common {
  /** Rock Ridge NM name bytes (a string is written as UTF-8). */
  readonly name: string | Uint8Array;
  /** Extra System Use bytes after PX and NM (SL, ZF, CE, …). */
  readonly systemUse?: readonly number[];
}
export interface DirNode extends Common {
  readonly kind: 'dir';
  readonly children: readonly TreeNode[];
}
export interface FileNode extends Common {
  readonly kind: 'file';
  /** The data as stored. */
  readonly data: Uint8Array;
}
export interface SymlinkNode extends Common {
  readonly kind: 'symlink';
  /** One SL component holding these bytes. */
  readonly target: Uint8Array;
}
export type TreeNode = DirNode | FileNode | SymlinkNode;

export interface BuiltImage {
  readonly bytes: Buffer;
  /** Path ("" for the root, "a/b" below it) → first block of its extent. */
  readonly block: ReadonlyMap<string, number>;
  /** Path → byte offset of its directory record in the parent directory (not for the root). */
  readonly record: ReadonlyMap<string, number>;
}

const text = (s: string | Uint8Array) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

const MODES = { dir: 0o040755, file: 0o100644, symlink: 0o120777 } as const;

function rockRidge(node: TreeNode): number[] {
  const px = susp('PX', [...both32(MODES[node.kind]), ...both32(1), ...both32(0), ...both32(0)]);
  const nm = susp('NM', [0, ...text(node.name)]);
  const sl = node.kind === 'symlink' ? susp('SL', [0, 0, node.target.length, ...node.target]) : [];
  return [...px, ...nm, ...sl, ...(node.systemUse ?? [])];
}

/** A directory's records, split into sectors (a record never crosses one). */
function layoutRecords(records: number[][]): number[][] {
  const sectors: number[][] = [[]];
  for (const r of records) {
    if (sectors[sectors.length - 1]!.length + r.length > SECTOR_SIZE) sectors.push([]);
    sectors[sectors.length - 1]!.push(...r);
  }
  return sectors;
}

/**
 * Writes `root` as an image. `raw` puts given bytes at given blocks (after everything
 * else, which must end before them), for continuation areas and other hand-made structures.
 */
export function buildIso(root: DirNode, raw: ReadonlyMap<number, Uint8Array> = new Map()): BuiltImage {
  interface Placed {
    node: TreeNode;
    path: string;
    block: number;
    size: number;
  }
  const placed = new Map<string, Placed>();
  const order: Placed[] = [];
  // Pass 1: sizes and blocks. A directory's record lengths do not depend on where anything is.
  const recordsOf = (dir: DirNode, path: string, self: number, parent: number, selfSize: number, parentSize: number, at: (p: string) => Placed) => {
    const rootSu = path === '' ? [...susp('SP', [0xbe, 0xef, 0])] : [];
    const records = [
      directoryRecord({ extent: self, size: selfSize, flags: 2, identifier: [0], systemUse: [...rootSu, ...susp('PX', [...both32(MODES.dir), ...both32(1), ...both32(0), ...both32(0)])] }),
      directoryRecord({ extent: parent, size: parentSize, flags: 2, identifier: [1] }),
    ];
    dir.children.forEach((child, i) => {
      const p = path === '' ? `${i}` : `${path}/${i}`;
      const c = at(p);
      records.push(directoryRecord({ extent: c.block, size: c.size, flags: child.kind === 'dir' ? 2 : 0, identifier: [...Buffer.from(`N${i}${child.kind === 'dir' ? '' : ';1'}`)], systemUse: rockRidge(child) }));
    });
    return records;
  };
  const dirSectors = (dir: DirNode, path: string) => layoutRecords(recordsOf(dir, path, 0, 0, 0, 0, () => ({ node: dir, path, block: 0, size: 0 }))).length;

  let next = FIRST_FREE;
  const visit = (node: TreeNode, path: string) => {
    const p: Placed = { node, path, block: 0, size: 0 };
    placed.set(path, p);
    order.push(p);
    if (node.kind === 'dir') {
      p.block = next;
      p.size = dirSectors(node, path) * SECTOR_SIZE;
      next += p.size / SECTOR_SIZE;
      node.children.forEach((c, i) => visit(c, path === '' ? `${i}` : `${path}/${i}`));
    }
  };
  visit(root, '');
  for (const p of order) {
    if (p.node.kind !== 'file') continue;
    p.size = p.node.data.length;
    p.block = p.size === 0 ? 0 : next;
    next += Math.ceil(p.size / SECTOR_SIZE);
  }
  const end = Math.max(next, ...[...raw].map(([b, d]) => b + Math.ceil(d.length / SECTOR_SIZE)));
  for (const b of raw.keys()) if (b < next) throw new Error(`raw block ${b} collides with the tree (which ends at block ${next})`);
  const image = Buffer.alloc(end * SECTOR_SIZE);

  // Pass 2: write.
  const block = new Map<string, number>();
  const record = new Map<string, number>();
  const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
  for (const p of order) {
    block.set(p.path, p.block);
    if (p.node.kind === 'file') {
      image.set(p.node.data, p.block * SECTOR_SIZE);
      continue;
    }
    if (p.node.kind !== 'dir') continue;
    const parent = placed.get(p.path === '' ? '' : parentOf(p.path))!;
    const records = recordsOf(p.node, p.path, p.block, parent.block, p.size, parent.size, (q) => placed.get(q)!);
    let sector = 0;
    let offset = 0;
    for (const [i, r] of records.entries()) {
      if (offset + r.length > SECTOR_SIZE) {
        sector++;
        offset = 0;
      }
      const at = (p.block + sector) * SECTOR_SIZE + offset;
      image.set(r, at);
      if (i >= 2) record.set(p.path === '' ? `${i - 2}` : `${p.path}/${i - 2}`, at);
      offset += r.length;
    }
  }
  for (const [b, d] of raw) image.set(d, b * SECTOR_SIZE);

  // Primary volume descriptor (ECMA-119 8.4) and the set terminator.
  const root0 = placed.get('')!;
  const pvd = Buffer.alloc(SECTOR_SIZE);
  pvd.set([1, ...Buffer.from('CD001'), 1], 0);
  pvd.write('HOSTILE', 40, 'latin1');
  pvd.set(both32(end), 80);
  pvd.set(both16(1), 120);
  pvd.set(both16(1), 124);
  pvd.set(both16(SECTOR_SIZE), 128);
  pvd.set(directoryRecord({ extent: root0.block, size: root0.size, flags: 2, identifier: [0] }), 156);
  pvd[881] = 1;
  image.set(pvd, 16 * SECTOR_SIZE);
  image.set([255, ...Buffer.from('CD001'), 1], 17 * SECTOR_SIZE);
  return { bytes: image, block, record };
}

/** The "pz" ZF entry (zisofs-tools): header size 4 words, log2 block size, uncompressed size. */
export function zfEntry(uncompressedSize: number, log2BlockSize = 15): number[] {
  return susp('ZF', [0x70, 0x7a, 4, log2BlockSize, ...both32(uncompressedSize)]);
}

/**
 * A zisofs stream as mkzftree writes it: 16-byte header, block pointer table, one zlib
 * stream per block; a block of zeros is stored as nothing (two equal pointers).
 */
export function zisofsData(content: Uint8Array, log2BlockSize = 15): Buffer {
  const blockSize = 2 ** log2BlockSize;
  const zeros = Buffer.alloc(blockSize);
  const streams: (Buffer | undefined)[] = [];
  for (let o = 0; o < content.length; o += blockSize) {
    const block = Buffer.from(content.buffer, content.byteOffset + o, Math.min(blockSize, content.length - o));
    streams.push(block.equals(zeros.subarray(0, block.length)) ? undefined : deflateSync(block));
  }
  return zisofsStream(content.length, log2BlockSize, streams);
}

/** A zisofs stream from given block contents: zlib bytes as stored, or undefined for a block of zeros. */
export function zisofsStream(uncompressedSize: number, log2BlockSize: number, streams: readonly (Uint8Array | undefined)[]): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07]).copy(header);
  header.writeUInt32LE(uncompressedSize, 8);
  header[12] = 4;
  header[13] = log2BlockSize;
  const table = Buffer.alloc((streams.length + 1) * 4);
  let at = 16 + table.length;
  streams.forEach((z, i) => {
    table.writeUInt32LE(at, i * 4);
    at += z?.length ?? 0;
  });
  table.writeUInt32LE(at, streams.length * 4);
  return Buffer.concat([header, table, ...streams.filter((z) => z !== undefined)]);
}

/** Offset of block `i`'s pointer in a zisofsStream's table. */
export function zisofsPointerOffset(block: number): number {
  return 16 + block * 4;
}
