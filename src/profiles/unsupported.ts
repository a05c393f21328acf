import { PxeError } from '../errors.js';
import type { Analysis } from './index.js';

// A module of its own: the import plan uses it, and an unchanged re-import must not load the profile code.
/**
 * The refusal for an ISO whose family cannot boot over the network: one line naming the image,
 * the profile and its reason; undefined when the analysis has entries to import.
 */
export function unsupportedError(analysis: Analysis, image: string): PxeError | undefined {
  const { profile } = analysis.match;
  if (profile.method !== 'unsupported') return undefined;
  return new PxeError(
    'PROFILE_UNSUPPORTED',
    `${image}: recognised as ${profile.name} (profile ${profile.id}${analysis.match.release ? `, ${analysis.match.release}` : ''}), which cannot boot over the network: ${profile.reason ?? 'no reason given'}. Nothing was imported.`,
    { file: image },
  );
}
