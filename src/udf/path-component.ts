import { FieldError, u8 } from '../iso9660/bytes.js';
import { decodeCs0 } from './cs0.js';

/**
 * A symbolic link's data: a sequence of path components (ECMA-167 4/14.16). Types: 1 a root
 * the system defines (with an identifier: not portable; without: "/"), 2 the root "/", 3 the
 * parent "..", 4 the same directory ".", 5 a named component. Joined like Linux's
 * udf_pc_to_char.
 */
export function decodeSymlinkTarget(data: Uint8Array): string {
  const parts: string[] = [];
  let absolute = false;
  for (let o = 0; o < data.length; ) {
    if (o + 4 > data.length) throw new FieldError(`path component at offset ${o} is cut short`);
    const type = u8(data, o);
    const length = u8(data, o + 1);
    if (o + 4 + length > data.length) throw new FieldError(`path component at offset ${o} (${length} bytes) runs past the link's data`);
    const identifier = data.subarray(o + 4, o + 4 + length);
    if (type === 1 || type === 2) {
      if (type === 1 && length > 0) throw new FieldError('path component of type 1 names a system-specific root');
      parts.length = 0;
      absolute = true;
    } else if (type === 3) parts.push('..');
    else if (type === 4) parts.push('.');
    else if (type === 5) {
      if (length === 0) throw new FieldError(`named path component at offset ${o} is empty`);
      parts.push(decodeCs0(identifier));
    } else throw new FieldError(`path component of unknown type ${type}`);
    o += 4 + length;
  }
  return (absolute ? '/' : '') + parts.join('/');
}
