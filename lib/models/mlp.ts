import type { NumericDataset } from '../data/dataset';
import type { DenseKernel, DenseKernels } from './dense-engine';
import { trainDense } from './dense-trainer';
import { validateHyperparameters, type SearchSpace } from './search-space';
import { fitStandardization, standardizeRows } from './standardize';
import { checkNumericDataset, checkSameSchema, classTargets } from './training-data';
import type {
  ClassificationDataset,
  DenseLayer,
  EpochLoss,
  MlpClassificationModel,
  MlpModel,
  MlpRegressionModel,
  Task,
} from './types';

export interface MlpHyperparameters {
  learningRate: number;
  batchSize: number;
  /** L2 penalty on the weights (not the biases), in standardised units. */
  l2: number;
  hiddenUnits: number;
  hiddenLayers: number;
  /** Maximum number of epochs. */
  epochs: number;
  /** Stop after this many epochs without a lower validation loss; the best epoch's weights are returned. */
  patience: number;
}

export const MLP_SEARCH_SPACE = {
  learningRate: { type: 'float', low: 1e-5, high: 1, log: true },
  batchSize: { type: 'int', low: 1, high: 4096, log: true },
  l2: { type: 'float', low: 1e-8, high: 1, log: true },
  hiddenUnits: { type: 'int', low: 1, high: 512, log: true },
  hiddenLayers: { type: 'int', low: 1, high: 2 },
  epochs: { type: 'int', low: 1, high: 5000 },
  patience: { type: 'int', low: 1, high: 1000 },
} satisfies SearchSpace;

export const MLP_DEFAULTS: MlpHyperparameters = {
  learningRate: 0.01,
  batchSize: 32,
  l2: 1e-5,
  hiddenUnits: 32,
  hiddenLayers: 1,
  epochs: 300,
  patience: 20,
};

export interface MlpTrainingOptions {
  task: Task;
  seed: number;
  /** Called after every epoch with the mean data loss (MSE in target units, or cross-entropy) of both sets. */
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
  /** Which kernels train (default: the JavaScript ones); every choice gives the same weights. */
  kernels?: DenseKernels;
}

export interface MlpTrainingResult<M extends MlpModel = MlpModel> {
  /** The weights of `bestEpoch`, the epoch with the lowest validation loss. */
  model: M;
  lossHistory: EpochLoss[];
  bestEpoch: number;
  /** True when early stopping ended training before `epochs`. */
  stoppedEarly: boolean;
  /** The kernels that trained. */
  kernels: DenseKernel;
}

function targets(data: NumericDataset, task: Task, label: string): Float64Array {
  if (task === 'regression') return Float64Array.from(data.target);
  if (!Array.isArray((data as Partial<ClassificationDataset>).classes)) {
    throw new RangeError(`${label}: classification needs a dataset with a "classes" list`);
  }
  return classTargets(data as ClassificationDataset, label);
}

/**
 * A ReLU MLP (1–2 hidden layers) by mini-batch Adam with L2 and early stopping on `validation`. Regression uses
 * MSE on a standardised target (folded back into the last layer); classification uses softmax cross-entropy.
 * The same data, hyperparameters and seed give bit-identical weights.
 */
export function trainMlp(
  train: NumericDataset,
  validation: NumericDataset,
  hyperparameters: Partial<MlpHyperparameters>,
  options: MlpTrainingOptions & { task: 'regression' },
): MlpTrainingResult<MlpRegressionModel>;
export function trainMlp(
  train: ClassificationDataset,
  validation: ClassificationDataset,
  hyperparameters: Partial<MlpHyperparameters>,
  options: MlpTrainingOptions & { task: 'classification' },
): MlpTrainingResult<MlpClassificationModel>;
export function trainMlp(
  train: NumericDataset | ClassificationDataset,
  validation: NumericDataset | ClassificationDataset,
  hyperparameters: Partial<MlpHyperparameters>,
  options: MlpTrainingOptions,
): MlpTrainingResult;
export function trainMlp(
  train: NumericDataset | ClassificationDataset,
  validation: NumericDataset | ClassificationDataset,
  hyperparameters: Partial<MlpHyperparameters>,
  { task, seed, onEpoch, kernels }: MlpTrainingOptions,
): MlpTrainingResult {
  const hp = validateHyperparameters(MLP_SEARCH_SPACE, MLP_DEFAULTS, hyperparameters);
  checkNumericDataset(train, 'mlp training set', 2);
  checkNumericDataset(validation, 'mlp validation set', 1);
  checkSameSchema(train, validation);
  const d = train.featureNames.length;
  const trainY = targets(train, task, 'mlp training set');
  const validationY = targets(validation, task, 'mlp validation set');
  const classes = task === 'classification' ? [...(train as ClassificationDataset).classes] : [];

  // Regression trains on a standardised target; the last layer is rescaled afterwards.
  let targetMean = 0;
  let targetScale = 1;
  if (task === 'regression') {
    const { means, scales } = fitStandardization(
      train.target.map((v) => [v]),
      1,
    );
    [targetMean, targetScale] = [means[0], scales[0]];
    for (const y of [trainY, validationY]) for (let i = 0; i < y.length; i++) y[i] = (y[i] - targetMean) / targetScale;
  }

  const scaling = fitStandardization(train.features, d);
  const outputs = task === 'regression' ? 1 : classes.length;
  const sizes = [d, ...new Array<number>(hp.hiddenLayers).fill(hp.hiddenUnits), outputs];
  const result = trainDense(
    { rowCount: train.features.length, x: standardizeRows(train.features, scaling), y: trainY },
    { rowCount: validation.features.length, x: standardizeRows(validation.features, scaling), y: validationY },
    {
      sizes,
      loss: task === 'regression' ? 'mse' : 'softmax',
      learningRate: hp.learningRate,
      l2: hp.l2,
      epochs: hp.epochs,
      batchSize: hp.batchSize,
      patience: hp.patience,
      seed,
      lossScale: targetScale * targetScale,
      onEpoch,
      kernels,
    },
  );

  const { params } = result;
  const layers: DenseLayer[] = result.layers.map(({ inputSize, outputSize, weightOffset, biasOffset }) => ({
    inputSize,
    outputSize,
    weights: Array.from(params.subarray(weightOffset, biasOffset)),
    biases: Array.from(params.subarray(biasOffset, biasOffset + outputSize)),
  }));
  const common = {
    kind: 'mlp' as const,
    featureNames: [...train.featureNames],
    inputMeans: scaling.means,
    inputScales: scaling.scales,
    layers,
  };
  const model: MlpModel =
    task === 'regression'
      ? { ...common, task, layers: rescaleOutput(layers, targetScale, targetMean) }
      : { ...common, task, classes };
  const { lossHistory, bestEpoch } = result;
  return { model, lossHistory, bestEpoch, stoppedEarly: lossHistory.length < hp.epochs, kernels: result.kernels };
}

/** Folds y = ŷ·scale + mean into the last layer, so the model predicts in raw target units. */
function rescaleOutput(layers: DenseLayer[], scale: number, mean: number): DenseLayer[] {
  const last = layers[layers.length - 1];
  return [
    ...layers.slice(0, -1),
    { ...last, weights: last.weights.map((w) => w * scale), biases: last.biases.map((b) => b * scale + mean) },
  ];
}
