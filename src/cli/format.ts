/** Human-readable units for terminal output. Pure, so the progress line can be tested. */

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** RAM added to an ISO's size in the estimate of what a client holding it in RAM needs (memdisk, kiwi-live). */
export const ISO_RAM_MARGIN_MIB = 256;

/** "the whole ISO (1203 MiB) in RAM: clients need at least 1459 MiB (the ISO plus 256 MiB for what it boots)" */
export function isoInRam(bytes: number): string {
  const mib = Math.ceil(bytes / 2 ** 20);
  return `the whole ISO (${mib} MiB) in RAM: clients need at least ${mib + ISO_RAM_MARGIN_MIB} MiB (the ISO plus ${ISO_RAM_MARGIN_MIB} MiB for what it boots)`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressSample {
  readonly done: number;
  readonly total: number;
  readonly elapsedSeconds: number;
}

/** "[#######.............]  35%  1.20 GiB / 3.40 GiB  412 MiB/s  ETA 5s" */
export function formatProgress({ done, total, elapsedSeconds }: ProgressSample, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${Math.floor(fraction * 100)}`.padStart(3);
  return `${bar} ${pct}%  ${formatBytes(done)} / ${formatBytes(total)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`;
}
