/**
 * Whether a process with this pid exists. Lock files and staging directories carry their
 * owner's pid, so that what a killed run left can be told from what a running one holds.
 * EPERM means the process exists but belongs to another user: alive.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
