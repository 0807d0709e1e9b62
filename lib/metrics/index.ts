import { accuracy, f1Score, logLoss, rocAuc } from './classification';
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from './regression';

export * from './classification';
export * from './regression';

export interface RegressionMetrics {
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  logLoss: number;
  /** Binary: F1 of class 1; multiclass: macro F1. */
  f1: number;
  /** Binary: ROC AUC of class 1; multiclass: macro one-vs-rest ROC AUC. */
  rocAuc: number;
}

/** MSE, RMSE, MAE and R² of predictions against targets (equal, non-zero lengths of finite numbers). */
export function regressionMetrics(yTrue: number[], yPred: number[]): RegressionMetrics {
  return {
    mse: meanSquaredError(yTrue, yPred),
    rmse: rootMeanSquaredError(yTrue, yPred),
    mae: meanAbsoluteError(yTrue, yPred),
    r2: r2Score(yTrue, yPred),
  };
}

/**
 * Accuracy, log loss, F1 and ROC AUC from class labels `0..K-1` and one row of K probabilities per sample.
 * Throws a RangeError on invalid input, and when a class is missing from `yTrue` (ROC AUC is then undefined).
 */
export function classificationMetrics(yTrue: number[], probabilities: number[][]): ClassificationMetrics {
  return {
    accuracy: accuracy(yTrue, probabilities),
    logLoss: logLoss(yTrue, probabilities),
    f1: f1Score(yTrue, probabilities),
    rocAuc: rocAuc(yTrue, probabilities),
  };
}
