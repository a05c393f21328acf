/**
 * Preloaded into each CLI run the fuzzer makes (node --import): at exit, writes the
 * process's peak resident set size (KiB, worker threads included) and CPU time (ms) to
 * descriptor 3, which the fuzzer opened as a pipe. A run killed by a signal reports nothing.
 */
import { writeSync } from 'node:fs';

const fd = Number(process.env.PXE_IMPORT_FUZZ_PROBE_FD);
if (Number.isInteger(fd) && fd > 2) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeSync(fd, `${usage.maxRSS} ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
  });
}
