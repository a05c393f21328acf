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
  const profiles: Profile[] = [];
  const ids = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const profile = parseProfile(await readFile(file, 'utf8'), file);
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
