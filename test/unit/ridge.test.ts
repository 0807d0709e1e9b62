import type { NumericDataset } from '../../lib/data/dataset';
import { predictLinear, type LinearModel } from '../../lib/models/linear';
import { trainRidge } from '../../lib/models/ridge';
import { seededRandom } from '../helpers/random';

/** y = 3 + 2·x1 − 0.5·x2 (+ optional uniform noise of ±noise). */
function synthetic(n: number, noise = 0, seed = 1): NumericDataset {
  const random = seededRandom(seed);
  const features = Array.from({ length: n }, () => [random() * 10, random() * 20 - 5]);
  const target = features.map(([x1, x2]) => 3 + 2 * x1 - 0.5 * x2 + (random() * 2 - 1) * noise);
  return { featureNames: ['x1', 'x2'], targetName: 'y', features, target };
}

const average = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Population mean and standard deviation of each feature column, as the trainer standardises them. */
function columnStats(data: NumericDataset) {
  const means = data.featureNames.map((_, j) => average(data.features.map((r) => r[j])));
  const scales = means.map((m, j) => Math.sqrt(average(data.features.map((r) => (r[j] - m) ** 2))));
  return { means, scales };
}

/** ||y − Xw − b||² + l2·||w_std||², where w_std = w · scale (the weights in standardised units). */
function objective(data: NumericDataset, weights: number[], intercept: number, l2: number): number {
  const { scales } = columnStats(data);
  const model: LinearModel = { kind: 'linear', featureNames: data.featureNames, weights, intercept };
  const predictions = predictLinear(model, data.features);
  const sse = data.target.reduce((s, y, i) => s + (y - predictions[i]) ** 2, 0);
  return sse + l2 * weights.reduce((s, w, j) => s + (w * scales[j]) ** 2, 0);
}

describe('trainRidge', () => {
  it('recovers the exact weights and intercept of noise-free data with l2 = 0', () => {
    const model = trainRidge(synthetic(200), { l2: 0 });
    expect(model.kind).toBe('linear');
    expect(model.featureNames).toEqual(['x1', 'x2']);
    expect(Math.abs(model.weights[0] - 2)).toBeLessThan(1e-8);
    expect(Math.abs(model.weights[1] + 0.5)).toBeLessThan(1e-8);
    expect(Math.abs(model.intercept - 3)).toBeLessThan(1e-8);
  });

  it('predicts the noise-free targets through predictLinear', () => {
    const data = synthetic(50);
    const predictions = predictLinear(trainRidge(data, { l2: 0 }), data.features);
    predictions.forEach((p, i) => expect(Math.abs(p - data.target[i])).toBeLessThan(1e-8));
  });

  it('shrinks the standardised weights when l2 > 0, keeping the mean prediction on the mean target', () => {
    const data = synthetic(100, 1);
    const { scales } = columnStats(data);
    const standardised = (m: LinearModel) => m.weights.map((w, j) => Math.abs(w * scales[j]));
    const free = standardised(trainRidge(data, { l2: 0 }));
    const penalised = trainRidge(data, { l2: 50 });
    standardised(penalised).forEach((w, j) => expect(w).toBeLessThan(free[j]));

    const meanPrediction = average(predictLinear(penalised, data.features));
    expect(meanPrediction).toBeCloseTo(average(data.target), 10);
  });

  it('returns the minimiser of the ridge objective: zero gradient in standardised coordinates', () => {
    const data = synthetic(120, 3, 9);
    const l2 = 25;
    const model = trainRidge(data, { l2 });
    const { means, scales } = columnStats(data);
    const predictions = predictLinear(model, data.features);
    const residuals = data.target.map((y, i) => y - predictions[i]);
    // d/dβ_k of ||r||² + λ||β||² with r = y − c − Zβ is −2·Σ r_i·z_ik + 2λβ_k; d/dc is −2·Σ r_i.
    const gradient = data.featureNames.map((_, k) => {
      const zr = residuals.reduce((s, r, i) => s + r * ((data.features[i][k] - means[k]) / scales[k]), 0);
      return -2 * zr + 2 * l2 * model.weights[k] * scales[k];
    });
    const interceptGradient = -2 * residuals.reduce((a, b) => a + b, 0);
    gradient.forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-8));
    expect(Math.abs(interceptGradient)).toBeLessThan(1e-8);
    // Not a tautology: without the penalty term the gradient is clearly non-zero.
    expect(Math.abs(gradient[0] - 2 * l2 * model.weights[0] * scales[0])).toBeGreaterThan(1);
  });

  it('returns the minimiser of the ridge objective: perturbing any parameter increases it', () => {
    const data = synthetic(80, 2, 5);
    const l2 = 10;
    const { weights, intercept } = trainRidge(data, { l2 });
    const best = objective(data, weights, intercept, l2);
    for (const eps of [1e-2, -1e-2]) {
      weights.forEach((_, j) => {
        const moved = weights.map((w, k) => (k === j ? w + eps : w));
        expect(objective(data, moved, intercept, l2)).toBeGreaterThan(best);
      });
      expect(objective(data, weights, intercept + eps, l2)).toBeGreaterThan(best);
    }
    // The unpenalised least-squares fit is a different point, and worse under the ridge objective.
    const ols = trainRidge(data, { l2: 0 });
    expect(objective(data, ols.weights, ols.intercept, l2)).toBeGreaterThan(best);
  });

  it('throws on a constant feature, naming it', () => {
    const data = synthetic(10);
    data.featureNames = ['x1', 'x2', 'flat'];
    data.features = data.features.map((row) => [...row, 7]);
    expect(() => trainRidge(data, { l2: 1 })).toThrow(RangeError);
    expect(() => trainRidge(data, { l2: 1 })).toThrow('feature "flat" is constant');
  });

  it('throws on a duplicated feature with l2 = 0, but fits it with l2 > 0', () => {
    const data = synthetic(20);
    data.featureNames = ['x1', 'x2', 'x1_copy'];
    data.features = data.features.map((row) => [...row, row[0]]);
    expect(() => trainRidge(data, { l2: 0 })).toThrow(/collinear/);
    const model = trainRidge(data, { l2: 0.1 });
    // The penalty splits the x1 effect evenly between the two identical columns.
    expect(model.weights[0]).toBeCloseTo(model.weights[2], 10);
  });

  it('rejects fewer than 2 rows and a negative or NaN l2', () => {
    expect(() => trainRidge(synthetic(1), { l2: 1 })).toThrow(/at least 2 training rows/);
    expect(() => trainRidge(synthetic(10), { l2: -1 })).toThrow(/model\.l2/);
    expect(() => trainRidge(synthetic(10), { l2: NaN })).toThrow(/model\.l2/);
  });

  it('with standardize: false only centres, so a nearly constant column cannot blow up the weights', () => {
    // Like the day-of-year of a few hours of flights: a column that barely moves in the training rows.
    const random = seededRandom(3);
    const features = Array.from({ length: 500 }, () => [random() * 10, 0.5 + random() * 1e-6]);
    const target = features.map(([x]) => 2 * x + 3 + random());
    const data: NumericDataset = { featureNames: ['x', 'almost-constant'], targetName: 'y', features, target };
    const scaled = trainRidge(data, { l2: 1 });
    const centred = trainRidge(data, { l2: 1 }, { standardize: false });
    expect(Math.abs(scaled.weights[1])).toBeGreaterThan(1e4);
    expect(Math.abs(centred.weights[1])).toBeLessThan(1);
    expect(centred.weights[0]).toBeCloseTo(2, 1);
  });
});
