import { loadTrainingKernels } from '../../activities/training-kernels';
import { randomSplit } from '../../lib/data/split';
import type { DenseKernels } from '../../lib/models/dense-engine';
import { classificationMetrics, regressionMetrics } from '../../lib/metrics';
import { LOGISTIC_DEFAULTS, trainLogistic } from '../../lib/models/logistic';
import { MLP_DEFAULTS, trainMlp } from '../../lib/models/mlp';
import { predictProbabilities, predictRegression } from '../../lib/models/predict';
import { RIDGE_DEFAULTS, trainRidge } from '../../lib/models/ridge';
import { isClassificationModel, type Model } from '../../lib/models/types';
import { datasetOf, loadTable, mean, prepareTask, type SharedTask, writeShared } from './data';

/** Seeds of the stochastic trainers (logistic by Adam, MLP); metrics are averaged over them on both sides. */
export const SEEDS = [1, 2, 3, 4, 5];
/** Share of the training rows the MLP holds out for early stopping (both sides; the holdout is never seen). */
export const EARLY_STOPPING_FRACTION = 0.1;

export interface QualityResult {
  dataset: string;
  model: 'ridge' | 'logistic' | 'mlp';
  /** Regression: rmse, r2. Classification: accuracy, logLoss. Means over SEEDS for stochastic trainers. */
  metrics: Record<string, number>;
  perSeed: Record<string, number>[];
  /** MLP: mean number of epochs until the kept (best) epoch. */
  bestEpoch?: number;
}

function evaluate(shared: SharedTask, model: Model): Record<string, number> {
  const { x, y } = shared.validation;
  if (!isClassificationModel(model)) {
    const { rmse, r2 } = regressionMetrics(y, predictRegression(model, x));
    return { rmse, r2 };
  }
  const { accuracy, logLoss } = classificationMetrics(y, predictProbabilities(model, x));
  return { accuracy, logLoss };
}

function averaged(dataset: string, model: QualityResult['model'], perSeed: Record<string, number>[]): QualityResult {
  const metrics = Object.fromEntries(Object.keys(perSeed[0]).map((k) => [k, mean(perSeed.map((m) => m[k]))]));
  return { dataset, model, metrics, perSeed };
}

function runMlp(shared: SharedTask, kernels: DenseKernels): QualityResult {
  const epochs: number[] = [];
  const perSeed = SEEDS.map((seed) => {
    const inner = randomSplit(shared.train.x.length, EARLY_STOPPING_FRACTION, seed);
    const train = datasetOf(shared, shared.train, inner.train);
    const stop = datasetOf(shared, shared.train, inner.validation);
    const result = trainMlp(train, stop, MLP_DEFAULTS, { task: shared.task, seed, kernels });
    epochs.push(result.bestEpoch);
    return evaluate(shared, result.model);
  });
  return { ...averaged(shared.name, 'mlp', perSeed), bestEpoch: mean(epochs) };
}

/** Loads both datasets, writes the shared matrices and settings for the Python peer, and scores our models. */
export async function runQuality(): Promise<QualityResult[]> {
  const weather = prepareTask(
    'seattle-weather',
    await loadTable('seattle-weather.csv', 'csv'),
    'temp_max',
    ['date', 'precipitation', 'temp_min', 'wind', 'weather'],
    0.2,
  );
  const penguins = prepareTask(
    'penguins',
    await loadTable('penguins.json', 'json'),
    'Species',
    ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Island', 'Sex'],
    0.2,
  );
  const settings = { seeds: SEEDS, earlyStoppingFraction: EARLY_STOPPING_FRACTION, mlp: MLP_DEFAULTS };
  writeShared('quality-seattle-weather.json', { ...weather, ...settings, ridge: RIDGE_DEFAULTS });
  writeShared('quality-penguins.json', { ...penguins, ...settings, logistic: LOGISTIC_DEFAULTS });

  // The kernels workers train on (the JavaScript ones give the same weights, more slowly).
  const kernels = await loadTrainingKernels();
  const results: QualityResult[] = [];
  results.push(
    averaged(weather.name, 'ridge', [evaluate(weather, trainRidge(datasetOf(weather, weather.train), RIDGE_DEFAULTS))]),
  );
  results.push(runMlp(weather, kernels));
  const logistic = SEEDS.map((seed) =>
    evaluate(penguins, trainLogistic(datasetOf(penguins, penguins.train), LOGISTIC_DEFAULTS, { seed, kernels }).model),
  );
  results.push(averaged(penguins.name, 'logistic', logistic));
  results.push(runMlp(penguins, kernels));
  return results;
}
