/** Regression metrics with the same conventions as scikit-learn's (`mean_squared_error`, `r2_score`, ...). */

/** Throws a RangeError unless both arrays have the same non-zero length and hold only finite numbers. */
export function checkRegressionInputs(yTrue: number[], yPred: number[], metric = 'regression metric'): void {
  if (yTrue.length !== yPred.length || yTrue.length === 0) {
    throw new RangeError(`${metric} needs equal, non-zero lengths (got ${yTrue.length} and ${yPred.length})`);
  }
  for (const [name, values] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${metric}: ${name}[${bad}] is ${String(values[bad])}, not a finite number`);
  }
}

export function meanSquaredError(yTrue: number[], yPred: number[]): number {
  checkRegressionInputs(yTrue, yPred, 'MSE');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += (yTrue[i] - yPred[i]) ** 2;
  return sum / yTrue.length;
}

export function rootMeanSquaredError(yTrue: number[], yPred: number[]): number {
  checkRegressionInputs(yTrue, yPred, 'RMSE');
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

export function meanAbsoluteError(yTrue: number[], yPred: number[]): number {
  checkRegressionInputs(yTrue, yPred, 'MAE');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += Math.abs(yTrue[i] - yPred[i]);
  return sum / yTrue.length;
}

/**
 * Coefficient of determination, 1 - SS_res / SS_tot. Predicting the mean of `yTrue` scores 0; worse models score
 * below 0. When `yTrue` is constant (SS_tot = 0) it is 1 for perfect predictions and 0 otherwise, as scikit-learn's
 * `r2_score` does with its default `force_finite=True`.
 */
export function r2Score(yTrue: number[], yPred: number[]): number {
  checkRegressionInputs(yTrue, yPred, 'R²');
  let total = 0;
  for (const y of yTrue) total += y;
  const yMean = total / yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - yMean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

export function mean(values: number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty list is undefined');
  return values.reduce((a, b) => a + b, 0) / values.length;
}
