import { discoverBootEntries } from '../bootconfig/index.js';
import type { DetectRule, Profile } from './schema.js';
import { globPaths, type TreeView } from './tree-view.js';

export interface ProfileMatch {
  readonly profile: Profile;
  /** One line per rule that held, e.g. "found /casper/filesystem.squashfs". */
  readonly reasons: readonly string[];
  /** Release text from the profile's release rule, e.g. "Ubuntu 22.04.3 LTS". */
  readonly release: string | undefined;
  /**
   * Recognised only from the ISO's boot configuration (detect.bootArguments): the profile's file
   * rules that did not hold. Undefined for a full match.
   */
  readonly partial?: readonly string[];
}

interface RuleOutcome {
  readonly holds: boolean;
  readonly reason: string;
}

function evaluateRule(rule: DetectRule, view: TreeView): RuleOutcome {
  if ('exists' in rule) {
    const found = globPaths(view, rule.exists);
    return { holds: found.length > 0, reason: found.length > 0 ? `found ${found[0]}` : `no ${rule.exists}` };
  }
  for (const path of globPaths(view, rule.file)) {
    const text = view.readText(path);
    if (text !== undefined && rule.matches.test(text)) return { holds: true, reason: `${path} matches /${rule.matches.source}/` };
  }
  return { holds: false, reason: `no ${rule.file} matching /${rule.matches.source}/` };
}

/** Whether one profile matches, and why (or why not). */
export function evaluateProfile(profile: Profile, view: TreeView): { matched: boolean; reasons: string[]; missing: string[] } {
  if (profile.detect.all.length === 0 && profile.detect.any.length === 0) return { matched: false, reasons: [], missing: ['chosen only with --profile'] };
  const reasons: string[] = [];
  const missing: string[] = [];
  for (const rule of profile.detect.all) {
    const o = evaluateRule(rule, view);
    (o.holds ? reasons : missing).push(o.reason);
  }
  if (profile.detect.any.length > 0) {
    const outcomes = profile.detect.any.map((r) => evaluateRule(r, view));
    const held = outcomes.filter((o) => o.holds);
    if (held.length > 0) reasons.push(...held.map((o) => o.reason));
    else missing.push(`none of: ${outcomes.map((o) => o.reason.replace(/^no /, '')).join('; ')}`);
  }
  for (const rule of profile.detect.none) {
    const o = evaluateRule(rule, view);
    if (o.holds) missing.push(`excluded because ${o.reason}`);
  }
  return { matched: missing.length === 0, reasons, missing };
}

/**
 * The best matching profile: highest priority, then the one with more evidence,
 * then the id (so the choice never depends on file order).
 */
export function detectProfile(profiles: readonly Profile[], view: TreeView): ProfileMatch | undefined {
  const matches = profiles
    .map((profile) => ({ profile, ...evaluateProfile(profile, view) }))
    .filter((m) => m.matched)
    .sort((a, b) => b.profile.priority - a.profile.priority || b.reasons.length - a.reasons.length || (a.profile.id < b.profile.id ? -1 : 1));
  const best = matches[0];
  return best ? { profile: best.profile, reasons: best.reasons, release: releaseOf(best.profile, view) } : undefined;
}

/**
 * When no profile's file rules hold: the highest-priority profile whose detect.bootArguments appear
 * in the ISO's own boot entries (a release whose paths changed), with what failed. Unsupported and
 * manual profiles are not guessed.
 */
export function detectByBootConfig(profiles: readonly Profile[], view: TreeView): ProfileMatch | undefined {
  const candidates = profiles.filter((p) => p.detect.bootArguments.length > 0 && !p.detect.manual && p.method === 'linux');
  if (candidates.length === 0) return undefined;
  const entries = discoverBootEntries(view).entries;
  const hits = candidates
    .map((profile) => {
      for (const e of entries) {
        const token = e.append.find((a) => matchesArgument(profile.detect.bootArguments, a));
        if (token !== undefined) return { profile, reason: `${e.source.file}:${e.source.line}: '${e.label}' boots with ${token}` };
      }
      return undefined;
    })
    .filter((h) => h !== undefined)
    .sort((a, b) => b.profile.priority - a.profile.priority || (a.profile.id < b.profile.id ? -1 : 1));
  const best = hits[0];
  if (!best) return undefined;
  return { profile: best.profile, reasons: [best.reason], release: releaseOf(best.profile, view), partial: evaluateProfile(best.profile, view).missing };
}

/** "name=*" matches every "name=…" token; anything else must equal the token. */
export function matchesArgument(patterns: readonly string[], token: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? token.startsWith(p.slice(0, -1)) : token === p));
}

export function releaseOf(profile: Profile, view: TreeView): string | undefined {
  const rule = profile.release;
  if (!rule) return undefined;
  for (const path of globPaths(view, rule.file)) {
    const text = view.readText(path);
    if (text === undefined) continue;
    if (!rule.pattern) return text.split('\n')[0]!.trim() || undefined;
    const m = rule.pattern.exec(text);
    // A `version` group joins `release` when a file names the product and its version apart (Proxmox's .cd-info).
    if (m) return (m.groups?.release === undefined ? m[0] : [m.groups.release, m.groups.version].filter(Boolean).join(' ')).trim();
  }
  return undefined;
}

/** Explains a failed detection: what each profile looked for. Used in the "no profile matched" error. */
export function explainNoMatch(profiles: readonly Profile[], view: TreeView): string[] {
  return profiles
    .filter((p) => p.method === 'linux')
    .map((p) => `${p.id}: ${evaluateProfile(p, view).missing.join('; ')}`);
}
