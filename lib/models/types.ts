import type { NumericDataset } from '../data/dataset';
import type { LinearModel } from './linear';

export type { LinearModel } from './linear';

/** A classification dataset: `target[i]` is a class index into `classes` (0..K−1). */
export type ClassificationDataset = NumericDataset & { classes: string[] };

export type Task = 'regression' | 'classification';

/**
 * Multinomial logistic regression in raw feature units: P(class k | x) = softmax_k(intercepts[k] + Σⱼ weights[k][j]·xⱼ).
 * A binary model is trained with one sigmoid and stored with class 0 as the reference: weights[0] is all zeros and
 * intercepts[0] is 0, so the softmax of (0, z) is exactly sigmoid(z).
 */
export interface LogisticModel {
  kind: 'logistic';
  featureNames: string[];
  classes: string[];
  /** [class][feature], raw feature units. */
  weights: number[][];
  intercepts: number[];
}

/** One fully connected layer: out[o] = biases[o] + Σᵢ in[i]·weights[i·outputSize + o]. */
export interface DenseLayer {
  inputSize: number;
  outputSize: number;
  /** Row-major [inputSize][outputSize], the layout of ONNX MatMul's right-hand operand. */
  weights: number[];
  biases: number[];
}

interface MlpCommon {
  kind: 'mlp';
  featureNames: string[];
  /** The model standardises its own inputs: z = (x − inputMeans) / inputScales, then the layers. */
  inputMeans: number[];
  inputScales: number[];
  /** ReLU after every layer except the last. */
  layers: DenseLayer[];
}

/** The last layer has one output, in raw target units. */
export interface MlpRegressionModel extends MlpCommon {
  task: 'regression';
}

/** The last layer has one logit per class, followed by softmax. */
export interface MlpClassificationModel extends MlpCommon {
  task: 'classification';
  classes: string[];
}

export type MlpModel = MlpRegressionModel | MlpClassificationModel;

export type RegressionModel = LinearModel | MlpRegressionModel;
export type ClassificationModel = LogisticModel | MlpClassificationModel;
export type Model = RegressionModel | ClassificationModel;

export function isClassificationModel(model: Model): model is ClassificationModel {
  return model.kind === 'logistic' || (model.kind === 'mlp' && model.task === 'classification');
}

/** One epoch of training: mean data loss (no L2 term) on the training and validation rows. */
export interface EpochLoss {
  epoch: number;
  trainLoss: number;
  /** NaN when the trainer had no validation rows. */
  valLoss: number;
}
