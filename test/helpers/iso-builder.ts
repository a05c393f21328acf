/**
 * An ISO9660 image built in memory from a small tree description, for tests that need
 * no xorriso and no disk: primary volume descriptor, path tables, directory records,
 * and optionally Rock Ridge (SP, ER, PX, TF, NM, SL, CE, ZF), Joliet, multi-extent files
 * and an El Torito boot catalog. What it writes follows ECMA-119, RRIP 1.10/1.12, SUSP 1.12
 * and Joliet the way mkisofs and xorriso lay them out; `buildIsoWithMap` also says where
 * each directory record and extent is, so a test can patch one field and see what the reader
 * makes of it. Hostile-image tests add raw System Use bytes per node and raw blocks.
 */
import { constants } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { ascii, both16, both32, directoryRecord, susp } from './bytes.js';
import { SECTOR_SIZE as SECTOR } from '../../src/iso9660/bytes.js';


interface Attributes {
  /** Permission bits; the type bits are added from the node kind. */
  readonly mode?: number;
  readonly mtime?: Date;
  readonly atime?: Date;
  readonly uid?: number;
  readonly gid?: number;
  /** The ISO9660 identifier (without ";1"); by default derived from the name. */
  readonly isoName?: string;
}

interface Raw {
  /** System Use bytes appended after the builder's own Rock Ridge entries (a ZF or CE a test makes by hand). */
  readonly systemUse?: readonly number[];
}

export interface FileNode extends Attributes, Raw {
  readonly kind: 'file';
  readonly name: string;
  /** The data; stored as is unless `zisofs`. */
  readonly content: Uint8Array;
  /** Store the data zisofs-compressed (needs Rock Ridge for the ZF entry). */
  readonly zisofs?: boolean;
  /** Lay the extents of a multi-extent file out last first, so disc order is not file order. */
  readonly scatter?: boolean;
}

export interface DirectoryNode extends Attributes, Raw {
  readonly kind: 'dir';
  readonly name: string;
  readonly children: readonly IsoNode[];
}

export interface SymlinkNode extends Attributes, Raw {
  readonly kind: 'symlink';
  readonly name: string;
  readonly target: string;
}

/** Another name for the file at `target` ("/dir/file"): same extent, and with RRIP 1.12 the same serial number. */
export interface HardLinkNode extends Attributes, Raw {
  readonly kind: 'hardlink';
  readonly name: string;
  readonly target: string;
}

export type IsoNode = FileNode | DirectoryNode | SymlinkNode | HardLinkNode;

export const file = (name: string, content: string | Uint8Array, attrs: Omit<FileNode, 'kind' | 'name' | 'content'> = {}): FileNode => ({
  kind: 'file',
  name,
  content: typeof content === 'string' ? Buffer.from(content) : content,
  ...attrs,
});
export const dir = (name: string, children: readonly IsoNode[], attrs: Attributes & Raw = {}): DirectoryNode => ({ kind: 'dir', name, children, ...attrs });
export const symlink = (name: string, target: string, attrs: Attributes & Raw = {}): SymlinkNode => ({ kind: 'symlink', name, target, ...attrs });
export const hardlink = (name: string, target: string, attrs: Attributes & Raw = {}): HardLinkNode => ({ kind: 'hardlink', name, target, ...attrs });

export interface IsoBuildOptions {
  readonly volumeId?: string;
  /** Rock Ridge: 1.12 writes 44-byte PX entries with serial numbers, 1.10 the 36-byte ones without. */
  readonly rockRidge?: false | { readonly version?: '1.10' | '1.12' };
  /** A Joliet (level 3) supplementary tree beside the primary one. */
  readonly joliet?: boolean;
  /** Files larger than this many bytes (a multiple of 2048) are split into several directory records. */
  readonly extentSize?: number;
  /** An El Torito catalog whose initial entry boots this file ("/isolinux/isolinux.bin"), no emulation. */
  readonly elTorito?: { readonly bootFile: string; readonly sectorCount?: number };
  /** The root directory's attributes. */
  readonly root?: Attributes;
  /** Time for entries that give none. */
  readonly date?: Date;
  /** Bytes written at these blocks, past the end of everything else (continuation areas made by hand). */
  readonly rawBlocks?: ReadonlyMap<number, Uint8Array>;
}

export interface BuiltIso {
  readonly bytes: Uint8Array;
  /** Byte offsets of the directory records of each path ("/a/b") in the primary tree; several for a multi-extent file. */
  readonly records: ReadonlyMap<string, readonly number[]>;
  /** The same for the Joliet tree. */
  readonly jolietRecords: ReadonlyMap<string, readonly number[]>;
  /** First block of each path's extent in the primary tree ("" for the root; 0 for an empty file). */
  readonly blocks: ReadonlyMap<string, number>;
  /** Byte offset of the boot catalog, when there is one. */
  readonly bootCatalog: number | undefined;
}

/** UTF-16 code units of a Joliet name before the writer cuts it. */
export const JOLIET_MAX_NAME = 103;
export const DEFAULT_DATE = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const ZISOFS_MAGIC = [0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07];
const ZISOFS_LOG2_BLOCK = 15;
const ER_1_10 = {
  id: 'RRIP_1991A',
  description: 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS',
  source: 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.',
};
const ER_1_12 = { ...ER_1_10, id: 'IEEE_P1282', description: 'THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.' };

export function buildIso(tree: readonly IsoNode[], options: IsoBuildOptions = {}): Uint8Array {
  return buildIsoWithMap(tree, options).bytes;
}

/** One file's stored data, shared by every name of a hard-link group. */
interface Data {
  readonly stored: Uint8Array;
  readonly zisofs: { readonly size: number } | undefined;
  /** Sizes of the extents, in file order. */
  readonly parts: number[];
  /** Block of each part, in file order; set by the layout. */
  blocks: number[];
  readonly scatter: boolean;
  readonly serial: number;
  nlink: number;
}

interface Entry {
  readonly node: IsoNode | undefined; // undefined for the root
  readonly path: string;
  readonly isoId: Uint8Array;
  readonly jolietId: Uint8Array;
  readonly parent: Entry | undefined;
  readonly children: Entry[];
  readonly data: Data | undefined;
  readonly serial: number;
  /** Directory extents, set by the layout. */
  block: number;
  size: number;
  jolietBlock: number;
  jolietSize: number;
}

/** A continuation area: the System Use entries that did not fit in a record. */
interface Continuation {
  readonly bytes: number[];
  block: number;
  offset: number;
}

export function buildIsoWithMap(tree: readonly IsoNode[], options: IsoBuildOptions = {}): BuiltIso {
  const rr = options.rockRidge === false || options.rockRidge === undefined ? undefined : (options.rockRidge.version ?? '1.12');
  const joliet = options.joliet === true;
  const date = options.date ?? DEFAULT_DATE;
  const extentSize = options.extentSize ?? 0xfffff800;
  if (extentSize % SECTOR !== 0 || extentSize <= 0) throw new Error(`extentSize ${extentSize} is not a positive multiple of ${SECTOR}`);

  // ---- the tree: identifiers, data, serial numbers
  let serials = 0;
  const byPath = new Map<string, Entry>();
  const hardLinks: { entry: Entry; node: HardLinkNode }[] = [];
  const root: Entry = entry(undefined, '', Uint8Array.of(0), Uint8Array.of(0), undefined, undefined);
  function entry(node: IsoNode | undefined, path: string, isoId: Uint8Array, jolietId: Uint8Array, parent: Entry | undefined, data: Data | undefined): Entry {
    return { node, path, isoId, jolietId, parent, children: [], data, serial: data?.serial ?? ++serials, block: 0, size: 0, jolietBlock: 0, jolietSize: 0 };
  }
  const add = (parent: Entry, nodes: readonly IsoNode[]) => {
    const used = new Set<string>();
    for (const node of nodes) {
      const path = `${parent.path}/${node.name}`;
      if (node.kind === 'symlink' && !rr) continue; // without Rock Ridge a link has nothing to say what it is
      const isoId = isoIdentifier(node, used);
      // Joliet allows 64 characters; xorriso and genisoimage write up to 103 (-joliet-long) and cut the rest.
      const jolietName = node.name.slice(0, JOLIET_MAX_NAME);
      const jolietId = Buffer.from(utf16be(node.kind === 'dir' ? jolietName : `${jolietName};1`));
      let data: Data | undefined;
      if (node.kind === 'file') data = fileData(node, rr !== undefined, extentSize, ++serials);
      const e = entry(node, path, Buffer.from(isoId, 'latin1'), jolietId, parent, data);
      parent.children.push(e);
      if (!byPath.has(path)) byPath.set(path, e);
      if (node.kind === 'dir') add(e, node.children);
      if (node.kind === 'hardlink') hardLinks.push({ entry: e, node });
    }
    // ECMA-119 9.3: records in identifier order. The Joliet tree is sorted the same way at write time.
    parent.children.sort((a, b) => Buffer.compare(Buffer.from(a.isoId), Buffer.from(b.isoId)));
  };
  add(root, tree);
  const linked = new Map<Entry, Entry>();
  for (const { entry: e, node } of hardLinks) {
    const target = byPath.get(node.target);
    if (!target?.data) throw new Error(`hard link ${e.path}: ${node.target} is not a file in the tree`);
    target.data.nlink++;
    linked.set(e, target);
  }
  const dataOf = (e: Entry): Data | undefined => e.data ?? linked.get(e)?.data;
  const directories: Entry[] = [];
  for (const queue = [root]; queue.length > 0; ) {
    const d = queue.shift()!;
    directories.push(d);
    for (const c of d.children) if (c.node?.kind === 'dir') queue.push(c);
  }

  // ---- System Use areas
  const continuations: Continuation[] = [];
  /** A hard link is another name for one inode: it has its target's attributes unless it says otherwise. */
  const attrs = (e: Entry): Attributes => {
    const target = linked.get(e)?.node;
    const { isoName: _i, ...inherited } = (target ?? {}) as Attributes;
    return { ...inherited, ...(e.node ?? options.root ?? {}) };
  };
  /** `self`: the entry's own "." record, or its parent's ".." record; they carry no name. */
  const rockRidgeEntries = (e: Entry, role: 'entry' | 'self' | 'parent'): number[][] => {
    if (!rr) return [];
    const a = attrs(e);
    const out: number[][] = [];
    const node = e.node;
    const kind = node?.kind ?? 'dir';
    const self = role !== 'entry';
    if (role === 'self' && e === root) out.push(susp('SP', [0xbe, 0xef, 0]));
    const data = dataOf(e);
    const type = kind === 'dir' ? constants.S_IFDIR : kind === 'symlink' ? constants.S_IFLNK : constants.S_IFREG;
    const mode = type | (a.mode ?? (kind === 'dir' ? 0o755 : kind === 'symlink' ? 0o777 : 0o644));
    const nlink = kind === 'dir' ? 2 + e.children.filter((c) => c.node?.kind === 'dir').length : (data?.nlink ?? 1);
    const px = [...both32(mode), ...both32(nlink), ...both32(a.uid ?? 0), ...both32(a.gid ?? 0)];
    out.push(susp('PX', rr === '1.12' ? [...px, ...both32(data?.serial ?? e.serial)] : px));
    const mtime = a.mtime ?? date;
    out.push(susp('TF', a.atime ? [0x02 | 0x04, ...shortDate(mtime), ...shortDate(a.atime)] : [0x02, ...shortDate(mtime)]));
    if (node && !self) {
      const name = Buffer.from(node.name);
      // An NM entry holds at most 250 bytes of name; longer names continue in the next NM (flag 1).
      for (let o = 0; o < name.length || o === 0; o += 200) {
        const piece = name.subarray(o, o + 200);
        out.push(susp('NM', [o + 200 < name.length ? 1 : 0, ...piece]));
        if (name.length === 0) break;
      }
      if (node.kind === 'symlink') out.push(...slEntries(node.target));
      if (node.kind === 'file' && data?.zisofs) {
        out.push(zfEntry(data.zisofs.size));
      }
      if (node.systemUse) out.push([...node.systemUse]);
    }
    if (role === 'self' && e === root) {
      const er = rr === '1.12' ? ER_1_12 : ER_1_10;
      out.push(susp('ER', [er.id.length, er.description.length, er.source.length, 1, ...ascii(er.id), ...ascii(er.description), ...ascii(er.source)]));
    }
    return out;
  };
  /** The System Use bytes of one record: what fits inline, the rest behind a CE entry. */
  const systemUse = (entries: number[][], identifierLength: number): { inline: number[]; ce: Continuation | undefined } => {
    const pad = identifierLength % 2 === 0 ? 1 : 0;
    const space = 254 - 33 - identifierLength - pad;
    const total = entries.reduce((n, x) => n + x.length, 0);
    if (total <= space) return { inline: entries.flat(), ce: undefined };
    const inline: number[] = [];
    let i = 0;
    while (i < entries.length && inline.length + entries[i]!.length + 28 <= space) inline.push(...entries[i++]!);
    const rest = entries.slice(i).flat();
    if (rest.length > SECTOR) throw new Error(`System Use entries of ${rest.length} bytes do not fit one continuation area`);
    const ce: Continuation = { bytes: rest, block: 0, offset: 0 };
    continuations.push(ce);
    return { inline, ce };
  };

  // ---- directory records, measured once with the layout still unknown, then written for real
  interface PendingRecord {
    readonly target: Entry; // whose extent the record points at
    readonly identifier: Uint8Array;
    readonly flags: number;
    readonly part: number; // multi-extent part, or -1
    readonly inline: number[];
    readonly ce: Continuation | undefined;
    readonly path: string | undefined; // for the map; undefined for "." and ".."
    readonly date: Date;
  }
  const recordsOf = (d: Entry, tree: 'primary' | 'joliet'): PendingRecord[] => {
    const withSu = tree === 'primary';
    const self = (target: Entry, id: 0 | 1): PendingRecord => {
      const su = withSu ? systemUse(rockRidgeEntries(target, id === 0 ? 'self' : 'parent'), 1) : { inline: [], ce: undefined };
      return { target, identifier: Uint8Array.of(id), flags: 0x02, part: -1, ...su, path: undefined, date: attrs(target).mtime ?? date };
    };
    const out = [self(d, 0), self(d.parent ?? d, 1)];
    const children = tree === 'primary' ? d.children : [...d.children].filter((c) => c.node?.kind !== 'symlink').sort((a, b) => Buffer.compare(Buffer.from(a.jolietId), Buffer.from(b.jolietId)));
    for (const c of children) {
      const identifier = tree === 'primary' ? c.isoId : c.jolietId;
      const su = () => (withSu ? systemUse(rockRidgeEntries(c, 'entry'), identifier.length) : { inline: [], ce: undefined });
      const data = dataOf(c);
      const when = attrs(c).mtime ?? date;
      if (c.node?.kind === 'dir') out.push({ target: c, identifier, flags: 0x02, part: -1, ...su(), path: c.path, date: when });
      else if (!data || data.parts.length <= 1) out.push({ target: c, identifier, flags: 0, part: 0, ...su(), path: c.path, date: when });
      else {
        // Every part carries the same name and Rock Ridge entries (as libisofs writes them); all but
        // the last have the multi-extent flag (ECMA-119 9.1.6, bit 7).
        data.parts.forEach((_, i) => {
          const last = i === data.parts.length - 1;
          out.push({ target: c, identifier, flags: last ? 0 : 0x80, part: i, ...su(), path: c.path, date: when });
        });
      }
    }
    return out;
  };
  const primaryRecords = new Map(directories.map((d) => [d, recordsOf(d, 'primary')]));
  const jolietRecords = joliet ? new Map(directories.map((d) => [d, recordsOf(d, 'joliet')])) : undefined;

  const encode = (r: PendingRecord, tree: 'primary' | 'joliet'): number[] => {
    const t = r.target;
    let extent: number;
    let size: number;
    if (r.part < 0) {
      extent = tree === 'primary' ? t.block : t.jolietBlock;
      size = tree === 'primary' ? t.size : t.jolietSize;
    } else {
      const data = dataOf(t);
      extent = data && data.parts.length > 0 ? data.blocks[r.part]! : 0;
      size = data?.parts[r.part] ?? 0;
    }
    const ce = r.ce ? susp('CE', [...both32(r.ce.block), ...both32(r.ce.offset), ...both32(r.ce.bytes.length)]) : [];
    const su = [...r.inline, ...ce];
    // Records have an even length (ECMA-119 9.1.13 pads the System Use area).
    if ((33 + r.identifier.length + (r.identifier.length % 2 === 0 ? 1 : 0) + su.length) % 2 === 1) su.push(0);
    const bytes = directoryRecord({ extent, size, flags: r.flags, identifier: [...r.identifier], systemUse: su, date: shortDate(r.date) });
    if (bytes.length > 255) throw new Error(`directory record of ${bytes.length} bytes: identifier too long for one record`);
    return bytes;
  };
  /** Bytes of a directory extent: records never cross a sector. */
  const directoryBytes = (records: PendingRecord[], tree: 'primary' | 'joliet', onRecord?: (r: PendingRecord, offset: number) => void): Uint8Array => {
    const chunks: number[] = [];
    for (const r of records) {
      const bytes = encode(r, tree);
      const used = chunks.length % SECTOR;
      if (used + bytes.length > SECTOR) chunks.push(...new Array<number>(SECTOR - used).fill(0));
      onRecord?.(r, chunks.length);
      chunks.push(...bytes);
    }
    return Uint8Array.from(chunks);
  };

  // ---- layout
  let next = 16;
  const pvdSector = next++;
  const bootRecordSector = options.elTorito ? next++ : undefined;
  const svdSector = joliet ? next++ : undefined;
  const terminatorSector = next++;
  const pathTables = (tree: 'primary' | 'joliet') => pathTableBytes(directories, tree);
  const pathTableSize = pathTables('primary').l.length;
  const pathTableSectors = Math.ceil(pathTableSize / SECTOR);
  const lPath = next;
  next += pathTableSectors;
  const mPath = next;
  next += pathTableSectors;
  const jolietPathTableSize = joliet ? pathTables('joliet').l.length : 0;
  const jolietPathSectors = Math.ceil(jolietPathTableSize / SECTOR);
  const jlPath = next;
  next += jolietPathSectors;
  const jmPath = next;
  next += jolietPathSectors;
  for (const d of directories) {
    d.size = Math.ceil(directoryBytes(primaryRecords.get(d)!, 'primary').length / SECTOR) * SECTOR;
    d.block = next;
    next += d.size / SECTOR;
  }
  if (jolietRecords) {
    for (const d of directories) {
      d.jolietSize = Math.ceil(directoryBytes(jolietRecords.get(d)!, 'joliet').length / SECTOR) * SECTOR;
      d.jolietBlock = next;
      next += d.jolietSize / SECTOR;
    }
  }
  let ceUsed = SECTOR;
  for (const ce of continuations) {
    if (ceUsed + ce.bytes.length > SECTOR) {
      ceUsed = 0;
      next++;
    }
    ce.block = next - 1;
    ce.offset = ceUsed;
    ceUsed += ce.bytes.length;
  }
  const catalogSector = options.elTorito ? next++ : undefined;
  const allData: Data[] = [];
  for (const d of directories) for (const c of d.children) if (c.data) allData.push(c.data);
  for (const data of allData) {
    const order = data.scatter ? [...data.parts.keys()].reverse() : [...data.parts.keys()];
    data.blocks = new Array<number>(data.parts.length).fill(0);
    for (const i of order) {
      data.blocks[i] = next;
      next += Math.ceil(data.parts[i]! / SECTOR);
    }
  }
  const rawBlocks = options.rawBlocks ?? new Map<number, Uint8Array>();
  for (const b of rawBlocks.keys()) if (b < next) throw new Error(`raw block ${b} collides with the tree (which ends at block ${next})`);
  const totalSectors = Math.max(next, ...[...rawBlocks].map(([b, bytes]) => b + Math.ceil(bytes.length / SECTOR)));

  // ---- writing
  const image = new Uint8Array(totalSectors * SECTOR);
  const put = (at: number, bytes: ArrayLike<number>) => image.set(bytes, at);
  const records = new Map<string, number[]>();
  const jolietMap = new Map<string, number[]>();
  for (const d of directories) {
    put(d.block * SECTOR, directoryBytes(primaryRecords.get(d)!, 'primary', (r, o) => r.path && push(records, r.path, d.block * SECTOR + o)));
    if (jolietRecords) put(d.jolietBlock * SECTOR, directoryBytes(jolietRecords.get(d)!, 'joliet', (r, o) => r.path && push(jolietMap, r.path, d.jolietBlock * SECTOR + o)));
  }
  for (const ce of continuations) put(ce.block * SECTOR + ce.offset, ce.bytes);
  for (const [b, bytes] of rawBlocks) put(b * SECTOR, bytes);
  for (const data of allData) {
    let o = 0;
    data.parts.forEach((length, i) => {
      put(data.blocks[i]! * SECTOR, data.stored.subarray(o, o + length));
      o += length;
    });
  }
  const rootRecord = (tree: 'primary' | 'joliet') => encode({ ...primaryRecords.get(root)![0]!, inline: [], ce: undefined }, tree);
  const volumeId = options.volumeId ?? 'PXE_TEST';
  const primaryTables = pathTables('primary');
  put(lPath * SECTOR, primaryTables.l);
  put(mPath * SECTOR, primaryTables.m);
  put(pvdSector * SECTOR, volumeDescriptor({ type: 1, volumeId, totalSectors, pathTableSize, lPath, mPath, root: rootRecord('primary'), date, joliet: false }));
  if (svdSector !== undefined) {
    const tables = pathTables('joliet');
    put(jlPath * SECTOR, tables.l);
    put(jmPath * SECTOR, tables.m);
    put(svdSector * SECTOR, volumeDescriptor({ type: 2, volumeId, totalSectors, pathTableSize: jolietPathTableSize, lPath: jlPath, mPath: jmPath, root: rootRecord('joliet'), date, joliet: true }));
  }
  if (bootRecordSector !== undefined && catalogSector !== undefined && options.elTorito) {
    const boot = byPath.get(options.elTorito.bootFile);
    const data = boot && dataOf(boot);
    if (!data) throw new Error(`El Torito boot file ${options.elTorito.bootFile} is not a file in the tree`);
    const br = new Uint8Array(SECTOR);
    br.set([0, ...ascii('CD001'), 1, ...padded('EL TORITO SPECIFICATION', 32)]);
    br.set(le32(catalogSector), 0x47);
    put(bootRecordSector * SECTOR, br);
    put(catalogSector * SECTOR, bootCatalog(data.blocks[0] ?? 0, options.elTorito.sectorCount ?? 4));
  }
  put(terminatorSector * SECTOR, [255, ...ascii('CD001'), 1]);
  const blocks = new Map<string, number>(directories.map((d) => [d.path, d.block]));
  for (const d of directories) for (const c of d.children) if (c.node?.kind !== 'dir' && !blocks.has(c.path)) blocks.set(c.path, dataOf(c)?.blocks[0] ?? 0);
  return { bytes: image, records, jolietRecords: jolietMap, blocks, bootCatalog: catalogSector === undefined ? undefined : catalogSector * SECTOR };

  /** Path table (ECMA-119 9.4): directories in breadth-first order, each naming its parent's number. */
  function pathTableBytes(dirs: readonly Entry[], tree: 'primary' | 'joliet'): { l: Uint8Array; m: Uint8Array } {
    const numbers = new Map(dirs.map((d, i) => [d, i + 1]));
    const build = (be: boolean) => {
      const out: number[] = [];
      for (const d of dirs) {
        const id = d === root ? [0] : [...(tree === 'primary' ? d.isoId : d.jolietId)];
        const extent = tree === 'primary' ? d.block : d.jolietBlock;
        const parent = numbers.get(d.parent ?? root)!;
        out.push(id.length, 0, ...(be ? be32(extent) : le32(extent)), ...(be ? [parent >> 8, parent & 0xff] : [parent & 0xff, parent >> 8]), ...id);
        if (id.length % 2 === 1) out.push(0);
      }
      return Uint8Array.from(out);
    };
    return { l: build(false), m: build(true) };
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Level-2 style identifier: d-characters, "NAME.EXT;1" for files, unique within the directory. */
function isoIdentifier(node: IsoNode, used: Set<string>): string {
  const isDir = node.kind === 'dir';
  const clean = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const dot = node.name.lastIndexOf('.');
  let stem: string;
  let ext: string | undefined;
  if (node.isoName !== undefined) stem = node.isoName;
  else if (isDir || dot <= 0) {
    stem = clean(node.name) || '_';
    ext = isDir ? undefined : '';
  } else {
    stem = clean(node.name.slice(0, dot)) || '_';
    ext = clean(node.name.slice(dot + 1)).slice(0, 8);
  }
  const make = (suffix: string) => (ext === undefined ? `${stem.slice(0, 31 - suffix.length)}${suffix}` : `${stem.slice(0, 29 - ext.length - suffix.length)}${suffix}.${ext}`);
  let id = make('');
  for (let n = 1; used.has(id); n++) id = make(`_${n}`);
  used.add(id);
  return isDir ? id : `${id};1`;
}

function fileData(node: FileNode, rockRidge: boolean, extentSize: number, serial: number): Data {
  if (node.zisofs && !rockRidge) throw new Error(`${node.name}: zisofs needs Rock Ridge (the ZF entry)`);
  const stored = node.zisofs ? zisofsCompress(node.content) : node.content;
  const parts: number[] = [];
  for (let o = 0; o < stored.length; o += extentSize) parts.push(Math.min(extentSize, stored.length - o));
  return { stored, zisofs: node.zisofs ? { size: node.content.length } : undefined, parts, blocks: [], scatter: node.scatter ?? false, serial, nlink: 1 };
}

/** The "pz" ZF entry (zisofs-tools) for 32 KiB blocks: header size in 4-byte words, log2 of the block size, uncompressed size. */
export function zfEntry(uncompressedSize: number): number[] {
  return susp('ZF', [...ascii('pz'), 4, ZISOFS_LOG2_BLOCK, ...both32(uncompressedSize)]);
}

/** zisofs (Linux fs/isofs/compress.c) as mkzftree writes it: one zlib stream per 32 KiB block; an all-zero block is stored as nothing. */
export function zisofsCompress(content: Uint8Array): Buffer {
  const blockSize = 2 ** ZISOFS_LOG2_BLOCK;
  const streams: (Uint8Array | undefined)[] = [];
  for (let o = 0; o < content.length; o += blockSize) {
    const block = content.subarray(o, o + blockSize);
    streams.push(block.every((b) => b === 0) ? undefined : deflateSync(block));
  }
  return zisofsStream(content.length, ZISOFS_LOG2_BLOCK, streams);
}

/**
 * A zisofs stream from given blocks, as stored (zlib bytes, or undefined for a block of zeros,
 * which two equal pointers mark): 16-byte header, block pointer table, the streams.
 */
export function zisofsStream(uncompressedSize: number, log2BlockSize: number, streams: readonly (Uint8Array | undefined)[]): Buffer {
  const header = [...ZISOFS_MAGIC, ...le32(uncompressedSize), 4, log2BlockSize, 0, 0];
  const pointers: number[] = [];
  let at = header.length + (streams.length + 1) * 4;
  pointers.push(...le32(at));
  for (const z of streams) {
    at += z?.length ?? 0;
    pointers.push(...le32(at));
  }
  return Buffer.concat([Uint8Array.from(header), Uint8Array.from(pointers), ...streams.filter((z) => z !== undefined)]);
}

/** Byte offset of the pointer to block `block` in a zisofs stream (after the 16-byte header). */
export function zisofsPointerOffset(block: number): number {
  return 16 + block * 4;
}

/** SL entries (RRIP 4.1.3): one component per path element; "." "..", and a leading "/" as flags. */
function slEntries(target: string): number[][] {
  const components: number[][] = [];
  const parts = target.split('/');
  parts.forEach((part, i) => {
    if (i === 0 && part === '' && parts.length > 1) components.push([0x08, 0]);
    else if (part === '.') components.push([0x02, 0]);
    else if (part === '..') components.push([0x04, 0]);
    else {
      const bytes = [...Buffer.from(part)];
      if (bytes.length > 248) throw new Error(`symlink component of ${bytes.length} bytes is longer than this builder splits`);
      components.push([0, bytes.length, ...bytes]);
    }
  });
  // Components are packed into SL entries of at most 255 bytes; a full entry continues in the next (flag 1).
  const entries: number[][] = [];
  let current: number[] = [];
  for (const c of components) {
    if (5 + current.length + c.length > 255) {
      entries.push(current);
      current = [];
    }
    current.push(...c);
  }
  entries.push(current);
  return entries.map((body, i) => susp('SL', [i < entries.length - 1 ? 1 : 0, ...body]));
}

function volumeDescriptor(v: {
  type: 1 | 2;
  volumeId: string;
  totalSectors: number;
  pathTableSize: number;
  lPath: number;
  mPath: number;
  root: number[];
  date: Date;
  joliet: boolean;
}): Uint8Array {
  const b = new Uint8Array(SECTOR);
  const text = (s: string, length: number) => (v.joliet ? ucs2Padded(s, length) : padded(s, length));
  b.set([v.type, ...ascii('CD001'), 1]);
  b.set(text('LINUX', 32), 8);
  b.set(text(v.volumeId, 32), 40);
  b.set(both32(v.totalSectors), 80);
  if (v.joliet) b.set(ascii('%/E'), 88); // UCS-2 level 3
  b.set(both16(1), 120); // volume set size
  b.set(both16(1), 124); // volume sequence number
  b.set(both16(SECTOR), 128);
  b.set(both32(v.pathTableSize), 132);
  b.set(le32(v.lPath), 140);
  b.set(be32(v.mPath), 148);
  b.set(v.root, 156);
  for (const [offset, length] of [[190, 128], [318, 128], [446, 128], [574, 128], [702, 37], [739, 37], [776, 37]] as const) b.set(text('', length), offset);
  b.set(text('PXE_IMPORT_ISO_BUILDER', 128), 574);
  b.set(longDate(v.date), 813);
  b.set(longDate(v.date), 830);
  b.set([...ascii('0000000000000000'), 0], 847);
  b.set([...ascii('0000000000000000'), 0], 864);
  b[881] = 1; // file structure version
  return b;
}

/** Validation entry and a bootable no-emulation initial entry (El Torito 1.0, 2.1 and 2.2). */
function bootCatalog(imageBlock: number, sectorCount: number): Uint8Array {
  const c = new Uint8Array(SECTOR);
  c.set([0x01, 0x00, 0, 0, ...padded('PXE-IMPORT TEST', 24)]);
  c[30] = 0x55;
  c[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + (c[i]! | (c[i + 1]! << 8))) & 0xffff;
  const check = (0x10000 - sum) & 0xffff;
  c[28] = check & 0xff;
  c[29] = check >> 8;
  c.set([0x88, 0x00, 0, 0, 0, 0, sectorCount & 0xff, sectorCount >> 8, ...le32(imageBlock)], 32);
  return c;
}

function shortDate(d: Date): number[] {
  return [d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0];
}

function longDate(d: Date): number[] {
  const two = (n: number) => String(n).padStart(2, '0');
  const digits = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}00`;
  return [...ascii(digits), 0];
}

function padded(s: string, length: number): number[] {
  return [...ascii(s.padEnd(length, ' ').slice(0, length))];
}

function ucs2Padded(s: string, length: number): number[] {
  const out = utf16be(s);
  while (out.length < length) out.push(0x00, 0x20);
  return out.slice(0, length);
}

function utf16be(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out.push(u >> 8, u & 0xff);
  }
  return out;
}

function le32(n: number): number[] {
  return both32(n).slice(0, 4);
}

function be32(n: number): number[] {
  return both32(n).slice(4);
}
