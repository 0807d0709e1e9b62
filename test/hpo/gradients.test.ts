import {
  logExpectedImprovement,
  logExpectedImprovementWithGradient,
  maximiseAcquisition,
} from '../../lib/hpo/acquisition';
import { fitHyperparameters, GaussianProcess, standardisation } from '../../lib/hpo/gp';
import { choleskyInPlace, choleskyInverse } from '../../lib/hpo/linalg';
import { Rng } from '../../lib/hpo/rng';
import { logImprovementFunction, logImprovementFunctionDerivative } from '../../lib/hpo/special';

const rng = new Rng(21);
const X = Array.from({ length: 30 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
const y = X.map((x) => Math.sin(5 * x[0]) + x[1] * x[2] + 0.3 * Math.cos(7 * x[2]));

describe('gradients for the acquisition optimiser', () => {
  it('d log h / dz matches finite differences, including far in the tail', () => {
    for (const z of [3, 1, 0, -0.5, -0.99, -1.01, -2, -5, -20, -60, -500]) {
      const h = 1e-6 * Math.max(1, Math.abs(z));
      const numeric = (logImprovementFunction(z + h) - logImprovementFunction(z - h)) / (2 * h);
      const analytic = logImprovementFunctionDerivative(z);
      expect(Math.abs(analytic - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('log EI derivatives with respect to the mean and the variance match finite differences', () => {
    const cases: [number, number, number][] = [
      [0.3, 0.2, 0.1],
      [0.5, 0.01, -3],
      [2, 0.001, -5],
      [0, 1, 2],
      [-1, 0.5, -0.8],
    ];
    for (const [mean, variance, best] of cases) {
      const g = logExpectedImprovementWithGradient(mean, variance, best);
      expect(g.value).toBeCloseTo(logExpectedImprovement(mean, variance, best), 12);
      const h = 1e-6;
      const dMean =
        (logExpectedImprovement(mean + h, variance, best) - logExpectedImprovement(mean - h, variance, best)) / (2 * h);
      const hv = h * variance;
      const dVariance =
        (logExpectedImprovement(mean, variance + hv, best) - logExpectedImprovement(mean, variance - hv, best)) /
        (2 * hv);
      expect(Math.abs(g.dMean - dMean)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dMean)));
      expect(Math.abs(g.dVariance - dVariance)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dVariance)));
    }
  });

  it('GP posterior mean and variance gradients with respect to x match finite differences', () => {
    const gp = new GaussianProcess(X, y, { lengthScales: [0.3, 0.5, 0.8], signalVariance: 1.3, noiseVariance: 1e-4 });
    const dMean = new Float64Array(3);
    const dVariance = new Float64Array(3);
    const r = new Rng(4);
    for (let trial = 0; trial < 5; trial++) {
      const x = [r.uniform(), r.uniform(), r.uniform()];
      const p = gp.predictStandardisedWithGradient(x, dMean, dVariance);
      const q = gp.predictStandardised(x);
      expect(p.mean).toBeCloseTo(q.mean, 12);
      expect(p.variance).toBeCloseTo(q.variance, 12);
      for (let j = 0; j < 3; j++) {
        const h = 1e-6;
        const plus = x.slice();
        const minus = x.slice();
        plus[j] += h;
        minus[j] -= h;
        const a = gp.predictStandardised(plus);
        const b = gp.predictStandardised(minus);
        expect(Math.abs(dMean[j] - (a.mean - b.mean) / (2 * h))).toBeLessThan(1e-6);
        expect(Math.abs(dVariance[j] - (a.variance - b.variance) / (2 * h))).toBeLessThan(1e-6);
      }
    }
  });

  it('gradient-based refinement finds the maximum of a smooth acquisition precisely and deterministically', () => {
    const target = [0.3141, 0.7182, 0.5];
    const f = (u: Float64Array) => -((u[0] - target[0]) ** 2) - 2 * (u[1] - target[1]) ** 2 - (u[2] - target[2]) ** 2;
    const withGradient = (u: Float64Array, grad: Float64Array) => {
      grad[0] = -2 * (u[0] - target[0]);
      grad[1] = -4 * (u[1] - target[1]);
      grad[2] = -2 * (u[2] - target[2]);
      return f(u);
    };
    const clamp = (u: ArrayLike<number>, out: Float64Array) => {
      for (let j = 0; j < out.length; j++) out[j] = Math.min(1, Math.max(0, u[j]));
      return out;
    };
    const run = () =>
      maximiseAcquisition(f, clamp, 3, new Rng(9), [], { candidates: 64, localRadius: 1 }, withGradient);
    const ranked = run();
    for (let j = 0; j < 3; j++) expect(ranked[0].u[j]).toBeCloseTo(target[j], 5);
    expect(Array.from(run()[0].u)).toEqual(Array.from(ranked[0].u));
  });

  it('preconditioning by the length scales lets few L-BFGS iterations reach an ill-conditioned maximum', () => {
    // An acquisition of (u − target) / ℓ with length scales four orders of magnitude apart.
    const lengthScales = [1, 1e-4];
    const target = [0.4242, 0.61803];
    const f = (u: Float64Array) =>
      -(((u[0] - target[0]) / lengthScales[0]) ** 2 + ((u[1] - target[1]) / lengthScales[1]) ** 2);
    const withGradient = (u: Float64Array, grad: Float64Array) => {
      for (let j = 0; j < 2; j++) grad[j] = (-2 * (u[j] - target[j])) / lengthScales[j] ** 2;
      return f(u);
    };
    const clamp = (u: ArrayLike<number>, out: Float64Array) => {
      for (let j = 0; j < out.length; j++) out[j] = Math.min(1, Math.max(0, u[j]));
      return out;
    };
    const best = (options: object) =>
      maximiseAcquisition(
        f,
        clamp,
        2,
        new Rng(5),
        [],
        { candidates: 16, localStarts: 1, gradientIterations: 3, ...options },
        withGradient,
      )[0];
    const preconditioned = best({ lengthScales });
    expect(preconditioned.u[0]).toBeCloseTo(target[0], 6);
    expect(preconditioned.u[1]).toBeCloseTo(target[1], 9);
    // The same three iterations without it stay far from the maximum along the long axis.
    expect(best({}).value).toBeLessThan(preconditioned.value - 1e-3);
  });
});

describe('linear algebra and fitting for large n', () => {
  it('choleskyInverse inverts a symmetric positive-definite matrix', () => {
    const n = 23;
    const r = new Rng(3);
    const B = Array.from({ length: n * n }, () => r.normal());
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
        A[i * n + j] = s;
      }
    }
    const L = A.slice();
    expect(choleskyInPlace(L, n)).toBe(true);
    const inv = choleskyInverse(L, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k] * inv[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
      for (let j = 0; j < i; j++) expect(inv[i * n + j]).toBe(inv[j * n + i]);
    }
  });

  it('fits hyperparameters on a random subset when there are more than maxPoints observations', () => {
    const r = new Rng(6);
    const Xl = Array.from({ length: 60 }, () => [r.uniform(), r.uniform()]);
    const yl = Xl.map((x) => Math.sin(6 * x[0]));
    const { mean, std } = standardisation(yl);
    const ys = yl.map((v) => (v - mean) / std);
    const a = fitHyperparameters(Xl, ys, { rng: new Rng(2), maxPoints: 30 });
    const b = fitHyperparameters(Xl, ys, { rng: new Rng(2), maxPoints: 30 });
    expect(a).toEqual(b);
    expect(a.hyperparameters.lengthScales[1]).toBeGreaterThan(3 * a.hyperparameters.lengthScales[0]);
  });
});
