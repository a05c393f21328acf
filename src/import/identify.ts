import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openFileSource } from '../iso9660/source.js';
import { readVolumeDescriptors } from '../iso9660/volume-descriptor.js';
import type { SourceIdentity } from './state.js';

/** The identity of an image file from its size, mtime and volume descriptors: no file data is read. */
export async function identify(image: string): Promise<SourceIdentity> {
  const source = await openFileSource(image);
  try {
    const st = await stat(image);
    const descriptors = await readVolumeDescriptors(source);
    return { path: resolve(image), size: st.size, mtimeMs: Math.trunc(st.mtimeMs), fingerprint: createHash('sha256').update(descriptors.descriptorBytes).digest('hex') };
  } finally {
    await source.close();
  }
}
