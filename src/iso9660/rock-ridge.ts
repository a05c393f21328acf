import { decodeLongDate, decodeShortDate, u32both, u8, type BothEndianMismatch } from './bytes.js';
import type { SuspEntry } from './susp.js';

/** POSIX file type bits as Rock Ridge PX records them (RRIP 4.1.1). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFBLK = 0o060000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export interface RockRidgeTimes {
  readonly created?: Date;
  readonly modified?: Date;
  readonly accessed?: Date;
  readonly attributesChanged?: Date;
}

export interface ZisofsParameters {
  /** "pz" for zisofs; anything else is reported and the data copied raw. */
  readonly algorithm: string;
  readonly headerSize: number;
  readonly log2BlockSize: number;
  readonly uncompressedSize: number;
}

/** What the Rock Ridge entries of one directory record say about its file. */
export interface RockRidgeEntry {
  /** PX mode including the S_IFMT type bits. */
  readonly mode?: number;
  readonly nlink?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** File serial number: only in the 44-byte PX of RRIP 1.12. */
  readonly inode?: number;
  /** PN: device number, split the way Linux does for a 64-bit dev_t stored as high/low words. */
  readonly device?: { readonly high: number; readonly low: number };
  /** NM, continuation pieces joined. Undefined when there is no NM or it only marks "." or "..". */
  readonly name?: Uint8Array;
  /** SL components joined into a target path. */
  readonly symlinkTarget?: Uint8Array;
  readonly times: RockRidgeTimes;
  /** CL: this record is a placeholder for a directory relocated to this block. */
  readonly childLink?: number;
  /** PL: in a relocated directory's ".." record, the block of the real parent. */
  readonly parentLink?: number;
  /** RE: this directory record is the relocated original; it is reached through its CL instead. */
  readonly relocated: boolean;
  readonly zisofs?: ZisofsParameters;
  /** True when any RRIP entry (RR, PX, NM, SL, TF, …) was present. */
  readonly present: boolean;
}

/**
 * ER entries name the extensions in use (SUSP 5.5): "RRIP_1991A" is Rock Ridge 1.10,
 * "IEEE_P1282"/"IEEE_1282" are 1.12, "AAIP_0200" is libisofs's ACL/xattr extension.
 */
export function extensionIds(entries: readonly SuspEntry[]): string[] {
  const ids: string[] = [];
  for (const { signature, data } of entries) {
    if (signature !== 'ER' || data.length < 4) continue;
    const idLength = data[0]!;
    if (4 + idLength <= data.length) ids.push(Buffer.from(data.subarray(4, 4 + idLength)).toString('latin1'));
  }
  return ids;
}

const RRIP_SIGNATURES = new Set(['RR', 'PX', 'PN', 'SL', 'NM', 'CL', 'PL', 'RE', 'TF', 'SF', 'ZF']);

const SL_CONTINUE = 0x01;
const SL_CURRENT = 0x02;
const SL_PARENT = 0x04;
const SL_ROOT = 0x08;

const NM_CONTINUE = 0x01;
const NM_CURRENT = 0x02;
const NM_PARENT = 0x04;

/**
 * Interprets SUSP entries as Rock Ridge. Malformed entries are reported through
 * `warn` and ignored: a damaged attribute must not cost the user the whole image.
 * Both-endian fields (PX, PN, CL, PL, ZF) whose halves disagree go to `onMismatch`.
 */
export function parseRockRidge(entries: readonly SuspEntry[], warn: (message: string) => void, onMismatch?: BothEndianMismatch): RockRidgeEntry {
  const result: {
    -readonly [K in keyof RockRidgeEntry]: RockRidgeEntry[K];
  } = { times: {}, relocated: false, present: false };
  const nameParts: Uint8Array[] = [];
  let nameDone = false;
  const link = new SymlinkBuilder();
  let sawSl = false;

  for (const { signature, data } of entries) {
    if (RRIP_SIGNATURES.has(signature)) result.present = true;
    try {
      switch (signature) {
        case 'PX': {
          // RRIP 1.10 has 4 both-endian fields (36 bytes with header); 1.12 adds the serial number (44 bytes).
          if (data.length < 32) {
            warn(`short PX entry (${data.length + 4} bytes) ignored`);
            break;
          }
          result.mode = u32both(data, 0, 'PX file mode', onMismatch);
          result.nlink = u32both(data, 8, 'PX link count', onMismatch);
          result.uid = u32both(data, 16, 'PX user id', onMismatch);
          result.gid = u32both(data, 24, 'PX group id', onMismatch);
          if (data.length >= 40) result.inode = u32both(data, 32, 'PX serial number', onMismatch);
          break;
        }
        case 'PN':
          if (data.length >= 16) result.device = { high: u32both(data, 0, 'PN device number (high word)', onMismatch), low: u32both(data, 8, 'PN device number (low word)', onMismatch) };
          break;
        case 'NM': {
          if (nameDone || data.length < 1) break;
          const flags = u8(data, 0);
          if (flags & (NM_CURRENT | NM_PARENT)) break;
          nameParts.push(data.subarray(1));
          if (!(flags & NM_CONTINUE)) nameDone = true;
          break;
        }
        case 'SL':
          sawSl = true;
          link.add(data, warn);
          break;
        case 'TF':
          result.times = parseTimestamps(data);
          break;
        case 'CL':
          if (data.length >= 8) result.childLink = u32both(data, 0, 'CL child link', onMismatch);
          break;
        case 'PL':
          if (data.length >= 8) result.parentLink = u32both(data, 0, 'PL parent link', onMismatch);
          break;
        case 'RE':
          result.relocated = true;
          break;
        case 'ZF':
          // 'pz', header size in 4-byte words, log2 block size, uncompressed size (both-endian): 12 data bytes.
          if (data.length < 12) {
            warn(`short ZF entry (${data.length + 4} bytes) ignored; the file is copied as stored`);
            break;
          }
          result.zisofs = {
            algorithm: String.fromCharCode(data[0]!, data[1]!),
            headerSize: data[2]! * 4,
            log2BlockSize: data[3]!,
            uncompressedSize: u32both(data, 4, 'ZF uncompressed size', onMismatch),
          };
          break;
        case 'SF':
          warn('sparse file entry (SF) is not supported; the file is copied as stored');
          break;
        default:
          break; // SP, ER, ES, PD, AA (Apple), AL… carry nothing we restore
      }
    } catch (e) {
      warn(`damaged ${signature} entry ignored: ${(e as Error).message}`);
    }
  }
  if (nameParts.length > 0) result.name = Buffer.concat(nameParts);
  if (sawSl) result.symlinkTarget = link.result();
  return result;
}

/**
 * SL component records (RRIP 4.1.3.1). Components are joined with "/" unless a
 * component carries the CONTINUE flag, in which case the next one extends it; the
 * joining state carries across several SL entries of one record. Empty components
 * are kept, so ".///file" and "/tmp//.." survive exactly as libarchive's tests expect.
 */
class SymlinkBuilder {
  #parts: Uint8Array[] = [];
  #separatorPending = false;

  add(data: Uint8Array, warn: (message: string) => void): void {
    let pos = 1; // byte 0: SL flags (bit 0: continues in the next SL entry)
    while (pos + 2 <= data.length) {
      const flags = data[pos]!;
      const length = data[pos + 1]!;
      if (pos + 2 + length > data.length) warn(`SL component of ${length} bytes runs past the end of its entry; the link target is cut short`);
      const content = data.subarray(pos + 2, Math.min(data.length, pos + 2 + length));
      pos += 2 + length;
      if (this.#separatorPending) this.#parts.push(SLASH);
      if (flags & SL_ROOT) {
        this.#parts.push(SLASH);
        this.#separatorPending = false;
        continue;
      }
      if (flags & SL_CURRENT) this.#parts.push(DOT);
      else if (flags & SL_PARENT) this.#parts.push(DOTDOT);
      else this.#parts.push(content);
      this.#separatorPending = !(flags & SL_CONTINUE);
    }
  }

  result(): Uint8Array {
    return Buffer.concat(this.#parts);
  }
}

const SLASH = Buffer.from('/');
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

function parseTimestamps(data: Uint8Array): RockRidgeTimes {
  const flags = u8(data, 0);
  const long = (flags & 0x80) !== 0;
  const width = long ? 17 : 7;
  const read = (o: number) => (long ? decodeLongDate(data, o) : decodeShortDate(data, o));
  const times: { -readonly [K in keyof RockRidgeTimes]: RockRidgeTimes[K] } = {};
  // Field order is fixed (RRIP 4.1.6): creation, modify, access, attributes, backup, expiration, effective.
  let o = 1;
  const order: (keyof RockRidgeTimes | undefined)[] = ['created', 'modified', 'accessed', 'attributesChanged'];
  for (let bit = 0; bit < 7; bit++) {
    if (!(flags & (1 << bit))) continue;
    if (o + width > data.length) break;
    const key = order[bit];
    if (key) {
      const d = read(o);
      if (d) times[key] = d;
    }
    o += width;
  }
  return times;
}
