/**
 * Preloaded into each CLI run the fuzzer makes (node --import): at exit, writes the
 * process's peak resident set size (KiB, worker threads included) and CPU time (ms) to
 * the descriptor PXE_IMPORT_FUZZ_PROBE_FD, a pipe the fuzzer opened. A run killed by a
 * signal reports nothing.
 *
 * The peak is VmHWM, the high-water mark of this program's own memory. getrusage's
 * ru_maxrss is no good here: Linux carries it across execve, so a child would report the
 * fuzzer's own size at the moment it forked whenever that is larger.
 */
import { readFileSync, writeSync } from 'node:fs';

function peakRssKiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // No /proc: fall back to getrusage, an upper bound.
  }
  return process.resourceUsage().maxRSS;
}

const fd = Number(process.env.PXE_IMPORT_FUZZ_PROBE_FD);
if (Number.isInteger(fd) && fd > 2) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeSync(fd, `${peakRssKiB()} ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
  });
}
