import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, readlink, realpath, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeSystemError, PxeError } from '../errors.js';

/**
 * Writes `content` to `path` through a temporary file in the same directory and a
 * rename, so readers (tftpd, exportfs, a booting client) see the old file or the new
 * one, never half of one. Returns false, writing nothing, when the content is already there.
 */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<boolean> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(bytes)) return false;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true }).catch((e) => {
    throw ioError(dir, 'cannot create directory', e);
  });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw ioError(path, 'cannot write', e);
  }
  return true;
}

/**
 * writeFileAtomic for a file the admin may have made a symlink (an exports file kept elsewhere):
 * the link's target is replaced, the link stays. A dangling link is refused, not replaced.
 */
export async function writeThroughLink(path: string, content: string | Buffer): Promise<boolean> {
  return writeFileAtomic(await linkTarget(path), content);
}

/** The file a write to `path` must replace: `path` itself, or the file its symlink leads to. */
export async function linkTarget(path: string): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isSymbolicLink()) return path;
  return realpath(path).catch(async (e: NodeJS.ErrnoException) => {
    const to = await readlink(path).catch(() => '?');
    throw ioError(path, `is a symbolic link to ${to}, which does not lead to a file; fix or remove the link`, e);
  });
}

/** Points `path` at `target` by renaming a new symlink over it; false when it already does. */
export async function replaceSymlink(path: string, target: string): Promise<boolean> {
  if ((await readlink(path).catch(() => undefined)) === target) return false;
  const tmp = join(dirname(path), `.${basename(path)}.link-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    await symlink(target, tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw ioError(path, 'cannot switch symlink', e);
  }
  return true;
}

export function ioError(path: string, what: string, e: unknown): PxeError {
  if (e instanceof PxeError) return e;
  return new PxeError('IO', `${path}: ${what}: ${describeSystemError(e)}`, { file: path, cause: e });
}
