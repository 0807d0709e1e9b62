import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { NumericDataset } from '../data/dataset';
import type { LinearModel } from './linear';
import type { SearchSpace } from './search-space';

export interface RidgeHyperparameters {
  /** L2 penalty on the standardised weights; the intercept is not penalised. */
  l2: number;
}

export interface ScalingOption {
  /** Standardise the inputs internally (default); false when they are already preprocessed to a common scale. */
  standardize?: boolean;
}

/** l2 = 0 is ordinary least squares, so the range is linear rather than log-scaled. */
export const RIDGE_SEARCH_SPACE = { l2: { type: 'float', low: 0, high: 1e6 } } as const satisfies SearchSpace;
export const RIDGE_DEFAULTS: RidgeHyperparameters = { l2: 1 };

/**
 * Closed-form ridge regression on standardised features, solved by Cholesky: (ZᵀZ + λI)β = Zᵀ(y − ȳ).
 * The weights are mapped back to raw feature units, so the exported model takes raw values.
 */
export function trainRidge(
  data: NumericDataset,
  { l2 }: RidgeHyperparameters,
  { standardize = true }: ScalingOption = {},
): LinearModel {
  const n = data.features.length;
  const d = data.featureNames.length;
  if (n < 2) throw new RangeError(`ridge needs at least 2 training rows, got ${n}`);
  if (!(l2 >= 0)) throw new RangeError(`model.l2 must be >= 0, got ${l2}`);

  const means = data.featureNames.map((_, j) => data.features.reduce((s, row) => s + row[j], 0) / n);
  const scales = data.featureNames.map((name, j) => {
    // Inputs already on a common scale (the lifecycle's preprocessing) are only centred: rescaling a rare one-hot
    // column by its tiny spread would give huge raw-unit weights that cancel badly in float32.
    if (!standardize) return 1;
    // Compare raw values: a rounded mean can leave a constant column with a tiny non-zero variance.
    if (data.features.every((row) => row[j] === data.features[0][j])) {
      throw new RangeError(`feature "${name}" is constant in the training data; drop it from "features"`);
    }
    return Math.sqrt(data.features.reduce((s, row) => s + (row[j] - means[j]) ** 2, 0) / n);
  });
  const targetMean = data.target.reduce((a, b) => a + b, 0) / n;

  const z = new Matrix(data.features.map((row) => row.map((v, j) => (v - means[j]) / scales[j])));
  const y = Matrix.columnVector(data.target.map((v) => v - targetMean));
  const gram = z.transpose().mmul(z).add(Matrix.eye(d, d).mul(l2));
  const cholesky = new CholeskyDecomposition(gram);
  if (!cholesky.isPositiveDefinite()) {
    throw new RangeError('features are collinear and model.l2 is 0: set model.l2 > 0 or drop a duplicated feature');
  }
  const beta = cholesky.solve(z.transpose().mmul(y)).getColumn(0);

  const weights = beta.map((b, j) => b / scales[j]);
  const intercept = targetMean - weights.reduce((s, w, j) => s + w * means[j], 0);
  return { kind: 'linear', featureNames: [...data.featureNames], weights, intercept };
}
