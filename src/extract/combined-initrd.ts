import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { PxeError } from '../errors.js';
import { newcFileHeader, newcTrailer, padTo4 } from '../initrd/newc.js';
import { ioError } from './file-writer.js';
import { kernelCopy } from './kernel-copy.js';

/**
 * A distribution's initrd with one more file appended as a newc cpio archive: how Proxmox's
 * installer (and its siblings) find their ISO when booted over the network, since their init
 * looks for /proxmox.iso inside the initramfs before it looks for a CD. The ISO is streamed
 * (in the kernel when the sendfile addon is there), never held in memory.
 */
export interface CombinedInitrd {
  /** The distribution's own initrd (any compression: the kernel unpacks archive after archive). */
  readonly initrd: string;
  /** The file to embed, e.g. the ISO. */
  readonly file: string;
  /** Its path inside the initramfs, e.g. "proxmox.iso". */
  readonly name: string;
  /** Where the combined initrd goes: written as OUT.partial (a leftover one is removed first), then renamed over OUT. */
  readonly out: string;
  readonly signal?: AbortSignal;
}

const CHUNK = 64 * 1024 * 1024;
const BUFFER = 1024 * 1024;

export async function writeCombinedInitrd(spec: CombinedInitrd): Promise<{ readonly bytes: number }> {
  const partial = `${spec.out}.partial`;
  const inputs = [spec.initrd, spec.file].map((path) => {
    try {
      return openSync(path, constants.O_RDONLY);
    } catch (e) {
      throw ioError(path, 'cannot read', e);
    }
  });
  const [initrdFd, fileFd] = inputs as [number, number];
  let out: number | undefined;
  try {
    const initrdSize = fstatSync(initrdFd).size;
    const embedded = fstatSync(fileFd);
    const header = newcFileHeader({ name: spec.name, size: embedded.size, mode: 0o444, mtime: Math.floor(embedded.mtimeMs / 1000), ino: 1 });
    removeLeftover(partial);
    try {
      out = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (e) {
      throw ioError(partial, 'cannot create file', e);
    }
    let position = 0;
    const write = (bytes: Buffer) => {
      writeSync(out!, bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    const copy = async (fd: number, length: number, path: string) => {
      const buffer = kernelCopy ? undefined : Buffer.allocUnsafe(BUFFER);
      for (let done = 0; done < length; ) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const want = Math.min(CHUNK, length - done);
        const n = kernelCopy ? kernelCopy.copyRange(out!, position, fd, done, want) : copyThroughBuffer(out!, position, fd, done, want, buffer!);
        if (n !== want) throw new PxeError('IO', `${path}: short read at byte ${done + n}: the file changed while it was copied`, { file: path });
        done += n;
        position += n;
        await yieldToEvents();
      }
    };
    await copy(initrdFd, initrdSize, spec.initrd);
    // A new archive must start on a 4-byte boundary of the whole initramfs, or the kernel skips it.
    write(Buffer.alloc(padTo4(position)));
    write(header);
    await copy(fileFd, embedded.size, spec.file);
    write(Buffer.alloc(padTo4(embedded.size)));
    write(newcTrailer());
    fsyncSync(out);
    closeSync(out);
    out = undefined;
    renameSync(partial, spec.out);
    return { bytes: position };
  } catch (e) {
    if (out !== undefined) {
      closeSync(out);
      removeLeftover(partial);
    }
    throw e instanceof PxeError || (e as Error)?.name === 'AbortError' ? e : ioError(spec.out, 'cannot write the combined initrd', e);
  } finally {
    for (const fd of inputs) closeSync(fd);
  }
}

function removeLeftover(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'cannot remove a leftover of an interrupted run', e);
  }
}

function copyThroughBuffer(out: number, outPosition: number, fd: number, inPosition: number, length: number, buffer: Buffer): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, length - done), inPosition + done);
    if (n === 0) break;
    writeSync(out, buffer, 0, n, outPosition + done);
    done += n;
  }
  return done;
}
