/**
 * `pxe-import serve --dhcp proxy|full`: real dnsmasq, supervised. serve writes the configuration
 * `pxe-import dhcp` renders (src/server/dhcp.ts) to the root's private folder, runs dnsmasq in the
 * foreground with its log on a pipe, starts it again when it dies (after 1, 2, 4 … 30 s; a run
 * that lasted a minute resets the delay), and stops it with the server. Its log lines are passed
 * on, and the DHCP/TFTP ones are parsed (pure: {@link parseDnsmasqLine}) for the boot log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileAtomic } from './fs-atomic.js';

/** What a dnsmasq log line says about a client, when it says anything. */
export type DnsmasqEvent =
  /** A DHCP or PXE answer naming the client's MAC (and its address when it has one). */
  | { readonly kind: 'dhcp'; readonly mac: string; readonly client: string | undefined }
  /** A file sent over TFTP. */
  | { readonly kind: 'tftp'; readonly file: string; readonly client: string };

const DHCP_LINE = /^dnsmasq-dhcp(?:\[\d+\])?: (?:\d+ )?(?:DHCPACK|PXE)\([^)]*\) (?:(\d{1,3}(?:\.\d{1,3}){3}) )?((?:[0-9a-f]{2}:){5}[0-9a-f]{2})\b/i;
const TFTP_LINE = /^dnsmasq-tftp(?:\[\d+\])?: sent (\S+) to (\d{1,3}(?:\.\d{1,3}){3})$/;

/** Parses one line of dnsmasq's log (`--log-facility=-`, `--log-dhcp`). */
export function parseDnsmasqLine(line: string): DnsmasqEvent | undefined {
  const d = DHCP_LINE.exec(line);
  if (d) return { kind: 'dhcp', mac: d[2]!.toLowerCase(), client: d[1] };
  const t = TFTP_LINE.exec(line.trimEnd());
  if (t) return { kind: 'tftp', file: t[1]!, client: t[2]! };
  return undefined;
}

/** Seconds before the n-th restart in a row (n = 1, 2, …). */
export function restartDelay(n: number): number {
  return Math.min(30, 2 ** Math.max(0, n - 1));
}

/** A run at least this long (ms) counts as healthy: the next failure starts the delays again. */
const HEALTHY_RUN_MS = 60_000;

export interface DnsmasqOptions {
  /** The configuration text (renderDnsmasq). */
  readonly config: string;
  /** Where it is written. */
  readonly file: string;
  readonly leaseFile: string;
  readonly binary?: string;
  /** serve's log: starts, exits, restarts and dnsmasq's own lines. */
  readonly log: (line: string) => void;
  readonly onEvent: (event: DnsmasqEvent) => void;
}

export interface Dnsmasq {
  /** The running dnsmasq's pid, if one runs. */
  pid(): number | undefined;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and starts no other. */
  stop(): Promise<void>;
}

export async function superviseDnsmasq(options: DnsmasqOptions): Promise<Dnsmasq> {
  await writeFileAtomic(options.file, options.config);
  const binary = options.binary ?? 'dnsmasq';
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const start = (): void => {
    const started = Date.now();
    // --user=root: the root may be readable by root only; dnsmasq would otherwise drop to its user.
    const args = ['--keep-in-foreground', `--conf-file=${options.file}`, '--log-facility=-', '--log-dhcp', `--dhcp-leasefile=${options.leaseFile}`, '--pid-file=', '--user=root'];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        options.log(line);
        const event = parseDnsmasqLine(line);
        if (event) options.onEvent(event);
      });
    }
    proc.once('spawn', () => options.log(`dnsmasq started (pid ${proc.pid}) with ${options.file}`));
    proc.once('error', (e) => options.log(`dnsmasq: cannot run ${binary}: ${e.message}`));
    proc.once('close', (code, signal) => {
      if (child === proc) child = undefined;
      if (stopping) return;
      failures = Date.now() - started >= HEALTHY_RUN_MS ? 1 : failures + 1;
      const delay = restartDelay(failures);
      options.log(`dnsmasq exited (${signal ?? `code ${code}`}); starting it again in ${delay} s`);
      timer = setTimeout(start, delay * 1000);
    });
  };
  start();

  return {
    pid: () => child?.pid,
    stop: async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(kill);
    },
  };
}
