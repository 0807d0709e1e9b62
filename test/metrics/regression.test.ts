import {
  checkRegressionInputs,
  meanAbsoluteError,
  meanSquaredError,
  r2Score,
  regressionMetrics,
  rootMeanSquaredError,
} from '../../lib/metrics/index';
import * as metrics from '../../lib/metrics';

// Reference values computed once with scikit-learn 1.9.1 (numpy 2.4.6): mean_squared_error,
// root_mean_squared_error, mean_absolute_error, r2_score. Python is not needed to run these tests.
const SKLEARN_CASES = [
  {
    yTrue: [3, -0.5, 2, 7],
    yPred: [2.5, 0.0, 2, 8],
    expected: { mse: 0.375, rmse: 0.6123724356957945, mae: 0.5, r2: 0.9486081370449679 },
  },
  {
    yTrue: [1.5, 2.25, 3.0, 10.0, -4.0, 0.5],
    yPred: [1.0, 2.5, 2.75, 8.5, -3.0, 1.25],
    expected: { mse: 0.6979166666666666, rmse: 0.8354140689901426, mae: 0.7083333333333334, r2: 0.9594635474437834 },
  },
  {
    yTrue: [1, 2, 3],
    yPred: [3, 2, 1],
    expected: { mse: 2.6666666666666665, rmse: 1.632993161855452, mae: 1.3333333333333333, r2: -3.0 },
  },
];

describe('regressionMetrics against scikit-learn 1.9.1', () => {
  it.each(SKLEARN_CASES)('matches for yTrue=$yTrue', ({ yTrue, yPred, expected }) => {
    const got = regressionMetrics(yTrue, yPred);
    expect(got.mse).toBeCloseTo(expected.mse, 12);
    expect(got.rmse).toBeCloseTo(expected.rmse, 12);
    expect(got.mae).toBeCloseTo(expected.mae, 12);
    expect(got.r2).toBeCloseTo(expected.r2, 12);
  });
});

describe('regression metrics by hand', () => {
  it('computes errors of a small example', () => {
    // errors: -1, 0, 2 → squared 1, 0, 4 (mean 5/3); absolute 1, 0, 2 (mean 1)
    expect(meanSquaredError([1, 2, 3], [2, 2, 1])).toBeCloseTo(5 / 3, 14);
    expect(rootMeanSquaredError([1, 2, 3], [2, 2, 1])).toBeCloseTo(Math.sqrt(5 / 3), 14);
    expect(meanAbsoluteError([1, 2, 3], [2, 2, 1])).toBe(1);
    // mean 2, SS_tot = 2, SS_res = 5 → R² = 1 - 5/2
    expect(r2Score([1, 2, 3], [2, 2, 1])).toBeCloseTo(-1.5, 14);
  });

  it('scores a perfect prediction 0 error and R² 1', () => {
    expect(regressionMetrics([1.5, -2, 8], [1.5, -2, 8])).toEqual({ mse: 0, rmse: 0, mae: 0, r2: 1 });
  });

  it('scores the constant mean predictor R² = 0 (sklearn: mse 10, mae 2.4)', () => {
    const got = regressionMetrics([1, 2, 3, 4, 10], [4, 4, 4, 4, 4]);
    expect(got.r2).toBe(0);
    expect(got.mse).toBe(10);
    expect(got.rmse).toBeCloseTo(3.1622776601683795, 14);
    expect(got.mae).toBeCloseTo(2.4, 14);
  });

  it('handles a constant target like sklearn force_finite: 1 if perfect, else 0', () => {
    expect(r2Score([5, 5, 5], [5, 5, 5])).toBe(1);
    expect(r2Score([5, 5, 5], [5, 6, 5])).toBe(0);
  });
});

describe('regression input validation', () => {
  it('rejects unequal or empty lengths', () => {
    expect(() => regressionMetrics([1, 2], [1])).toThrow(/equal, non-zero lengths \(got 2 and 1\)/);
    expect(() => regressionMetrics([], [])).toThrow(RangeError);
    expect(() => r2Score([], [])).toThrow('R² needs equal, non-zero lengths');
  });

  it('rejects non-finite values, naming the array and index', () => {
    expect(() => meanAbsoluteError([1, NaN], [1, 2])).toThrow('MAE: yTrue[1] is NaN, not a finite number');
    expect(() => checkRegressionInputs([1, 2], [1, Infinity])).toThrow('yPred[1] is Infinity');
  });
});

describe('lib/metrics index', () => {
  it('exports the single metrics, mean and the regression and classification summaries', () => {
    expect(metrics.meanSquaredError([0, 0], [3, -4])).toBe(12.5);
    expect(metrics.mean([1, 2, 3, 10])).toBe(4);
    expect(metrics.regressionMetrics([0, 0], [3, -4]).mae).toBe(3.5);
    expect(typeof metrics.classificationMetrics).toBe('function');
  });
});
