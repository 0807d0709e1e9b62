/** Mean squared error between targets and predictions of equal length. */
export function meanSquaredError(target: number[], prediction: number[]): number {
  if (target.length !== prediction.length || target.length === 0) {
    throw new RangeError(`MSE needs equal, non-zero lengths (got ${target.length} and ${prediction.length})`);
  }
  let sum = 0;
  for (let i = 0; i < target.length; i++) sum += (target[i] - prediction[i]) ** 2;
  return sum / target.length;
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

// `import '…/lib/metrics'` resolves to this file, not to lib/metrics/index.ts: re-export the fuller API from here too.
export { classificationMetrics, regressionMetrics } from './metrics/index';
export type { ClassificationMetrics, RegressionMetrics } from './metrics/index';
