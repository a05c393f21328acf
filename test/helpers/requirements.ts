import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

/**
 * Tests that need an outside tool or data skip with a clear message on a user's
 * machine. In CI (.ci/run sets PXE_IMPORT_REQUIRE_ALL=1) a missing requirement is
 * a failing test instead, so a missing install step cannot turn CI green by skipping.
 */
const required = process.env.PXE_IMPORT_REQUIRE_ALL === '1';
const reported = new Set<string>();

/** Returns false when the requirement holds, else the skip message (or registers a failure in CI). */
export function requirement(name: string, holds: boolean, why: string): false | string {
  if (holds) return false;
  if (required) {
    if (!reported.has(name)) {
      reported.add(name);
      test(`requirement: ${name}`, () => {
        throw new Error(`${why} (PXE_IMPORT_REQUIRE_ALL=1: missing requirements fail instead of skipping)`);
      });
    }
    return false;
  }
  return why;
}

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
