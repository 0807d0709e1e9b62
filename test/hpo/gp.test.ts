import { LuDecomposition, Matrix } from 'ml-matrix';
import {
  fitHyperparameters,
  GaussianProcess,
  hyperparametersToTheta,
  logPrior,
  MarginalLikelihood,
  standardisation,
  thetaToHyperparameters,
} from '../../lib/hpo/gp';
import { kernelMatrix } from '../../lib/hpo/kernel';
import { choleskyWithJitter } from '../../lib/hpo/linalg';
import { Rng } from '../../lib/hpo/rng';

const rng = new Rng(11);
const f = (x: ArrayLike<number>) => Math.sin(6 * x[0]) + 0.5 * Math.cos(4 * x[1]) + x[0] * x[1];
const X = Array.from({ length: 25 }, () => [rng.uniform(), rng.uniform()]);
const y = X.map(f);

describe('GaussianProcess', () => {
  const hyper = { lengthScales: [0.3, 0.4], signalVariance: 1, noiseVariance: 1e-6 };

  it('interpolates noise-free data, with variance shrinking to ~0 at observed points', () => {
    const gp = new GaussianProcess(X, y, hyper);
    const { std } = standardisation(y);
    for (let i = 0; i < X.length; i++) {
      const p = gp.predict(X[i]);
      expect(p.mean).toBeCloseTo(y[i], 3);
      expect(p.variance).toBeLessThan(1e-5 * std * std);
    }
    const far = gp.predict([1.5, 1.5]);
    expect(far.variance).toBeGreaterThan(0.5 * std * std);
    // Variance shrinks as a point gets closer to an observation.
    const near = (t: number) => gp.predict([X[0][0] + t, X[0][1]]).variance;
    expect(near(0.001)).toBeLessThan(near(0.01));
    expect(near(0.01)).toBeLessThan(near(0.05));
  });

  it('with fitted hyperparameters, fits the data closely and predicts held-out points', () => {
    const gp = GaussianProcess.fit(X, y, { rng: new Rng(1) });
    for (let i = 0; i < X.length; i++) expect(Math.abs(gp.predict(X[i]).mean - y[i])).toBeLessThan(0.05);
    const test = Array.from({ length: 50 }, () => [0.1 + 0.8 * rng.uniform(), 0.1 + 0.8 * rng.uniform()]);
    const rmse = Math.sqrt(test.reduce((s, x) => s + (gp.predict(x).mean - f(x)) ** 2, 0) / test.length);
    expect(rmse).toBeLessThan(0.15);
    const midVariance = gp.predict([0.5, 0.5]).variance;
    expect(gp.predict(X[3]).variance).toBeLessThan(midVariance + 1e-12);
  });

  it('computes the log marginal likelihood of the standardised outputs', () => {
    const gp = new GaussianProcess(X, y, { ...hyper, noiseVariance: 0.01 });
    const { mean, std } = standardisation(y);
    const ys = y.map((v) => (v - mean) / std);
    const K = kernelMatrix(X, { lengthScales: hyper.lengthScales, signalVariance: 1 });
    const n = X.length;
    const rows = Array.from({ length: n }, (_, i) => Array.from(K.subarray(i * n, (i + 1) * n)));
    const M = new Matrix(rows).add(Matrix.eye(n).mul(0.01));
    const lu = new LuDecomposition(M);
    const alpha = lu.solve(Matrix.columnVector(ys));
    const logDet = Math.log(lu.determinant);
    const expected =
      -0.5 * ys.reduce((s, v, i) => s + v * alpha.get(i, 0), 0) - 0.5 * logDet - 0.5 * n * Math.log(2 * Math.PI);
    expect(gp.logMarginalLikelihood()).toBeCloseTo(expected, 8);
    const theta = hyperparametersToTheta({ ...hyper, noiseVariance: 0.01 });
    expect(new MarginalLikelihood(X, ys).value(theta)).toBeCloseTo(expected, 8);
  });

  it('has an analytic gradient of the log marginal likelihood that matches finite differences', () => {
    const r = new Rng(5);
    const X3 = Array.from({ length: 30 }, () => [r.uniform(), r.uniform(), r.uniform()]);
    const y3 = X3.map((x) => Math.sin(5 * x[0]) + x[1] ** 2 + 0.05 * r.normal());
    const { mean, std } = standardisation(y3);
    const lml = new MarginalLikelihood(
      X3,
      y3.map((v) => (v - mean) / std),
    );
    for (let trial = 0; trial < 5; trial++) {
      const theta = Float64Array.from([
        Math.log(0.1 + r.uniform()),
        Math.log(0.1 + r.uniform()),
        Math.log(0.1 + 2 * r.uniform()),
        Math.log(0.5 + r.uniform()),
        -6 + 4 * r.uniform(),
      ]);
      const grad = new Float64Array(theta.length);
      lml.value(theta, grad);
      for (let i = 0; i < theta.length; i++) {
        const h = 1e-5;
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[i] += h;
        minus[i] -= h;
        const numeric = (lml.value(plus) - lml.value(minus)) / (2 * h);
        expect(Math.abs(grad[i] - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
      const priorGrad = new Float64Array(theta.length);
      logPrior(theta, priorGrad);
      for (let i = 0; i < theta.length; i++) {
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[i] += 1e-6;
        minus[i] -= 1e-6;
        expect(priorGrad[i]).toBeCloseTo((logPrior(plus) - logPrior(minus)) / 2e-6, 6);
      }
    }
  });

  it('round-trips hyperparameters through θ', () => {
    const h = { lengthScales: [0.1, 2], signalVariance: 0.8, noiseVariance: 0.02 };
    const back = thetaToHyperparameters(hyperparametersToTheta(h));
    expect(back.lengthScales[0]).toBeCloseTo(0.1, 14);
    expect(back.lengthScales[1]).toBeCloseTo(2, 14);
    expect(back.signalVariance).toBeCloseTo(0.8, 14);
    expect(back.noiseVariance).toBeCloseTo(0.02, 14);
  });

  it('learns a long length scale for an irrelevant dimension', () => {
    const r = new Rng(8);
    const Xi = Array.from({ length: 40 }, () => [r.uniform(), r.uniform()]);
    const yi = Xi.map((x) => Math.sin(6 * x[0]));
    const { mean, std } = standardisation(yi);
    const fit = fitHyperparameters(
      Xi,
      yi.map((v) => (v - mean) / std),
      { rng: new Rng(2) },
    );
    expect(fit.hyperparameters.lengthScales[1]).toBeGreaterThan(5 * fit.hyperparameters.lengthScales[0]);
    expect(fit.hyperparameters.noiseVariance).toBeLessThan(1e-2);
    expect(Number.isFinite(fit.logPosterior)).toBe(true);
  });

  it('adds jitter when duplicated inputs make the kernel matrix singular', () => {
    const Xd = [[0.2], [0.2], [0.2], [0.7]];
    const K = kernelMatrix(Xd, { lengthScales: [0.5], signalVariance: 1 });
    const chol = choleskyWithJitter(K, 4);
    expect(chol).toBeDefined();
    expect(chol!.jitter).toBeGreaterThan(0);
    const gp = new GaussianProcess(Xd, [1, 1.1, 0.9, 2], { lengthScales: [0.5], signalVariance: 1, noiseVariance: 0 });
    expect(gp.jitter).toBeGreaterThan(0);
    expect(Number.isFinite(gp.predict([0.4]).mean)).toBe(true);
  });

  it('keeps its output scaling when conditioned on fantasies', () => {
    const gp = new GaussianProcess(X, y, hyper);
    const fantasised = gp.condition([[0.5, 0.5]], [Math.min(...y)]);
    expect(fantasised.n).toBe(X.length + 1);
    expect(fantasised.yMean).toBe(gp.yMean);
    expect(fantasised.yStd).toBe(gp.yStd);
    expect(fantasised.predict([0.5, 0.5]).mean).toBeCloseTo(Math.min(...y), 3);
  });

  it('rejects mismatched or non-finite data', () => {
    expect(() => new GaussianProcess([], [], hyper)).toThrow('no observations');
    expect(() => new GaussianProcess(X, y.slice(1), hyper)).toThrow('25 inputs but 24 outputs');
    expect(() => new GaussianProcess([[0, 0]], [NaN], hyper)).toThrow('outputs must be finite');
  });
});
