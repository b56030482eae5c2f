import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * One long run made of parts (docs/reliability.md "Long run"): histories are independent and history
 * `i` of a part plays seed `base + i`, so parts that played the same commit, the same options and
 * disjoint seed ranges, each to its end, add up to one run — on several machines, or on one machine
 * over several days. `npm run reliability:combine -- part1.json part2.json … [--out run.json]`.
 */

/** The fields of a part's summary (long-run.ts `--out`) that combining reads. */
export interface PartSummary {
  histories: number;
  requested: number;
  steps: number;
  faults: Record<string, number>;
  violations: Record<string, number>;
  seeds: { base: number; failing: { seed: number; invariants: string[] }[] };
  maxSteps: number;
  without: string[];
  companies: boolean;
  durationSeconds: number;
  interrupted: boolean;
  machine: unknown;
  loadAverage: unknown;
  code?: { commit: string; dirty: boolean };
}

/** The combined run: the long run's summary fields, with the parts' seed ranges. */
export interface CombinedRun {
  histories: number;
  steps: number;
  faults: Record<string, number>;
  violations: Record<string, number>;
  seeds: { ranges: { base: number; histories: number }[]; failing: { seed: number; invariants: string[] }[] };
  maxSteps: number;
  without: string[];
  companies: boolean;
  commit: string;
  parts: {
    base: number;
    histories: number;
    durationSeconds: number;
    machine: unknown;
    loadAverage: unknown;
  }[];
  durationSeconds: number;
}

const SEEDS = 2 ** 31;

/** Combines parts, or throws saying which part cannot belong to the run and why. */
export function combineParts(parts: readonly PartSummary[]): CombinedRun {
  if (parts.length === 0) throw new Error('no parts: name the summaries (--out files) to combine');
  const first = parts[0]!;
  const commit = first.code?.commit ?? 'unknown';
  parts.forEach((p, i) => {
    const name = `part ${i + 1} (seed ${p.seeds.base})`;
    if (p.interrupted || p.histories !== p.requested)
      throw new Error(
        `${name} ran ${p.histories} of ${p.requested} histories: only a part run to its end counts; run it again`,
      );
    if (!p.code || p.code.commit === 'unknown' || p.code.dirty)
      throw new Error(`${name} did not play a clean commit: run parts from a checkout without local changes`);
    if (p.code.commit !== commit)
      throw new Error(
        `${name} played ${p.code.commit}, part 1 played ${commit}: a run's parts play one commit`,
      );
    const same =
      p.maxSteps === first.maxSteps &&
      p.companies === first.companies &&
      [...p.without].sort().join(',') === [...first.without].sort().join(',');
    if (!same) throw new Error(`${name} has other options (--steps, --without, --companies) than part 1`);
  });
  const ranges = parts.map((p) => ({ base: p.seeds.base, histories: p.requested }));
  const overlap = overlapping(ranges);
  if (overlap)
    throw new Error(
      `parts with seeds ${overlap[0]} and ${overlap[1]} play some seeds twice: give each part its own range`,
    );
  const sum = (pick: (p: PartSummary) => Record<string, number>) =>
    parts.reduce<Record<string, number>>((acc, p) => {
      for (const [k, n] of Object.entries(pick(p))) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {});
  return {
    histories: parts.reduce((n, p) => n + p.histories, 0),
    steps: parts.reduce((n, p) => n + p.steps, 0),
    faults: sum((p) => p.faults),
    violations: sum((p) => p.violations),
    seeds: { ranges, failing: parts.flatMap((p) => p.seeds.failing) },
    maxSteps: first.maxSteps,
    without: first.without,
    companies: first.companies,
    commit,
    parts: parts.map((p) => ({
      base: p.seeds.base,
      histories: p.histories,
      durationSeconds: p.durationSeconds,
      machine: p.machine,
      loadAverage: p.loadAverage,
    })),
    durationSeconds: parts.reduce((n, p) => n + p.durationSeconds, 0),
  };
}

/** Two ranges (by base) that share a seed, seeds counted modulo 2^31 as the workers do. */
function overlapping(ranges: readonly { base: number; histories: number }[]): [number, number] | undefined {
  const spans = ranges.flatMap(({ base, histories }) => {
    const end = base + histories;
    return end <= SEEDS
      ? [{ base, from: base, to: end }]
      : [
          { base, from: base, to: SEEDS },
          { base, from: 0, to: end - SEEDS },
        ];
  });
  spans.sort((a, b) => a.from - b.from);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.from < spans[i - 1]!.to) return [spans[i - 1]!.base, spans[i]!.base];
  }
  return undefined;
}

if (process.argv[1]?.endsWith('combine.ts')) {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
  let run: CombinedRun;
  try {
    run = combineParts(positionals.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PartSummary));
  } catch (e) {
    process.stderr.write(`reliability:combine: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const json = `${JSON.stringify(run, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, json);
  process.stdout.write(json);
  const violations = Object.values(run.violations).reduce((a, b) => a + b, 0);
  process.exitCode = violations > 0 ? 1 : 0;
}
