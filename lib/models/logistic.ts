import type { DenseKernel, DenseKernels } from './dense-engine';
import { trainDense } from './dense-trainer';
import { validateHyperparameters, type SearchSpace } from './search-space';
import { fitStandardization, standardizeRows } from './standardize';
import { checkNumericDataset, classTargets } from './training-data';
import type { ClassificationDataset, EpochLoss, LogisticModel } from './types';

export interface LogisticHyperparameters {
  learningRate: number;
  /** L2 penalty on the standardised weights (not the intercepts). */
  l2: number;
  epochs: number;
  /** Rows per Adam step; at least the row count means full-batch gradient descent. */
  batchSize: number;
}

export const LOGISTIC_SEARCH_SPACE = {
  learningRate: { type: 'float', low: 1e-4, high: 1, log: true },
  l2: { type: 'float', low: 1e-8, high: 10, log: true },
  epochs: { type: 'int', low: 1, high: 5000 },
  batchSize: { type: 'int', low: 1, high: 65536, log: true },
} satisfies SearchSpace;

export const LOGISTIC_DEFAULTS: LogisticHyperparameters = { learningRate: 0.05, l2: 1e-4, epochs: 200, batchSize: 64 };

export interface LogisticTrainingOptions {
  seed: number;
  /** Standardise the inputs internally (default); false when they are already preprocessed to a common scale. */
  standardize?: boolean;
  onEpoch?: (epoch: number, trainLoss: number) => void;
  /** Which kernels train (default: the JavaScript ones); every choice gives the same weights. */
  kernels?: DenseKernels;
}

export interface LogisticTrainingResult {
  model: LogisticModel;
  /** Mean cross-entropy of the training rows per epoch (valLoss is NaN). */
  lossHistory: EpochLoss[];
  /** The kernels that trained. */
  kernels: DenseKernel;
}

/**
 * Logistic regression on standardised features by (mini-batch) Adam: one sigmoid for two classes, softmax for more.
 * The weights are mapped back to raw feature units, so the exported model takes raw values.
 */
export function trainLogistic(
  train: ClassificationDataset,
  hyperparameters: Partial<LogisticHyperparameters>,
  { seed, onEpoch, standardize = true, kernels }: LogisticTrainingOptions,
): LogisticTrainingResult {
  const hp = validateHyperparameters(LOGISTIC_SEARCH_SPACE, LOGISTIC_DEFAULTS, hyperparameters);
  checkNumericDataset(train, 'logistic training set', 2);
  const y = classTargets(train, 'logistic training set');
  const d = train.featureNames.length;
  const k = train.classes.length;
  const binary = k === 2;
  // Already-scaled inputs keep unit scaling, so rare one-hot columns do not get huge raw-unit weights.
  const scaling = standardize
    ? fitStandardization(train.features, d)
    : { means: new Array<number>(d).fill(0), scales: new Array<number>(d).fill(1) };
  const outputs = binary ? 1 : k;
  const trained = trainDense(
    { rowCount: train.features.length, x: standardizeRows(train.features, scaling), y },
    null,
    {
      sizes: [d, outputs],
      loss: binary ? 'sigmoid' : 'softmax',
      ...hp,
      seed,
      onEpoch: onEpoch && ((epoch, trainLoss) => onEpoch(epoch, trainLoss)),
      kernels,
    },
  );
  const { params, lossHistory } = trained;

  // Standardised logit: b + Σ w·(x − m)/s = (b − Σ (w/s)·m) + Σ (w/s)·x.
  const rawRow = (column: number) => scaling.scales.map((s, j) => params[j * outputs + column] / s);
  const rawIntercept = (column: number, row: number[]) =>
    params[d * outputs + column] - row.reduce((sum, w, j) => sum + w * scaling.means[j], 0);
  const weights: number[][] = [];
  const intercepts: number[] = [];
  if (binary) {
    weights.push(new Array<number>(d).fill(0), rawRow(0));
    intercepts.push(0, rawIntercept(0, weights[1]));
  } else {
    for (let c = 0; c < k; c++) {
      weights.push(rawRow(c));
      intercepts.push(rawIntercept(c, weights[c]));
    }
  }
  const model: LogisticModel = {
    kind: 'logistic',
    featureNames: [...train.featureNames],
    classes: [...train.classes],
    weights,
    intercepts,
  };
  return { model, lossHistory, kernels: trained.kernels };
}
