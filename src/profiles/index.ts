/**
 * Stage two of the pipeline: tree -> boot entries. `analyzeImage` detects the
 * distribution family of an opened ISO and plans its network-boot entries.
 */
import { PxeError, type Warning } from '../errors.js';
import type { ImageTree } from '../iso9660/image.js';
import { detectByBootConfig, detectProfile, evaluateProfile, explainNoMatch, releaseOf, type ProfileMatch } from './detect.js';
import { planBootEntries, type EntryPlan, type ServeContext } from './entries.js';
import type { Profile } from './schema.js';
import { treeViewOf, type TreeView } from './tree-view.js';

export type { BootEntry } from './boot-entry.js';
export type { ProfileMatch } from './detect.js';
export type { EntryPlan, ServeContext } from './entries.js';
export { loadProfiles, BUILTIN_PROFILES } from './load.js';
export type { Profile } from './schema.js';
export { parseProfile } from './schema.js';
export { treeViewFrom, treeViewOf, type TreeView } from './tree-view.js';
export { detectProfile, planBootEntries };
export { unsupportedError } from './unsupported.js';

export interface Analysis {
  readonly match: ProfileMatch;
  readonly plan: EntryPlan;
}

export interface AnalyzeOptions {
  readonly profiles: readonly Profile[];
  /** Use this profile id instead of detecting one (--profile). */
  readonly profileId?: string;
  readonly serve: ServeContext;
}

/** Detect (or take the forced) profile and plan the entries; a clear error when nothing fits. */
export function analyzeView(view: TreeView, image: string, options: AnalyzeOptions): Analysis {
  let match: ProfileMatch | undefined;
  if (options.profileId !== undefined) {
    const profile = options.profiles.find((p) => p.id === options.profileId);
    if (!profile) {
      throw new PxeError('USAGE', `--profile: no profile "${options.profileId}" (known: ${options.profiles.map((p) => p.id).sort().join(', ')})`);
    }
    const evaluation = evaluateProfile(profile, view);
    match = { profile, reasons: ['chosen with --profile', ...evaluation.reasons], release: releaseOf(profile, view) };
  } else {
    // File rules first; then the boot configuration, for a release that moved its files.
    match = detectProfile(options.profiles, view) ?? detectByBootConfig(options.profiles, view);
  }
  if (!match) {
    const looked = explainNoMatch(options.profiles, view).map((l) => `  ${l}`).join('\n');
    throw new PxeError(
      'PROFILE_NO_MATCH',
      `${image}: no profile recognises this ISO; use --profile memdisk (the whole ISO in RAM, BIOS) or --profile sanboot (iPXE reads the whole ISO over HTTP; needs --http-base) to boot it whole, or add a profile with --profiles DIR. Looked for:\n${looked}`,
      { file: image },
    );
  }
  let plan = planBootEntries(match.profile, view, options.serve);
  if (match.partial !== undefined) {
    const warning: Warning = {
      code: 'PROFILE_PARTIAL_MATCH',
      message: `recognised as ${match.profile.id} only from its boot configuration (${match.reasons.join('; ')}); the profile's file rules do not hold (${match.partial.join('; ')}): a release that moved its files, check the entries before relying on them`,
    };
    plan = { ...plan, warnings: [warning, ...plan.warnings] };
  }
  // An unsupported family has no entry by design: its analysis (with the reason) is what inspect
  // shows, and what import refuses with (unsupportedError).
  if (plan.entries.length === 0 && match.profile.method !== 'unsupported') {
    const seen = plan.dropped.length > 0 ? ` Entries seen in it and why each was left out:\n${plan.dropped.map((l) => `  ${l}`).join('\n')}` : ' It has no boot entries.';
    throw new PxeError(
      'PROFILE_NO_MATCH',
      `${image}: profile ${match.profile.id} matched but found no kernel (looked in the ISO's boot configuration and for ${match.profile.boot.kernel.join(', ') || 'nothing'}).${seen}`,
      { file: image },
    );
  }
  return { match, plan };
}

export async function analyzeImage(image: ImageTree, options: AnalyzeOptions): Promise<Analysis> {
  return analyzeView(await treeViewOf(image), image.source.name, options);
}
