import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSystemError, PxeError } from '../errors.js';
import { parseProfile, type Profile } from './schema.js';

/** profiles/ at the package root: two levels above dist/src/profiles or src/profiles. */
export const BUILTIN_PROFILES = resolve(dirname(fileURLToPath(import.meta.url)), '../../..', 'profiles');

async function loadDirectory(dir: string): Promise<Profile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    throw new PxeError('USAGE', `${dir}: cannot read profile directory: ${describeSystemError(e)}`, { file: dir, cause: e });
  }
  // Read all at once (one wait for the disk, not one per file), then taken in name order: the
  // first file that cannot be read or parsed is the one reported, as when read one by one.
  const texts = await Promise.allSettled(names.map((name) => readFile(join(dir, name), 'utf8')));
  const profiles: Profile[] = [];
  const ids = new Map<string, string>();
  for (const [i, name] of names.entries()) {
    const file = join(dir, name);
    const text = texts[i]!;
    if (text.status === 'rejected') throw text.reason;
    const profile = parseProfile(text.value, file);
    const clash = ids.get(profile.id);
    if (clash) throw new PxeError('PROFILE_INVALID', `${file}: id: "${profile.id}" is already defined in ${clash}`, { file });
    ids.set(profile.id, file);
    profiles.push(profile);
  }
  return profiles;
}

/**
 * The built-in profiles, then each user directory in order: a user profile with the
 * id of an earlier one replaces it, any other is added.
 */
export async function loadProfiles(userDirectories: readonly string[] = [], builtin = BUILTIN_PROFILES): Promise<Profile[]> {
  const byId = new Map<string, Profile>();
  for (const p of await loadDirectory(builtin)) byId.set(p.id, p);
  for (const dir of userDirectories) for (const p of await loadDirectory(dir)) byId.set(p.id, p);
  return [...byId.values()];
}
