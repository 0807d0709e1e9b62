/**
 * Reads .mlops/bench/hpo/ours.json and optuna.json and writes the "Hyperparameter optimisation (bench/hpo)" section
 * of bench/RESULTS.md: log10 simple regret (median and interquartile range over seeds) at 10/25/50/100 evaluations,
 * suggestion wall times, the two goals, and the Branin convergence chart (bench/hpo/convergence.svg).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeVegaLiteSvg } from '../chart';
import { machineCores } from '../env';
import { formatSection, writeSection } from '../results-file';
import { median, quantile } from '../stats';
import { type ArmResults, N_INITIAL, OUT_DIR, readJson, ROOT, type RunResult, TIMING_REPETITIONS } from './common';
import { FUNCTIONS, logRegret, type TestFunction } from './functions';
import type { MlpSweepResults } from './mlp-sweep';

const HEADING = '## Hyperparameter optimisation (bench/hpo)';
const CHECKPOINTS = [10, 25, 50, 100];
/** Suggestions given this many finished observations count as "n ≈ 100" for the timing. */
const NEAR_100: [number, number] = [90, 99];
const OURS = 'ours GP-EI';
const GP_PEER = 'Optuna GPSampler';
const ARMS = [OURS, 'ours random', GP_PEER, 'Optuna TPESampler'];

const f2 = (v: number) => v.toFixed(2);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));

interface Loaded {
  ours: ArmResults;
  optuna: ArmResults;
  runs: RunResult[];
  seeds: number[];
}

function load(): Loaded {
  const ours = readJson<ArmResults>('ours.json');
  const optuna = readJson<ArmResults>('optuna.json');
  const runs = [...ours.runs, ...optuna.runs];
  const seeds = ours.seeds.filter((s) => optuna.seeds.includes(s));
  for (const fn of FUNCTIONS) {
    for (const arm of ARMS) {
      for (const seed of seeds) {
        const run = runs.find((r) => r.fn === fn.name && r.arm === arm && r.seed === seed);
        if (!run) throw new Error(`missing run: ${fn.name} ${arm} seed ${seed}`);
        if (run.best.length !== fn.budget) throw new Error(`${fn.name} ${arm} seed ${seed}: ${run.best.length} evals`);
      }
    }
  }
  return { ours, optuna, runs: runs.filter((r) => seeds.includes(r.seed)), seeds };
}

/** log10 regret of each seed's best-so-far after `evals` evaluations. */
function regrets(runs: RunResult[], fn: TestFunction, arm: string, evals: number): number[] {
  return runs.filter((r) => r.fn === fn.name && r.arm === arm).map((r) => logRegret(fn, r.best[evals - 1]));
}

function regretTable(runs: RunResult[]): string[] {
  const lines = [
    `| function (min) | arm | ${CHECKPOINTS.map((c) => `${c} evals`).join(' | ')} |`,
    `| --- | --- | ${CHECKPOINTS.map(() => '---:').join(' | ')} |`,
  ];
  for (const fn of FUNCTIONS) {
    for (const arm of ARMS) {
      const cells = CHECKPOINTS.map((c) => {
        if (c > fn.budget) return '';
        const values = regrets(runs, fn, arm, c);
        return `${f2(median(values))} [${f2(quantile(values, 0.25))}, ${f2(quantile(values, 0.75))}]`;
      });
      const label = `${fn.name} (${Number(fn.minimum.toPrecision(6))})`;
      lines.push(`| ${label} | ${arm === OURS ? `**${arm}**` : arm} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}

/** Goal (a): our median final log regret ≤ GPSampler's, per function. */
function goalA(runs: RunResult[]): { lines: string[]; wins: number } {
  const lines = ['| function | ours GP-EI | Optuna GPSampler | ours ≤ GPSampler |', '| --- | ---: | ---: | --- |'];
  let wins = 0;
  for (const fn of FUNCTIONS) {
    const ours = median(regrets(runs, fn, OURS, fn.budget));
    const peer = median(regrets(runs, fn, GP_PEER, fn.budget));
    const ok = ours <= peer;
    if (ok) wins++;
    lines.push(`| ${fn.name} (${fn.budget} evals) | ${f2(ours)} | ${f2(peer)} | ${ok ? 'yes' : '**no**'} |`);
  }
  return { lines, wins };
}

function suggestTimeTable(runs: RunResult[], data: Loaded): { lines: string[]; oursN200: number; peerN200: number } {
  const [lo, hi] = NEAR_100;
  const lines = [
    `| arm | per suggestion at n = ${lo}–${hi}: median (ms) | p95 (ms) | n = 200: median of ${TIMING_REPETITIONS[200]} (ms) | n = 500: median of ${TIMING_REPETITIONS[500]} (ms) |`,
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  const timing = [...data.ours.timing, ...data.optuna.timing];
  const at = (arm: string, n: number) => {
    const t = timing.find((x) => x.arm === arm && x.n === n);
    return t && t.ms.length > 0 ? median(t.ms) : undefined;
  };
  for (const arm of ARMS) {
    const times = runs
      .filter((r) => r.arm === arm)
      .flatMap((r) => r.suggestMs.filter((s) => s.n >= lo && s.n <= hi).map((s) => s.ms));
    const t200 = at(arm, 200);
    const t500 = at(arm, 500);
    const timed = arm === OURS || arm === GP_PEER;
    const show = (v: number | undefined) => (v !== undefined ? ms(v) : timed ? 'not measured' : '—');
    lines.push(`| ${arm} | ${ms(median(times))} | ${ms(quantile(times, 0.95))} | ${show(t200)} | ${show(t500)} |`);
  }
  const oursN200 = at(OURS, 200);
  const peerN200 = at(GP_PEER, 200);
  if (oursN200 === undefined || peerN200 === undefined) throw new Error('the n = 200 timing is missing');
  return { lines, oursN200, peerN200 };
}

interface BandPoint {
  arm: string;
  evaluation: number;
  median: number;
  q25: number;
  q75: number;
}

/** Median lines with interquartile bands against the evaluation number, rendered by vega-lite to an SVG file. */
async function bandChart(options: {
  values: BandPoint[];
  arms: string[];
  budget: number;
  title: string;
  subtitle: string;
  xTitle: string;
  yTitle: string;
  /** Where the dashed rule marking the end of the initial design goes. */
  ruleAt: number;
  file: string;
}): Promise<void> {
  const { values, arms, budget } = options;
  const color = { field: 'arm', type: 'nominal' as const, title: null, scale: { domain: arms } };
  const x = {
    field: 'evaluation',
    type: 'quantitative' as const,
    title: options.xTitle,
    scale: { domain: [1, budget] },
  };
  await writeVegaLiteSvg(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: options.title, subtitle: options.subtitle },
      width: 560,
      height: 320,
      data: { values },
      layer: [
        {
          mark: { type: 'area', opacity: 0.12 },
          encoding: {
            x,
            y: { field: 'q25', type: 'quantitative' },
            y2: { field: 'q75' },
            color: { ...color, legend: null },
          },
        },
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x,
            y: { field: 'median', type: 'quantitative', title: options.yTitle, scale: { zero: false } },
            color,
          },
        },
        {
          data: { values: [{ evaluation: options.ruleAt }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
          encoding: { x: { field: 'evaluation', type: 'quantitative' } },
        },
      ],
      // The band layer has no legend of its own, so the legend shows the median lines.
      resolve: { legend: { color: 'independent' } },
      config: { legend: { orient: 'top-right' } },
    },
    join(OUT_DIR, options.file),
    join(ROOT, 'bench', 'hpo', options.file),
  );
}

/** Median (and IQR band) over seeds of log10 regret against evaluation on Branin. */
async function chart(runs: RunResult[], seedCount: number): Promise<void> {
  const fn = FUNCTIONS.find((f) => f.name === 'branin')!;
  const values: BandPoint[] = [];
  for (const arm of ARMS) {
    for (let evaluation = 1; evaluation <= fn.budget; evaluation++) {
      const r = regrets(runs, fn, arm, evaluation);
      values.push({ arm, evaluation, median: median(r), q25: quantile(r, 0.25), q75: quantile(r, 0.75) });
    }
  }
  await bandChart({
    values,
    arms: ARMS,
    budget: fn.budget,
    title: 'Branin: best-so-far log10 simple regret',
    subtitle: `median over ${seedCount} seeds (band: interquartile range); first ${N_INITIAL} evaluations shared`,
    xTitle: 'evaluation',
    yTitle: 'log10(best − min)',
    ruleAt: N_INITIAL + 0.5,
    file: 'convergence.svg',
  });
}

/** Best-so-far validation MSE of each run of the MLP sweep (bench/hpo/mlp-sweep.ts), by arm. */
function mlpBestSoFar(data: MlpSweepResults): Map<string, number[][]> {
  const byArm = new Map<string, number[][]>();
  for (const run of data.runs) {
    let best = Infinity;
    const curve = run.losses.map((l) => (best = Number.isFinite(l) ? Math.min(best, l) : best));
    byArm.set(run.arm, [...(byArm.get(run.arm) ?? []), curve]);
  }
  return byArm;
}

/** Fig. 3: the MLP sweep's best-so-far validation MSE against trials, GP-EI against random search. */
async function mlpSection(): Promise<string[]> {
  if (!existsSync(join(OUT_DIR, 'mlp-sweep.json'))) return [];
  const data = readJson<MlpSweepResults>('mlp-sweep.json');
  const byArm = mlpBestSoFar(data);
  const arms = [...byArm.keys()];
  const seeds = byArm.get(arms[0])?.length ?? 0;
  const values: BandPoint[] = [];
  for (const arm of arms) {
    const curves = byArm.get(arm)!;
    for (let t = 1; t <= data.trials; t++) {
      const at = curves.map((c) => c[t - 1]);
      values.push({ arm, evaluation: t, median: median(at), q25: quantile(at, 0.25), q75: quantile(at, 0.75) });
    }
  }
  await bandChart({
    values,
    arms,
    budget: data.trials,
    title: 'Seattle weather MLP: best-so-far validation MSE (the sweep objective)',
    subtitle: `median over ${seeds} seeds (band: interquartile range); first ${data.initialTrials} trials quasi-random`,
    xTitle: 'trial',
    yTitle: 'validation MSE (°C²)',
    ruleAt: data.initialTrials + 0.5,
    file: 'mlp-sweep.svg',
  });
  const checkpoints = [data.initialTrials, 15, 25, data.trials].filter(
    (c, i, a) => c <= data.trials && a.indexOf(c) === i,
  );
  const space = Object.entries(data.space)
    .map(([name, p]) => (p.type === 'categorical' ? name : `${name} [${p.low}, ${p.high}${p.log ? ', log' : ''}]`))
    .join(', ');
  const seconds = data.runs.reduce((sum, r) => sum + r.trainSeconds, 0);
  return [
    `### Fig. 3: the sweep objective on a real model (bench/hpo/mlp-sweep.ts)`,
    '',
    `The lifecycle's default MLP tuning space (${space}) on ${data.dataset}: ${data.trainRows} training and ` +
      `${data.validationRows} validation rows; the objective is a trial's validation MSE (its best epoch, as the ` +
      `sweep's trials report it; other hyperparameters at their defaults, model seed 42, no median stopping). ` +
      `Sequential trials, ${data.trials} per run, the first ${data.initialTrials} from each arm's own quasi-random ` +
      `design (the sweep's default \`initialTrials\`), seeds 1–${seeds}; ${seconds.toFixed(0)} s of training in all.`,
    '',
    `| arm | ${checkpoints.map((c) => `${c} trials`).join(' | ')} |`,
    `| --- | ${checkpoints.map(() => '---:').join(' | ')} |`,
    ...arms.map((arm) => {
      const curves = byArm.get(arm)!;
      const cells = checkpoints.map((c) => {
        const at = curves.map((curve) => curve[c - 1]);
        return `${median(at).toFixed(3)} [${quantile(at, 0.25).toFixed(3)}, ${quantile(at, 0.75).toFixed(3)}]`;
      });
      return `| ${arm === OURS ? `**${arm}**` : arm} | ${cells.join(' | ')} |`;
    }),
    '',
    'Best-so-far validation MSE: median [25th, 75th percentile] over seeds. ' +
      '[bench/hpo/mlp-sweep.svg](hpo/mlp-sweep.svg)',
    '',
    '![MLP sweep: validation MSE against trials](hpo/mlp-sweep.svg)',
    '',
  ];
}

function machine(data: Loaded): string {
  const v = data.optuna.versions;
  return (
    `${machineCores()}; Node ${data.ours.versions.node}; Python ${v.python}, Optuna ${v.optuna}, ` +
    `torch ${v.torch} (PyPI's CUDA build run on the CPU, ${v.torch_threads} thread), numpy ${v.numpy}, scipy ${v.scipy}, ` +
    `greenlet ${v.greenlet ?? 'absent'}`
  );
}

/** The load average at the start and end of the run (run.sh writes two `uptime` lines). */
function loadLine(): string {
  const file = join(OUT_DIR, 'load.txt');
  if (!existsSync(file)) return '';
  const loads = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => /load average: (.*)$/.exec(line)?.[1])
    .filter((l): l is string => l !== undefined);
  if (loads.length < 2) return '';
  return ` Load average (\`uptime\`, 1/5/15 min; the cores are shared with other jobs): ${loads[0]} at the start of the run, ${loads[1]} at its end.`;
}

function section(data: Loaded, wall: string | undefined, mlp: string[]): string {
  const { runs, seeds } = data;
  const a = goalA(runs);
  const t = suggestTimeTable(runs, data);
  const goalB = t.oursN200 <= t.peerN200;
  const budgets = FUNCTIONS.map((fn) => `${fn.name} ${fn.budget}`).join(', ');
  const missed: string[] = [];
  if (a.wins < 4) missed.push(`(a) ours ≤ GPSampler on ${a.wins} of 5 functions`);
  if (!goalB) {
    missed.push(`(b) suggestion time at n = 200: ours ${ms(t.oursN200)} ms vs GPSampler ${ms(t.peerN200)} ms`);
  }
  return [
    HEADING,
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${machine(data)}.${wall ? ` Whole run: ${wall}.` : ''}${loadLine()}`,
    '',
    'Command: `bash bench/hpo/run.sh` (ours and the Optuna runs in parallel, one process each on the 2 cores; then ' +
      'the n = 200 / 500 suggestion timings one side at a time, with nothing else of the benchmark running; then ' +
      '`node --import tsx bench/hpo/report.ts`). See bench/hpo/README.md for the method.',
    '',
    `Seeds: ${seeds.length} (${seeds[0]}–${seeds[seeds.length - 1]}). Budgets (evaluations, including the ` +
      `${N_INITIAL} shared initial points): ${budgets}. Every arm of a function and seed starts from the same ` +
      `${N_INITIAL}-point Latin hypercube (ours: the first ${N_INITIAL} observations; Optuna: \`enqueue_trial\`); ` +
      `the optimisers suggest from evaluation ${N_INITIAL + 1} on. Samplers use their default settings ` +
      '(`suggest` with batch size 1; `GPSampler(seed)`, `TPESampler(seed)`).',
    '',
    `### log10 simple regret (best − known minimum, floored at 1e-12): median [25th, 75th percentile] over ${seeds.length} seeds`,
    '',
    ...regretTable(runs),
    '',
    `Convergence on Branin (median over seeds; band: interquartile range): [bench/hpo/convergence.svg](hpo/convergence.svg)`,
    '',
    '![Branin convergence](hpo/convergence.svg)',
    '',
    ...mlp,
    `### Goal (a): our median final regret ≤ Optuna GPSampler's on ≥ 4 of 5 functions: ${a.wins >= 4 ? 'holds' : '**missed**'} (${a.wins} of 5)`,
    '',
    ...a.lines,
    '',
    `### Suggestion wall time; goal (b): ours ≤ GPSampler's at n = 200: ${goalB ? 'holds' : '**missed**'} (ours ${ms(t.oursN200)} ms, GPSampler ${ms(t.peerN200)} ms)`,
    '',
    ...t.lines,
    '',
    `n = ${NEAR_100[0]}–${NEAR_100[1]}: every suggestion made with that many finished observations in the runs of the ` +
      `four 100-evaluation functions, all seeds (ours: \`suggest\`/\`randomSearch\` call; Optuna: \`study.ask\` with ` +
      'the search space, which runs the sampler); measured while the other side ran on the other core. ' +
      `n = 200 / 500: one suggestion on a fixed synthetic history of uniform random Hartmann6 points (the same ` +
      'points on both sides), seeds 1…k, after one uncounted warm-up call per side.',
    '',
    missed.length > 0 ? `Missed goals: ${missed.join('; ')}.` : 'Both goals hold.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const data = load();
  await chart(data.runs, data.seeds.length);
  const wallFile = join(OUT_DIR, 'wall.txt');
  const wall = existsSync(wallFile) ? readFileSync(wallFile, 'utf8').trim() : undefined;
  const text = await formatSection(section(data, wall, await mlpSection()));
  console.log(text);
  writeSection(HEADING, text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
