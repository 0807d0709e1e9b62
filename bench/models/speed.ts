import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadTrainingKernels } from '../../activities/training-kernels';
import { type DenseKernel, type DenseKernels, jsDenseKernels } from '../../lib/models/dense-engine';
import { MLP_DEFAULTS, type MlpHyperparameters, trainMlp } from '../../lib/models/mlp';
import { modelToOnnx } from '../../lib/models/onnx-export';
import { predictRegression } from '../../lib/models/predict';
import type { MlpRegressionModel } from '../../lib/models/types';
import { median } from '../stats';
import { datasetOf, loadTable, prepareTask, writeShared } from './data';

export const SPEED_EPOCHS = 5;
export const SPEED_REPETITIONS = 3;
export const INFERENCE_BATCH_ROWS = 1000;
export const INFERENCE_BATCHES = 100;
export const INFERENCE_REPETITIONS = 5;

/** Same architecture and optimiser settings on both sides; no early stopping (patience > epochs). */
export const SPEED_CONFIGS: { name: string; hp: MlpHyperparameters }[] = [
  { name: '1×32, batch 32', hp: { ...MLP_DEFAULTS, epochs: SPEED_EPOCHS, patience: 1000 } },
  {
    name: '2×64, batch 32',
    hp: { ...MLP_DEFAULTS, hiddenLayers: 2, hiddenUnits: 64, epochs: SPEED_EPOCHS, patience: 1000 },
  },
  {
    name: '2×64, batch 256',
    hp: { ...MLP_DEFAULTS, hiddenLayers: 2, hiddenUnits: 64, batchSize: 256, epochs: SPEED_EPOCHS, patience: 1000 },
  },
];

export interface SpeedResult {
  config: string;
  trainRows: number;
  /** Training samples per second (epochs × rows / wall time), median of SPEED_REPETITIONS; the workers' kernels. */
  trainSamplesPerSecond: number;
  trainSeconds: number[];
  /** The same with the per-row JavaScript kernels (`jsDenseKernels`), which give the same weights. */
  jsTrainSamplesPerSecond: number;
  jsTrainSeconds: number[];
  /** The kernels workers train on (`loadTrainingKernels`). */
  kernel: DenseKernel;
  /** onnxruntime-node, one thread, INFERENCE_BATCH_ROWS rows per run; median of INFERENCE_REPETITIONS passes. */
  inferenceRowsPerSecond: number;
  /** Largest |ONNX − TypeScript| prediction over the inference rows (float32 vs float64). */
  onnxMaxAbsDiff: number;
}

async function inferenceSpeed(model: MlpRegressionModel, batches: number[][][]) {
  const session = await InferenceSession.create(modelToOnnx(model, { modelName: 'flights', targetName: 'delay' }), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const d = model.featureNames.length;
  const inputs = batches.map((rows) => Float32Array.from(rows.flat()));
  const run = async (x: Float32Array) => {
    const out = await session.run({ [session.inputNames[0]]: new Tensor('float32', x, [x.length / d, d]) });
    return out[session.outputNames[0]].data as Float32Array;
  };
  let maxDiff = 0;
  for (let b = 0; b < batches.length; b++) {
    const onnx = await run(inputs[b]);
    predictRegression(model, batches[b]).forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - onnx[i]))));
  }
  const rates: number[] = [];
  for (let rep = 0; rep < INFERENCE_REPETITIONS; rep++) {
    const start = performance.now();
    for (const x of inputs) await run(x);
    rates.push((batches.length * INFERENCE_BATCH_ROWS) / ((performance.now() - start) / 1000));
  }
  await session.release();
  return { rowsPerSecond: median(rates), maxDiff };
}

/** MLP training throughput and ONNX inference throughput on flights-200k (delay from distance and time). */
export async function runSpeed(log: (line: string) => void): Promise<SpeedResult[]> {
  const flights = prepareTask(
    'flights-200k',
    await loadTable('flights-200k.arrow', 'arrow'),
    'delay',
    ['distance', 'time'],
    0.005,
  );
  const inferenceRows = INFERENCE_BATCHES * INFERENCE_BATCH_ROWS;
  writeShared('speed-flights.json', {
    featureNames: flights.featureNames,
    x: flights.train.x,
    y: flights.train.y,
    configs: SPEED_CONFIGS,
    repetitions: SPEED_REPETITIONS,
    inference: { batchRows: INFERENCE_BATCH_ROWS, batches: INFERENCE_BATCHES, repetitions: INFERENCE_REPETITIONS },
  });
  const train = datasetOf(flights, flights.train);
  const validation = datasetOf(flights, flights.validation);
  const batches = Array.from({ length: INFERENCE_BATCHES }, (_, b) =>
    flights.train.x.slice(b * INFERENCE_BATCH_ROWS, (b + 1) * INFERENCE_BATCH_ROWS),
  );
  if (flights.train.x.length < inferenceRows)
    throw new RangeError('flights has too few rows for the inference batches');

  const kernels = await loadTrainingKernels();
  const results: SpeedResult[] = [];
  for (const { name, hp } of SPEED_CONFIGS) {
    const timed = (kernels: DenseKernels) => {
      const seconds: number[] = [];
      const models: MlpRegressionModel[] = [];
      for (let rep = 0; rep < SPEED_REPETITIONS; rep++) {
        const start = performance.now();
        const result = trainMlp(train, validation, hp, { task: 'regression', seed: rep + 1, kernels });
        seconds.push((performance.now() - start) / 1000);
        if (result.lossHistory.length !== SPEED_EPOCHS) throw new Error(`expected ${SPEED_EPOCHS} epochs`);
        models.push(result.model);
        log(`  ours ${name} (${kernels.kind} kernels): rep ${rep + 1} ${seconds[rep].toFixed(2)} s`);
      }
      return { seconds, models };
    };
    const fast = timed(kernels);
    const js = timed(jsDenseKernels);
    // Both kernels sum in the same order: the models must be identical.
    const weights = (models: MlpRegressionModel[]) => JSON.stringify(models.map((m) => m.layers));
    if (weights(fast.models) !== weights(js.models)) throw new Error(`${name}: kernels trained different weights`);
    const inference = await inferenceSpeed(fast.models[SPEED_REPETITIONS - 1], batches);
    const rate = (seconds: number[]) => (SPEED_EPOCHS * train.features.length) / median(seconds);
    results.push({
      config: name,
      trainRows: train.features.length,
      trainSamplesPerSecond: rate(fast.seconds),
      trainSeconds: fast.seconds,
      jsTrainSamplesPerSecond: rate(js.seconds),
      jsTrainSeconds: js.seconds,
      kernel: kernels.kind,
      inferenceRowsPerSecond: inference.rowsPerSecond,
      onnxMaxAbsDiff: inference.maxDiff,
    });
  }
  return results;
}
