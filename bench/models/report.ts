import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineCores } from '../env';
import { formatSection, writeSection } from '../results-file';
import { OUT_DIR } from './data';
import { EARLY_STOPPING_FRACTION, type QualityResult, SEEDS } from './quality';
import {
  INFERENCE_BATCH_ROWS,
  INFERENCE_BATCHES,
  INFERENCE_REPETITIONS,
  SPEED_EPOCHS,
  SPEED_REPETITIONS,
  type SpeedResult,
} from './speed';

const HEADING = '## Models (bench/models)';
/** The goal: our metric at most 5% worse than scikit-learn's. */
const TOLERANCE = 0.05;
const LOWER_IS_BETTER = new Set(['rmse', 'logLoss']);

interface PeerResults {
  versions: { python: string; sklearn: string; numpy: string; scipy: string; threadpools: string[] };
  quality: (Omit<QualityResult, 'model'> & { model: string; C?: number })[];
  speed: Pick<
    SpeedResult,
    'config' | 'trainRows' | 'trainSamplesPerSecond' | 'trainSeconds' | 'inferenceRowsPerSecond'
  >[];
}

const read = <T>(file: string): T => JSON.parse(readFileSync(join(OUT_DIR, file), 'utf8')) as T;
const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4));

function meetsGoal(metric: string, ratio: number): boolean {
  return LOWER_IS_BETTER.has(metric) ? ratio <= 1 + TOLERANCE : ratio >= 1 - TOLERANCE;
}

function machine(peer: PeerResults): string {
  const v = peer.versions;
  return (
    `${machineCores()}; Node ${process.version}, Python ${v.python}, scikit-learn ${v.sklearn} ` +
    `(numpy ${v.numpy}, scipy ${v.scipy}; thread pools: ${v.threadpools.join(', ')})`
  );
}

function qualityTable(ours: QualityResult[], peer: PeerResults, misses: string[]): string[] {
  const lines = [
    '| dataset | model | metric | ours | scikit-learn | ours / sklearn | goal (≤ 5% worse) | epochs kept (ours / sklearn) |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const theirs of peer.quality) {
    const base = theirs.model.replace(/ \(.*\)$/, '');
    const variant = base !== theirs.model;
    const mine = ours.find((q) => q.dataset === theirs.dataset && q.model === base);
    if (!mine) throw new Error(`no result of ours for ${theirs.dataset} ${base}`);
    for (const metric of Object.keys(theirs.metrics)) {
      const ratio = mine.metrics[metric] / theirs.metrics[metric];
      const ok = meetsGoal(metric, ratio);
      if (!ok && !variant) misses.push(`${theirs.dataset} ${base} ${metric}: ours / sklearn = ${ratio.toFixed(3)}`);
      const goal = variant ? `(reference) ${ok ? 'yes' : 'no'}` : ok ? 'yes' : '**no**';
      const epochs =
        mine.bestEpoch === undefined ? '' : `${mine.bestEpoch.toFixed(1)} / ${theirs.bestEpoch?.toFixed(1)}`;
      const name = variant ? `${base} vs sklearn ${theirs.model.slice(base.length + 1)}` : base;
      const row = [theirs.dataset, name, metric, fmt(mine.metrics[metric]), fmt(theirs.metrics[metric])];
      lines.push(`| ${[...row, ratio.toFixed(3), goal, epochs].join(' | ')} |`);
    }
  }
  return lines;
}

function speedTable(ours: SpeedResult[], peer: PeerResults, misses: string[]): string[] {
  const lines = [
    '| MLP (flights-200k) | ours train samples/s | sklearn train samples/s | ratio | goal (≥ 1) | ours, JS kernels | WASM / JS | ours ONNX rows/s | sklearn predict rows/s | ratio |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const mine of ours) {
    const theirs = peer.speed.find((s) => s.config === mine.config);
    if (!theirs) throw new Error(`no scikit-learn speed result for ${mine.config}`);
    const train = mine.trainSamplesPerSecond / theirs.trainSamplesPerSecond;
    const infer = mine.inferenceRowsPerSecond / theirs.inferenceRowsPerSecond;
    if (train < 1) misses.push(`training speed ${mine.config}: ours / sklearn = ${train.toFixed(2)}`);
    const cells = [mine.config, fmt(mine.trainSamplesPerSecond), fmt(theirs.trainSamplesPerSecond), train.toFixed(2)];
    const gain = mine.trainSamplesPerSecond / mine.jsTrainSamplesPerSecond;
    cells.push(train >= 1 ? 'yes' : '**no**', fmt(mine.jsTrainSamplesPerSecond), gain.toFixed(2));
    cells.push(fmt(mine.inferenceRowsPerSecond), fmt(theirs.inferenceRowsPerSecond));
    lines.push(`| ${[...cells, infer.toFixed(2)].join(' | ')} |`);
  }
  return lines;
}

function section(): string {
  const ours = read<{ quality: QualityResult[]; speed: SpeedResult[] }>('ours.json');
  const peer = read<PeerResults>('sklearn.json');
  const misses: string[] = [];
  const quality = qualityTable(ours.quality, peer, misses);
  const speed = speedTable(ours.speed, peer, misses);
  const logistic = peer.quality.find((q) => q.model === 'logistic');
  const onnxDiff = Math.max(...ours.speed.map((s) => s.onnxMaxAbsDiff));
  return [
    HEADING,
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${machine(peer)}.`,
    '',
    'Command: `bash bench/models/run.sh`, which runs `node --import tsx bench/models/main.ts`, then ' +
      '`OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .mlops/bench/venv/bin/python bench/models/sklearn_peer.py`, then ' +
      '`node --import tsx bench/models/report.ts`. See bench/models/README.md for the method.',
    '',
    `### Quality (20% holdout, split seed 42; MLP and logistic: mean over seeds ${SEEDS.join(', ')})`,
    '',
    ...quality,
    '',
    `Both sides get the same matrices from our \`fitPreprocessor\`/\`transformRows\`; sklearn adds a StandardScaler, ` +
      `as our trainers standardise internally. Ridge: StandardScaler + \`Ridge(alpha = l2)\`. Logistic: ` +
      `\`LogisticRegression(C = 1/(l2·n))\` (C = ${fmt(logistic?.C ?? NaN)}), lbfgs. MLP: same layers, Adam, ` +
      `learning rate, batch size, max epochs and patience; alpha = l2·batch/2 (regression) or l2·batch ` +
      `(classification); both hold out ${EARLY_STOPPING_FRACTION * 100}% of the training rows for early stopping ` +
      '(ours stops on validation loss, sklearn on R² or accuracy), regression target standardised on both sides ' +
      '(sklearn: TransformedTargetRegressor). Rows marked (reference) are other sklearn setups, not the goal.',
    '',
    `### Speed (flights-200k: delay from distance and time; ${SPEED_EPOCHS} epochs, median of ${SPEED_REPETITIONS}; ` +
      `inference: ${INFERENCE_BATCHES} batches of ${INFERENCE_BATCH_ROWS.toLocaleString('en-US')} rows, median of ` +
      `${INFERENCE_REPETITIONS} passes)`,
    '',
    ...speed,
    '',
    `Training rows: ${ours.speed[0].trainRows.toLocaleString('en-US')}, float64 on both sides; our trainer is ` +
      'single-threaded, sklearn is held to one thread (threadpoolctl + OMP/OpenBLAS variables). Ours runs the ' +
      `kernels workers train on (${ours.speed[0].kernel}: WebAssembly f64x2 matrix products, or passes over nonzero entries only where ` +
      'ReLUs leave few, and a vectorised Adam); "ours, JS kernels" is the same ' +
      'trainer with the per-row JavaScript kernels, which train to identical weights (checked in the run). Inference: our model ' +
      'exported with `modelToOnnx`, onnxruntime-node in-process with one intra-op thread, float32 (largest |ONNX − ' +
      `TypeScript| prediction difference ${onnxDiff.toExponential(1)} min of delay); sklearn \`predict\`, float64, one thread.`,
    '',
    misses.length === 0 ? 'All goals met.' : `Missed goals: ${misses.join('; ')}.`,
    '',
  ].join('\n');
}

/** Prints the section and writes it into bench/RESULTS.md, replacing only a previous "Models" section. */
async function main(): Promise<void> {
  const text = await formatSection(section());
  console.log(text);
  writeSection(HEADING, text);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
