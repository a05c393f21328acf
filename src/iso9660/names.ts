/** Linux NAME_MAX. */
export const MAX_NAME_BYTES = 255;

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
