/**
 * Our side of the HPO benchmark: GP-EI (`suggest`, sequential, batch size 1) and random search (`randomSearch`) on
 * the five test functions, every arm starting from the same 10-point design per function and seed (written to
 * .mlops/bench/hpo/initial-<fn>-<seed>.json for the Optuna peer). Then the suggestion time of `suggest` on synthetic
 * Hartmann6 histories of 200 and 500 points (written for the peer as history-hartmann6-<n>.json).
 * Writes .mlops/bench/hpo/ours.json. Usage: node --import tsx bench/hpo/run-ours.ts [designs|runs|timing|all]
 * ("designs" only writes the initial designs, so the peer can start in parallel with "runs").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Observation, randomSearch, Rng, suggest, type SuggestInput, type SuggestResult } from '../../lib/hpo';
import {
  type ArmResults,
  type History,
  type InitialDesign,
  N_INITIAL,
  OUT_DIR,
  readJson,
  type RunResult,
  seeds,
  TIMING_REPETITIONS,
  TIMING_SIZES,
  type TimingResult,
  writeJson,
} from './common';
import { evaluate, FUNCTIONS, searchSpace, type TestFunction, toParams } from './functions';

const ARMS: Record<string, (input: SuggestInput) => SuggestResult> = {
  'ours GP-EI': suggest,
  'ours random': randomSearch,
};

/** Latin hypercube of `n` points in the function's domain, from its own seeded stream. */
export function latinHypercube(fn: TestFunction, n: number, seed: number): number[][] {
  const rng = new Rng(seed, FUNCTIONS.indexOf(fn), 0x1a7e);
  const columns = fn.bounds.map(([low, high]) => {
    const strata = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [strata[i], strata[j]] = [strata[j], strata[i]];
    }
    return strata.map((s) => low + ((s + rng.uniform()) / n) * (high - low));
  });
  return Array.from({ length: n }, (_, i) => columns.map((column) => column[i]));
}

function initialDesign(fn: TestFunction, seed: number): InitialDesign {
  const points = latinHypercube(fn, N_INITIAL, seed);
  const design = { fn: fn.name, seed, points, values: points.map((x) => fn.f(x)) };
  writeJson(`initial-${fn.name}-${seed}.json`, design);
  return design;
}

function runArm(fn: TestFunction, seed: number, arm: string, design: InitialDesign): RunResult {
  const space = searchSpace(fn);
  const optimiser = ARMS[arm];
  const observations: Observation[] = design.points.map((x, i) => ({ params: toParams(x), loss: design.values[i] }));
  const suggestMs: RunResult['suggestMs'] = [];
  while (observations.length < fn.budget) {
    const start = performance.now();
    const result = optimiser({ space, observations, seed });
    suggestMs.push({ n: observations.length, ms: performance.now() - start });
    const params = result.suggestions[0].params;
    observations.push({ params, loss: evaluate(fn, params) });
  }
  let best = Infinity;
  return {
    fn: fn.name,
    seed,
    arm,
    best: observations.map((o) => (best = Math.min(best, o.loss as number))),
    suggestMs,
  };
}

/** A fixed synthetic history of `n` uniform random points (the same file feeds the peer). */
function history(fn: TestFunction, n: number): History {
  const rng = new Rng(0x5eed, n);
  const points = Array.from({ length: n }, () => fn.bounds.map(([low, high]) => low + rng.uniform() * (high - low)));
  const h = { fn: fn.name, points, values: points.map((x) => fn.f(x)) };
  writeJson(`history-${fn.name}-${n}.json`, h);
  return h;
}

function timing(): TimingResult[] {
  const fn = FUNCTIONS.find((f) => f.name === 'hartmann6')!;
  const space = searchSpace(fn);
  const results: TimingResult[] = [];
  for (const n of TIMING_SIZES) {
    const h = history(fn, n);
    const observations = h.points.map((x, i) => ({ params: toParams(x), loss: h.values[i] }));
    if (n === TIMING_SIZES[0]) suggest({ space, observations, seed: 0 }); // warm-up, not counted
    const ms: number[] = [];
    for (let rep = 1; rep <= TIMING_REPETITIONS[n]; rep++) {
      const start = performance.now();
      suggest({ space, observations, seed: rep });
      ms.push(performance.now() - start);
    }
    console.log(`  suggest at n=${n}: ${ms.map((v) => v.toFixed(0)).join(', ')} ms`);
    results.push({ arm: 'ours GP-EI', n, ms });
  }
  return results;
}

function main(): void {
  const mode = process.argv[2] ?? 'all';
  if (mode === 'designs') {
    for (const seed of seeds()) for (const fn of FUNCTIONS) initialDesign(fn, seed);
    console.log(`wrote ${seeds().length * FUNCTIONS.length} initial designs to ${OUT_DIR}`);
    return;
  }
  if (!['runs', 'timing', 'all'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const file = join(OUT_DIR, 'ours.json');
  const previous: ArmResults | undefined = existsSync(file) ? readJson<ArmResults>('ours.json') : undefined;
  const out: ArmResults = {
    versions: { node: process.version },
    seeds: seeds(),
    runs: mode === 'timing' ? (previous?.runs ?? []) : [],
    timing: mode === 'runs' ? (previous?.timing ?? []) : [],
  };
  if (mode === 'runs' || mode === 'all') {
    const started = performance.now();
    for (const seed of out.seeds) {
      for (const fn of FUNCTIONS) {
        const design = initialDesign(fn, seed);
        for (const arm of Object.keys(ARMS)) out.runs.push(runArm(fn, seed, arm, design));
      }
      writeJson('ours.json', out);
      console.log(`  seed ${seed} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  if (mode === 'timing' || mode === 'all') out.timing = timing();
  writeJson('ours.json', out);
  console.log(`wrote ${file}`);
}

main();
