/**
 * Runs `pxe-import inspect` and `pxe-import extract` on one image, each in a child process
 * inside a scratch directory, and says what went wrong: a crash (exit 70 or a signal), a
 * hang (over the timeout), memory (peak RSS over the limit), a write outside the target,
 * something left behind by a refused extraction, or a refusal that is not one line naming
 * the image.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, REPO_ROOT } from '../helpers/paths.js';

export interface Limits {
  /** A run is killed, and counted as a hang, after this long. */
  readonly timeoutMs: number;
  readonly maxRssKiB: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 5000, maxRssKiB: 200 * 1024 };

export type ProblemClass = 'crash' | 'hang' | 'memory' | 'outside-write' | 'unsafe-entry' | 'leftover' | 'unclear';

export interface Problem {
  readonly class: ProblemClass;
  readonly command: 'inspect' | 'extract';
  readonly detail: string;
}

export interface RunResult {
  readonly command: 'inspect' | 'extract';
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly ms: number;
  /** Undefined when the run did not exit by itself (killed). */
  readonly rssKiB: number | undefined;
  readonly cpuMs: number | undefined;
  readonly stderr: string;
}

export interface Verdict {
  readonly runs: readonly RunResult[];
  readonly problems: readonly Problem[];
}

const PROBE = pathToFileURL(join(REPO_ROOT, 'dist/test/fuzz/rss-probe.js')).href;
/** A runaway run is killed at this multiple of the RSS limit, not left to take the machine's memory. */
const RSS_KILL_FACTOR = 4;
const MAX_STDERR = 256 * 1024;

function runCli(command: 'inspect' | 'extract', args: string[], cwd: string, tmp: string, limits: Limits): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', PROBE, CLI, command, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp, PXE_IMPORT_FUZZ_PROBE_FD: '3', NO_COLOR: '1' },
    });
    let stderr = '';
    let probe = '';
    let timedOut = false;
    let overMemory = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
    });
    child.stdio[3]!.on('data', (d: Buffer) => (probe += d.toString('latin1')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limits.timeoutMs);
    const watch = setInterval(() => {
      try {
        const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'))?.[1]);
        if (rss > limits.maxRssKiB * RSS_KILL_FACTOR) {
          overMemory = true;
          child.kill('SIGKILL');
        }
      } catch {
        // Gone already, or no /proc: the probe's figure is what counts.
      }
    }, 100);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      const [rss, cpu] = probe.trim().split(' ').map(Number);
      resolve({
        command,
        code,
        signal: overMemory ? 'SIGKILL (over memory)' : signal,
        timedOut,
        ms: performance.now() - started,
        rssKiB: overMemory ? limits.maxRssKiB * RSS_KILL_FACTOR : rss,
        cpuMs: cpu,
        stderr,
      });
    });
  });
}

/** What a run's exit, time, memory and messages say. */
function judge(r: RunResult, image: string, limits: Limits): Problem[] {
  const problems: Problem[] = [];
  const p = (cls: ProblemClass, detail: string) => problems.push({ class: cls, command: r.command, detail });
  const firstLine = r.stderr.split('\n').find((l) => !l.startsWith('pxe-import: warning: ')) ?? '';
  if (r.timedOut) p('hang', `killed after ${limits.timeoutMs} ms`);
  else if (r.ms > limits.timeoutMs) p('hang', `took ${Math.round(r.ms)} ms`);
  if (r.rssKiB !== undefined && r.rssKiB > limits.maxRssKiB) p('memory', `peak RSS ${Math.round(r.rssKiB / 1024)} MB`);
  if (!r.timedOut && r.signal) p('crash', `killed by ${r.signal}`);
  else if (!r.timedOut && r.code !== 0 && r.code !== 1) p('crash', `exit ${r.code}: ${firstLine.slice(0, 300)}`);
  if (r.timedOut || r.signal || (r.code !== 0 && r.code !== 1)) return problems;
  if (r.stderr.length >= MAX_STDERR) return problems; // cut short: its last line may be cut too
  const text = r.stderr.endsWith('\n') ? r.stderr.slice(0, -1) : r.stderr;
  const lines = text === '' ? [] : text.split('\n');
  const stray = lines.find((l) => !l.startsWith('pxe-import: '));
  if (stray !== undefined) p('unclear', `a message runs over more than one line: ${JSON.stringify(stray.slice(0, 200))}`);
  if (r.code === 1) {
    const error = lines.filter((l) => !l.startsWith('pxe-import: warning: '));
    if (error.length !== 1) p('unclear', `${error.length} error lines`);
    else if (!error[0]!.startsWith(`pxe-import: ${image}: `)) p('unclear', `the refusal does not name the image: ${error[0]!.slice(0, 200)}`);
  }
  return problems;
}

interface Snapshot {
  readonly exists: boolean;
  readonly mtimeMs: number;
  readonly size: number;
}

/** A directory's time and size change whenever anyone on the machine makes a file in it (/tmp): only its existence counts. */
function snapshot(path: string): Snapshot {
  try {
    const st = lstatSync(path);
    return st.isDirectory() ? { exists: true, mtimeMs: 0, size: 0 } : { exists: true, mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return { exists: false, mtimeMs: 0, size: 0 };
  }
}

const same = (a: Snapshot, b: Snapshot) => a.exists === b.exists && a.mtimeMs === b.mtimeMs && a.size === b.size;

/** Every entry of an extracted tree must be a file, directory or symlink, and no file may share an inode with one outside it. */
function checkTree(root: string): string[] {
  const bad: string[] = [];
  const links = new Map<number, { nlink: number; seen: number; path: string }>();
  const stack = [''];
  let count = 0;
  while (stack.length > 0 && count++ < 200_000) {
    const rel = stack.pop()!;
    for (const name of readdirSync(join(root, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) stack.push(path);
      else if (st.isFile()) {
        const l = links.get(st.ino) ?? { nlink: st.nlink, seen: 0, path };
        l.seen++;
        links.set(st.ino, l);
      } else if (!st.isSymbolicLink()) bad.push(`${JSON.stringify(path)} is not a file, directory or symlink`);
    }
  }
  for (const l of links.values()) if (l.nlink !== l.seen) bad.push(`${JSON.stringify(l.path)} has ${l.nlink} links, ${l.seen} of them in the target`);
  return bad;
}

/**
 * Checks one image. `caseDir` must be a new empty directory; the image is written there
 * as image.iso. `watch` are absolute paths outside it where an escaping write could land
 * (the image's absolute symlink targets): they must not change either.
 */
export async function checkImage(bytes: Uint8Array, caseDir: string, watch: readonly string[], limits: Limits = DEFAULT_LIMITS): Promise<Verdict> {
  const image = join(caseDir, 'image.iso');
  const work = join(caseDir, 'work');
  const tmp = join(caseDir, 'tmp');
  const canary = join(caseDir, 'canary');
  writeFileSync(image, bytes);
  writeFileSync(canary, 'must not change\n');
  mkdirSync(work);
  mkdirSync(tmp);
  const before = new Map([image, canary, ...watch].map((p) => [p, snapshot(p)]));

  const runs: RunResult[] = [];
  const problems: Problem[] = [];
  for (const [command, args] of [
    ['inspect', ['--json', image]],
    ['extract', ['--quiet', image, 'out']],
  ] as const) {
    const r = await runCli(command, [...args], work, tmp, limits);
    runs.push(r);
    problems.push(...judge(r, image, limits));
    const p = (cls: ProblemClass, detail: string) => problems.push({ class: cls, command, detail });
    for (const [path, snap] of before) if (!same(snap, snapshot(path))) p('outside-write', `${path} changed`);
    const top = readdirSync(caseDir).sort();
    const unexpected = top.filter((n) => !['canary', 'image.iso', 'tmp', 'work'].includes(n));
    if (unexpected.length) p('outside-write', `beside the target: ${unexpected.join(', ')}`);
    if (readdirSync(tmp).length) p('outside-write', `in TMPDIR: ${readdirSync(tmp).join(', ')}`);
    const inWork = readdirSync(work);
    if (command === 'extract' && r.code === 0) {
      if (inWork.join() !== 'out' || !statSync(join(work, 'out')).isDirectory()) p('outside-write', `beside the target: ${inWork.join(', ')}`);
      else for (const b of checkTree(join(work, 'out'))) p('unsafe-entry', b);
    } else if (inWork.length) p(command === 'extract' ? 'leftover' : 'outside-write', `left in the working directory: ${inWork.join(', ')}`);
  }
  return { runs, problems };
}
