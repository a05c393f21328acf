/**
 * The fuzz loop: pick a seed image, mutate its metadata, check inspect and extract on
 * the mutant, keep what fails. Case n of seed s is always the same image, so any finding
 * can be replayed (`npm run fuzz -- --seed S --replay N`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS, FIXTURES } from '../helpers/paths.js';
import { caseSeed, mutate, Rng } from './mutate.js';
import { checkImage, DEFAULT_LIMITS, type Limits, type Problem, type ProblemClass, type RunResult } from './oracle.js';
import { locateStructures, type ImageStructures } from './structures.js';

/** Larger seeds spend the time budget on file data, not metadata (many-entries.iso takes 3 s unmutated). */
const MAX_SEED_BYTES = 8 * 1024 * 1024;

/**
 * Seed images in groups (fixtures made by fixtures/build.sh, the distro stand-ins, the
 * third-party corpus); a case picks a group, then an image, so no group crowds out another.
 */
export function defaultSeeds(): string[][] {
  const list = (dir: string, pattern: RegExp) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => pattern.test(n))
          .map((n) => join(dir, n))
          .filter((p) => statSync(p).isFile() && statSync(p).size <= MAX_SEED_BYTES)
          .sort()
      : [];
  const corpus = ['debian', 'libarchive', 'libcdio'].flatMap((d) => list(join(CORPUS, 'images', d), /\.iso(\.gz)?$/));
  return [list(FIXTURES, /\.iso$/), list(join(FIXTURES, 'distros'), /\.iso$/), corpus].filter((g) => g.length > 0);
}

function loadSeed(path: string): Buffer {
  const data = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(data) : data;
}

export interface FuzzOptions {
  readonly seeds: readonly (readonly string[])[];
  readonly seed: number;
  /** Stop after this long… */
  readonly seconds: number;
  /** …or after this many cases. */
  readonly cases?: number;
  /** Run only this case, and keep its scratch directory. */
  readonly replay?: number;
  /** Failing inputs are kept here, with a .json note each. */
  readonly findings: string;
  readonly limits?: Limits;
  readonly onCase?: (n: number, problems: readonly Problem[]) => void;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly images: number;
  readonly runs: number;
  readonly seconds: number;
  readonly counts: Record<ProblemClass, number>;
  /** Hangs or memory not seen again when the case was run a second time (a busy machine). */
  readonly unconfirmed: number;
  readonly refused: number;
  readonly peakRssKiB: number;
  readonly peakRssCase: number | undefined;
  readonly slowestMs: number;
  readonly slowestCase: number | undefined;
  readonly findings: readonly string[];
}

const CLASSES: readonly ProblemClass[] = ['crash', 'hang', 'memory', 'outside-write', 'unsafe-entry', 'leftover', 'unclear'];

/** A timing or memory problem alone may be the machine's; run the case once more before calling it a finding. */
const needsConfirmation = (problems: readonly Problem[]) => problems.length > 0 && problems.every((p) => p.class === 'hang' || p.class === 'memory');

export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const structures = new Map<string, ImageStructures>();
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ProblemClass, number>;
  const findings: string[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'pxe-import-fuzz-'));
  const started = performance.now();
  let images = 0;
  let runs = 0;
  let refused = 0;
  let unconfirmed = 0;
  let peakRssKiB = 0;
  let peakRssCase: number | undefined;
  let slowestMs = 0;
  let slowestCase: number | undefined;
  const record = (n: number, rs: readonly RunResult[]) => {
    for (const r of rs) {
      runs++;
      if ((r.rssKiB ?? 0) > peakRssKiB) [peakRssKiB, peakRssCase] = [r.rssKiB!, n];
      if (r.ms > slowestMs) [slowestMs, slowestCase] = [r.ms, n];
    }
  };
  try {
    for (let n = options.replay ?? 0; ; n++) {
      if (options.replay !== undefined ? n > options.replay : (performance.now() - started) / 1000 >= options.seconds || (options.cases !== undefined && n >= options.cases)) break;
      const rng = new Rng(caseSeed(options.seed, n));
      const seedPath = rng.pick(rng.pick(options.seeds));
      const original = loadSeed(seedPath);
      let found = structures.get(seedPath);
      if (!found) structures.set(seedPath, (found = locateStructures(original)));
      const mutant = Buffer.from(original);
      const mutations = mutate(mutant, found, rng);
      const watch = [...new Set([...found.absoluteTargets, ...locateStructures(mutant).absoluteTargets])];

      const caseDir = join(scratch, `case-${n}`);
      mkdirSync(caseDir);
      let verdict = await checkImage(mutant, caseDir, watch, limits);
      record(n, verdict.runs);
      if (needsConfirmation(verdict.problems)) {
        rmSync(caseDir, { recursive: true, force: true });
        mkdirSync(caseDir);
        const again = await checkImage(mutant, caseDir, watch, limits);
        record(n, again.runs);
        if (again.problems.length === 0) {
          unconfirmed++;
          verdict = again;
        }
      }
      images++;
      if (verdict.runs.some((r) => r.code === 1)) refused++;
      for (const cls of new Set(verdict.problems.map((p) => p.class))) counts[cls]++;
      if (verdict.problems.length > 0) {
        const name = `${verdict.problems[0]!.class}-${options.seed}-${n}`;
        mkdirSync(options.findings, { recursive: true });
        writeFileSync(join(options.findings, `${name}.iso`), mutant);
        const note = {
          seed: options.seed,
          case: n,
          replay: `npm run fuzz -- --seed ${options.seed} --replay ${n}`,
          seedImage: seedPath,
          mutations,
          problems: verdict.problems,
          runs: verdict.runs.map((r) => ({ ...r, stderr: r.stderr.slice(0, 4000) })),
        };
        writeFileSync(join(options.findings, `${name}.json`), `${JSON.stringify(note, null, 2)}\n`);
        findings.push(join(options.findings, `${name}.iso`));
      }
      options.onCase?.(n, verdict.problems);
      if (options.replay !== undefined) {
        process.stdout.write(`${JSON.stringify({ case: n, seedImage: basename(seedPath), mutations, problems: verdict.problems, runs: verdict.runs, kept: caseDir }, null, 2)}\n`);
      } else rmSync(caseDir, { recursive: true, force: true });
    }
  } finally {
    if (options.replay === undefined) rmSync(scratch, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    images,
    runs,
    seconds: Math.round((performance.now() - started) / 1000),
    counts,
    unconfirmed,
    refused,
    peakRssKiB,
    peakRssCase,
    slowestMs: Math.round(slowestMs),
    slowestCase,
    findings,
  };
}

/** The one summary line. */
export function formatSummary(s: FuzzSummary): string {
  const c = s.counts;
  return (
    `fuzz: seed ${s.seed}: ${s.images} images (${s.runs} runs) in ${s.seconds} s: ${c.crash} crashes, ${c.hang} hangs, ${c.memory} over memory, ` +
    `${c['outside-write']} outside writes, ${c['unsafe-entry']} unsafe entries, ${c.leftover} leftovers, ${c.unclear} unclear messages; ` +
    `${s.refused} refused cleanly; peak RSS ${Math.round(s.peakRssKiB / 1024)} MB (case ${s.peakRssCase}); slowest run ${s.slowestMs} ms (case ${s.slowestCase})` +
    (s.unconfirmed ? `; ${s.unconfirmed} slow once, fine when run again` : '')
  );
}
