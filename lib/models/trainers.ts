import type { NumericDataset } from '../data/dataset';
import type { DenseKernel, DenseKernels } from './dense-engine';
import { LOGISTIC_DEFAULTS, LOGISTIC_SEARCH_SPACE, trainLogistic } from './logistic';
import { MLP_DEFAULTS, MLP_SEARCH_SPACE, trainMlp } from './mlp';
import { RIDGE_DEFAULTS, RIDGE_SEARCH_SPACE, trainRidge } from './ridge';
import { SearchSpace, validateHyperparameters } from './search-space';
import type { ClassificationDataset, EpochLoss, Model, Task } from './types';

export const MODEL_TYPES = ['ridge', 'logistic', 'mlp'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export type Hyperparameters = Record<string, number | string>;

/** What each model family can learn and which hyperparameters it takes (the space a sweep tunes). */
export const MODEL_FAMILIES: Record<ModelType, { tasks: Task[]; space: SearchSpace; defaults: Hyperparameters }> = {
  ridge: { tasks: ['regression'], space: RIDGE_SEARCH_SPACE, defaults: { ...RIDGE_DEFAULTS } },
  logistic: { tasks: ['classification'], space: LOGISTIC_SEARCH_SPACE, defaults: { ...LOGISTIC_DEFAULTS } },
  mlp: { tasks: ['regression', 'classification'], space: MLP_SEARCH_SPACE, defaults: { ...MLP_DEFAULTS } },
};

/** What a sweep tunes when the config names no space: the parameters that matter most for each family. */
export const DEFAULT_TUNING_SPACES: Record<ModelType, SearchSpace> = {
  ridge: { l2: { type: 'float', low: 1e-4, high: 1e3, log: true } },
  logistic: {
    learningRate: { type: 'float', low: 1e-3, high: 0.5, log: true },
    l2: { type: 'float', low: 1e-8, high: 1e-1, log: true },
  },
  mlp: {
    learningRate: { type: 'float', low: 1e-4, high: 0.1, log: true },
    l2: { type: 'float', low: 1e-8, high: 1e-2, log: true },
    hiddenUnits: { type: 'int', low: 8, high: 128, log: true },
  },
};

/** The defaults overlaid with `values`; throws naming a parameter that is unknown or out of range. */
export function resolveHyperparameters(type: ModelType, values: Partial<Hyperparameters> = {}): Hyperparameters {
  const family = MODEL_FAMILIES[type];
  return validateHyperparameters(family.space, family.defaults, values);
}

/** Throws when the family cannot learn the task, saying which families can. */
export function checkTask(type: ModelType, task: Task): void {
  if (MODEL_FAMILIES[type].tasks.includes(task)) return;
  const fitting = MODEL_TYPES.filter((t) => MODEL_FAMILIES[t].tasks.includes(task));
  throw new RangeError(`model.type "${type}" cannot do ${task}; for this target use one of: ${fitting.join(', ')}`);
}

export interface TrainedModel {
  model: Model;
  lossHistory: EpochLoss[];
  /** MLP: the epoch whose weights were kept (early stopping). */
  bestEpoch?: number;
  /** MLP and logistic: the kernels that trained (the weights are the same with any). */
  kernels?: DenseKernel;
}

export interface TrainingOptions {
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
  /** Kernels of the MLP and logistic trainers (default: the JavaScript ones). */
  kernels?: DenseKernels;
}

/** Trains one model family on a preprocessed dataset; classification datasets carry their `classes`. */
export function trainModelFamily(
  type: ModelType,
  task: Task,
  train: NumericDataset | ClassificationDataset,
  validation: NumericDataset | ClassificationDataset,
  hyperparameters: Hyperparameters,
  seed: number,
  { onEpoch, kernels }: TrainingOptions = {},
): TrainedModel {
  checkTask(type, task);
  const classes = (train as ClassificationDataset).classes;
  if (task === 'classification' && classes.length < 2) {
    throw new RangeError(
      `target "${train.targetName}" has a single class (${JSON.stringify(classes[0])}); ` +
        'classification needs at least two: check dataset.target or the data',
    );
  }
  // The lifecycle's preprocessing has already standardised numeric features and one-hot encoded categories.
  if (type === 'ridge') {
    return { model: trainRidge(train, { l2: Number(hyperparameters.l2) }, { standardize: false }), lossHistory: [] };
  }
  if (type === 'logistic') {
    return trainLogistic(train as ClassificationDataset, hyperparameters, {
      seed,
      standardize: false,
      onEpoch: onEpoch && ((epoch, trainLoss) => onEpoch(epoch, trainLoss, NaN)),
      kernels,
    });
  }
  if (task === 'classification') {
    return trainMlp(train as ClassificationDataset, validation as ClassificationDataset, hyperparameters, {
      task,
      seed,
      onEpoch,
      kernels,
    });
  }
  return trainMlp(train, validation, hyperparameters, { task, seed, onEpoch, kernels });
}
