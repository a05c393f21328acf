/** Linux NAME_MAX. */
export const MAX_NAME_BYTES = 255;
/** Linux PATH_MAX less its terminating NUL: symlink(2) refuses a longer target. */
export const MAX_SYMLINK_TARGET_BYTES = 4095;

/**
 * Returns why a name from the image cannot be used as one path component, or
 * undefined when it is safe. Checked before any file-system call, so a hostile
 * name is refused as a string and never reaches the disk (node-tar's CHECKPATH).
 */
export function checkEntryName(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name === '.' || name === '..') return `name "${name}" would refer to a directory outside the entry`;
  if (name.includes('/')) return 'name contains "/"';
  if (name.includes('\0')) return 'name contains a NUL byte';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `name is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/**
 * Returns why a symbolic link target from the image cannot be created, or undefined.
 * Where the target points does not matter: links are created last, nothing is written
 * through them (see extractTree). But the system cannot store an empty target, one with
 * a NUL byte, or one longer than PATH_MAX.
 */
export function checkSymlinkTarget(target: string): string | undefined {
  if (target === '') return 'symbolic link target is empty';
  if (target.includes('\0')) return 'symbolic link target contains a NUL byte';
  if (Buffer.byteLength(target) > MAX_SYMLINK_TARGET_BYTES) return `symbolic link target is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`;
  return undefined;
}

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** JSON-style quoting that also escapes what JSON leaves as is (DEL, C1, U+2028/9), so the result is one printable line. */
export function quoteName(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A path from the image as a message shows it: "/a/b" as is, or quoted when it holds a
 * control character, so that a newline in a name cannot split a message over two lines
 * (or a terminal escape reach the user's terminal).
 */
export function showPath(path: string): string {
  return printable(path.startsWith('/') ? path : `/${path}`);
}

/** Any text from the image or a path made of it, for a message: as is, or quoted when it holds a control character. */
export function printable(s: string): string {
  return UNPRINTABLE.test(s) ? quoteName(s) : s;
}
