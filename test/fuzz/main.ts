/**
 * npm run fuzz -- [--seconds N] [--seed S] [--cases K] [--findings DIR] [--replay N]
 *
 * Mutation fuzzer for the image reader: see fuzz.ts. Prints one summary line; exits 1
 * when anything was found (the inputs are in --findings, default ./fuzz-findings).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { defaultSeeds, formatSummary, fuzz } from './fuzz.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string' },
    findings: { type: 'string', default: 'fuzz-findings' },
    replay: { type: 'string' },
  },
});

const number = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} wants a whole number, not ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
};

const seeds = defaultSeeds();
if (seeds.length === 0) {
  process.stderr.write('fuzz: no seed images: build fixtures/out (bash fixtures/build.sh) or put the corpus at ../shared/corpus\n');
  process.exit(2);
}
const findings = resolve(values.findings!);
let last = performance.now();
const summary = await fuzz({
  seeds,
  seed: number('seed', values.seed)!,
  seconds: number('seconds', values.seconds)!,
  cases: number('cases', values.cases),
  replay: number('replay', values.replay),
  findings,
  onCase: (n, problems) => {
    for (const p of problems) process.stderr.write(`fuzz: case ${n}: ${p.class} in ${p.command}: ${p.detail}\n`);
    if (performance.now() - last > 60_000) {
      last = performance.now();
      process.stderr.write(`fuzz: ${n + 1} cases so far\n`);
    }
  },
});
process.stdout.write(`${formatSummary(summary)}\n`);
if (summary.findings.length > 0) process.stdout.write(`fuzz: ${summary.findings.length} failing inputs kept in ${findings}\n`);
process.exitCode = summary.findings.length > 0 ? 1 : 0;
