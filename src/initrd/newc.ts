import { PxeError } from '../errors.js';

/**
 * The "newc" cpio format the Linux kernel unpacks initramfs images from
 * (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header of
 * thirteen 8-digit hex fields, the NUL-terminated name, padding to 4 bytes, the data, padding
 * to 4 bytes; an entry named TRAILER!!! ends the archive. An initrd may be several archives one
 * after another (compressed or not), which is what lets a file be appended to a distribution's
 * initrd without unpacking it.
 */

/** The largest file a newc header can describe: its size field is 8 hex digits. */
export const NEWC_MAX_FILE_SIZE = 0xffff_ffff;

const MAGIC = '070701';
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';
/** S_IFREG: newc's mode field holds the file type as stat(2) does. */
const S_IFREG = 0o100000;

export interface NewcFile {
  /** Path inside the initramfs, without the leading "/" (the kernel unpacks relative to its root). */
  readonly name: string;
  readonly size: number;
  /** Permission bits; the type is always a regular file. */
  readonly mode: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** Distinct per entry of one archive (the kernel links entries with equal ino and nlink > 1). */
  readonly ino: number;
}

export const padTo4 = (n: number) => (4 - (n % 4)) % 4;

function header(fields: { ino: number; mode: number; nlink: number; mtime: number; size: number }, name: string): Buffer {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const text = MAGIC + [fields.ino, fields.mode, 0, 0, fields.nlink, fields.mtime, fields.size, 0, 0, 0, 0, nameBytes.length, 0].map(hex).join('');
  return Buffer.concat([Buffer.from(text, 'latin1'), nameBytes, Buffer.alloc(padTo4(HEADER_SIZE + nameBytes.length))]);
}

/**
 * The bytes that go before a file's data: its header, name and padding. The data that follows
 * must be exactly `file.size` bytes, then `padTo4(file.size)` zero bytes.
 */
export function newcFileHeader(file: NewcFile): Buffer {
  const name = file.name.replace(/^\/+/, '');
  if (name === '' || name.includes('\0') || name.split('/').some((part) => part === '..' || part === '')) {
    throw new PxeError('USAGE', `initrd entry "${file.name}": not a plain relative path`);
  }
  if (!Number.isSafeInteger(file.size) || file.size < 0 || file.size > NEWC_MAX_FILE_SIZE) {
    throw new PxeError('USAGE', `initrd entry "${name}": ${file.size} bytes is more than the 4 GiB - 1 a newc cpio header can hold`);
  }
  for (const [field, value] of [['mtime', file.mtime], ['ino', file.ino]] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff) throw new PxeError('USAGE', `initrd entry "${name}": ${field} ${value} does not fit a newc header`);
  }
  return header({ ino: file.ino, mode: S_IFREG | (file.mode & 0o7777), nlink: 1, mtime: file.mtime, size: file.size }, name);
}

/** The archive's end: the TRAILER!!! entry. */
export function newcTrailer(): Buffer {
  return header({ ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0 }, TRAILER);
}
