import { matern52FromDistance, SQRT5 } from './kernel';
import { choleskyInverse, choleskyWithJitter, solveLower, solveUpperTransposed } from './linalg';
import { lbfgs } from './optimize';
import type { Rng } from './rng';

/**
 * Gaussian-process regression with a Matérn 5/2 ARD kernel on standardised outputs (observed y shifted to mean 0
 * and scaled to standard deviation 1), a homoscedastic noise term, and hyperparameters fitted by maximum a
 * posteriori: log marginal likelihood + log prior, maximised over the log hyperparameters
 * θ = (log ℓ_1 … log ℓ_d, log s², log(σ²_n − MIN_NOISE)) by L-BFGS with analytic gradients from a few starts.
 *
 * Priors (densities over θ, so the MAP is invariant to how θ is written):
 * - length scales: log ℓ_j ~ Normal(√2 + ½ log d, √3), the dimension-scaled log-normal prior of Hvarfner et al.
 *   (2024), BoTorch's default since 0.12. Inputs live in [0, 1]^d, so its median length scale (≈ 5.8 at d = 2)
 *   favours smooth, nearly linear fits until the data say otherwise, and it stops the ℓ of irrelevant dimensions
 *   from running to infinity.
 * - signal variance: s² ~ Gamma(2, 1), as Optuna's GPSampler (outputs are standardised, so s² ≈ 1).
 * - noise: σ²_n − MIN_NOISE ~ LogNormal(−4, 1), BoTorch's default noise prior: small but non-zero noise, since ML
 *   losses are noisy (random seeds, data order); MIN_NOISE keeps the kernel matrix well conditioned.
 */

/** Floor of the noise variance (in standardised units). */
export const MIN_NOISE = 1e-6;

/** Fitted kernel hyperparameters, in standardised output units. Plain JSON. */
export interface GpHyperparameters {
  lengthScales: number[];
  signalVariance: number;
  noiseVariance: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

export function hyperparametersToTheta(h: GpHyperparameters): Float64Array {
  const d = h.lengthScales.length;
  const theta = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) theta[j] = Math.log(h.lengthScales[j]);
  theta[d] = Math.log(h.signalVariance);
  theta[d + 1] = Math.log(Math.max(h.noiseVariance - MIN_NOISE, 1e-300));
  return theta;
}

export function thetaToHyperparameters(theta: ArrayLike<number>): GpHyperparameters {
  const d = theta.length - 2;
  return {
    lengthScales: Array.from({ length: d }, (_, j) => Math.exp(theta[j])),
    signalVariance: Math.exp(theta[d]),
    noiseVariance: MIN_NOISE + Math.exp(theta[d + 1]),
  };
}

/** Location and scale of the log-normal length-scale prior for d input dimensions. */
export function lengthScalePrior(d: number): { loc: number; scale: number } {
  return { loc: Math.SQRT2 + 0.5 * Math.log(d), scale: Math.sqrt(3) };
}
const NOISE_PRIOR = { loc: -4, scale: 1 };
const SIGNAL_PRIOR = { concentration: 2, rate: 1 };

/** Log prior density of θ (up to a constant); adds its gradient into `grad` when given. */
export function logPrior(theta: ArrayLike<number>, grad?: Float64Array): number {
  const d = theta.length - 2;
  const ls = lengthScalePrior(d);
  let lp = 0;
  for (let j = 0; j < d; j++) {
    const z = (theta[j] - ls.loc) / ls.scale;
    lp -= 0.5 * z * z;
    if (grad) grad[j] -= z / ls.scale;
  }
  const s2 = Math.exp(theta[d]);
  lp += SIGNAL_PRIOR.concentration * theta[d] - SIGNAL_PRIOR.rate * s2;
  if (grad) grad[d] += SIGNAL_PRIOR.concentration - SIGNAL_PRIOR.rate * s2;
  const zn = (theta[d + 1] - NOISE_PRIOR.loc) / NOISE_PRIOR.scale;
  lp -= 0.5 * zn * zn;
  if (grad) grad[d + 1] -= zn / NOISE_PRIOR.scale;
  return lp;
}

/**
 * The log marginal likelihood of fixed data as a function of θ, with the pairwise squared coordinate differences
 * precomputed once.
 */
export class MarginalLikelihood {
  readonly n: number;
  readonly d: number;
  private readonly y: Float64Array;
  /** diff2[j][p]: squared difference in dimension j of the p-th pair (i > k, p = i(i−1)/2 + k). */
  private readonly diff2: Float64Array[];

  constructor(X: readonly ArrayLike<number>[], yStandardised: ArrayLike<number>) {
    this.n = X.length;
    this.d = X.length > 0 ? X[0].length : 0;
    this.y = Float64Array.from(yStandardised);
    const pairs = (this.n * (this.n - 1)) / 2;
    this.diff2 = Array.from({ length: this.d }, () => new Float64Array(pairs));
    let p = 0;
    for (let i = 0; i < this.n; i++) {
      for (let k = 0; k < i; k++, p++) {
        for (let j = 0; j < this.d; j++) {
          const diff = X[i][j] - X[k][j];
          this.diff2[j][p] = diff * diff;
        }
      }
    }
  }

  /**
   * log p(y | X, θ) = −½ yᵀK⁻¹y − ½ log|K| − n/2 log 2π, K = K_f + σ²_n I. When `grad` is given, writes
   * ∂/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ) into it. Returns −∞ if K cannot be factorised even with jitter.
   */
  value(theta: ArrayLike<number>, grad?: Float64Array): number {
    const { n, d, diff2 } = this;
    const invL2 = new Float64Array(d);
    for (let j = 0; j < d; j++) invL2[j] = Math.exp(-2 * theta[j]);
    const s2 = Math.exp(theta[d]);
    const noiseExcess = Math.exp(theta[d + 1]);
    const noise = MIN_NOISE + noiseExcess;
    const pairs = (n * (n - 1)) / 2;
    const K = new Float64Array(n * n);
    const G = grad ? new Float64Array(pairs) : undefined;
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < i; k++, p++) {
        let r2 = 0;
        for (let j = 0; j < d; j++) r2 += diff2[j][p] * invL2[j];
        const r = Math.sqrt(r2);
        const sr = SQRT5 * r;
        const e = s2 * Math.exp(-sr);
        K[i * n + k] = (1 + sr + (sr * sr) / 3) * e;
        if (G) G[p] = (5 / 3) * (1 + sr) * e;
      }
      K[i * n + i] = s2 + noise;
    }
    const chol = choleskyWithJitter(K, n);
    if (!chol) {
      grad?.fill(0);
      return -Infinity;
    }
    const { L } = chol;
    const alpha = solveUpperTransposed(L, n, solveLower(L, n, this.y, new Float64Array(n)), new Float64Array(n));
    let lml = -0.5 * n * LOG_2PI;
    for (let i = 0; i < n; i++) lml -= 0.5 * this.y[i] * alpha[i] + Math.log(L[i * n + i]);
    if (!grad || !G) return lml;
    const Kinv = choleskyInverse(L, n);
    grad.fill(0);
    let signal = 0;
    let trace = 0;
    p = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < i; k++, p++) {
        const w = alpha[i] * alpha[k] - Kinv[i * n + k]; // off-diagonal entries count twice, ½ · 2 = 1
        signal += w * K[i * n + k];
        const wg = w * G[p];
        for (let j = 0; j < d; j++) grad[j] += wg * diff2[j][p];
      }
      const wii = alpha[i] * alpha[i] - Kinv[i * n + i];
      trace += wii;
      signal += 0.5 * wii * s2;
    }
    for (let j = 0; j < d; j++) grad[j] *= invL2[j];
    grad[d] = signal;
    grad[d + 1] = 0.5 * trace * noiseExcess;
    return lml;
  }
}

export interface FitOptions {
  /** Source of the random starts. */
  rng: Rng;
  /** Random starting points screened (by posterior value only) besides the default and warm starts. Default 8. */
  restarts?: number;
  /** L-BFGS runs, from the best screened starts. Default 2. */
  optimiserRuns?: number;
  /** L-BFGS iterations per run. Default 60. */
  maxIterations?: number;
  /** Previous fit (e.g. from the last step of a sweep), screened as one more start when its dimension matches. */
  warmStart?: GpHyperparameters;
}

export interface FitResult {
  hyperparameters: GpHyperparameters;
  logMarginalLikelihood: number;
  logPosterior: number;
}

/**
 * MAP hyperparameters for standardised outputs `ys` at inputs X (in the unit cube): the log posterior is
 * evaluated (without gradient) at a default start (ℓ = 0.5, the prior modes of s² and σ²_n), the warm start and
 * `restarts` random starts; L-BFGS then runs from the best `optimiserRuns` of them.
 */
export function fitHyperparameters(
  X: readonly ArrayLike<number>[],
  ys: ArrayLike<number>,
  options: FitOptions,
): FitResult {
  const d = X[0].length;
  const lml = new MarginalLikelihood(X, ys);
  const objective = (theta: Float64Array, grad?: Float64Array) => {
    const value = lml.value(theta, grad);
    if (!Number.isFinite(value)) return Infinity;
    const lp = logPrior(theta, grad);
    if (grad) for (let i = 0; i < grad.length; i++) grad[i] = -grad[i];
    return -(value + lp);
  };
  const starts: Float64Array[] = [];
  if (options.warmStart && options.warmStart.lengthScales.length === d) {
    const warm = hyperparametersToTheta(options.warmStart);
    if (warm.every(Number.isFinite)) starts.push(warm);
  }
  const centre = new Float64Array(d + 2);
  centre.fill(Math.log(0.5), 0, d);
  centre[d] = Math.log(SIGNAL_PRIOR.concentration / SIGNAL_PRIOR.rate);
  centre[d + 1] = NOISE_PRIOR.loc;
  starts.push(centre);
  for (let r = 0; r < (options.restarts ?? 8); r++) {
    const theta = new Float64Array(d + 2);
    for (let j = 0; j < d; j++) theta[j] = Math.log(0.05) + options.rng.uniform() * Math.log(40); // ℓ in [0.05, 2]
    theta[d] = Math.log(0.5) + options.rng.uniform() * Math.log(4);
    theta[d + 1] = -10 + options.rng.uniform() * 8;
    starts.push(theta);
  }
  const screened = starts
    .map((theta) => ({ theta, value: objective(theta) }))
    .filter((s) => Number.isFinite(s.value))
    .sort((a, b) => a.value - b.value)
    .slice(0, options.optimiserRuns ?? 2);
  let best: { theta: Float64Array; value: number } | undefined;
  for (const start of screened) {
    const result = lbfgs(objective, start.theta, {
      maxIterations: options.maxIterations ?? 60,
      gradientTolerance: 1e-3,
      relativeTolerance: 1e-7,
    });
    if (Number.isFinite(result.value) && (!best || result.value < best.value)) {
      best = { theta: result.x, value: result.value };
    }
  }
  if (!best) throw new Error('Gaussian process: no hyperparameters give a factorisable kernel matrix');
  return {
    hyperparameters: thetaToHyperparameters(best.theta),
    logMarginalLikelihood: lml.value(best.theta),
    logPosterior: -best.value,
  };
}

/** Mean 0 / standard deviation 1 scaling of the observed outputs (std 1 when fewer than 2 distinct values). */
export function standardisation(y: ArrayLike<number>): { mean: number; std: number } {
  const n = y.length;
  if (n === 0) return { mean: 0, std: 1 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (y[i] - mean) ** 2 / n;
  const std = Math.sqrt(variance);
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

export interface Prediction {
  mean: number;
  /** Variance of the latent function (without observation noise). */
  variance: number;
}

/** A GP conditioned on data with fixed hyperparameters. */
export class GaussianProcess {
  readonly X: readonly Float64Array[];
  readonly y: readonly number[];
  readonly hyperparameters: GpHyperparameters;
  readonly yMean: number;
  readonly yStd: number;
  /** Jitter that had to be added to the kernel diagonal (0 normally). */
  readonly jitter: number;
  readonly n: number;
  readonly d: number;
  private readonly L: Float64Array;
  private readonly alpha: Float64Array;
  private readonly ys: Float64Array;
  private readonly invLengthScales: Float64Array;
  private readonly kStar: Float64Array;

  /**
   * Conditions on (X, y) in original units. The outputs are standardised by their own mean and std unless
   * `scaling` is given (to keep the scale of an earlier fit when adding fantasy observations).
   */
  constructor(
    X: readonly ArrayLike<number>[],
    y: readonly number[],
    hyperparameters: GpHyperparameters,
    scaling: { mean: number; std: number } = standardisation(y),
  ) {
    if (X.length === 0) throw new Error('Gaussian process: no observations');
    if (X.length !== y.length) throw new Error(`Gaussian process: ${X.length} inputs but ${y.length} outputs`);
    if (!y.every(Number.isFinite)) throw new Error('Gaussian process: outputs must be finite');
    this.n = X.length;
    this.d = X[0].length;
    if (hyperparameters.lengthScales.length !== this.d) {
      throw new Error(`Gaussian process: ${hyperparameters.lengthScales.length} length scales for ${this.d} inputs`);
    }
    this.X = X.map((x) => Float64Array.from(x));
    this.y = [...y];
    this.hyperparameters = hyperparameters;
    this.yMean = scaling.mean;
    this.yStd = scaling.std;
    this.ys = Float64Array.from(y, (v) => (v - this.yMean) / this.yStd);
    this.invLengthScales = Float64Array.from(hyperparameters.lengthScales, (l) => 1 / l);
    const n = this.n;
    const K = new Float64Array(n * n);
    const s2 = hyperparameters.signalVariance;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < i; k++) {
        K[i * n + k] = this.kernel(this.X[i], this.X[k]);
      }
      K[i * n + i] = s2 + hyperparameters.noiseVariance;
    }
    const chol = choleskyWithJitter(K, n);
    if (!chol) throw new Error('Gaussian process: the kernel matrix is not positive definite even with jitter');
    this.L = chol.L;
    this.jitter = chol.jitter;
    this.alpha = solveUpperTransposed(
      this.L,
      n,
      solveLower(this.L, n, this.ys, new Float64Array(n)),
      new Float64Array(n),
    );
    this.kStar = new Float64Array(n);
  }

  /** Fits the hyperparameters (see `fitHyperparameters`) and conditions on the data. */
  static fit(X: readonly ArrayLike<number>[], y: readonly number[], options: FitOptions): GaussianProcess {
    const scaling = standardisation(y);
    const ys = y.map((v) => (v - scaling.mean) / scaling.std);
    const { hyperparameters } = fitHyperparameters(X, ys, options);
    return new GaussianProcess(X, y, hyperparameters, scaling);
  }

  private kernel(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let r2 = 0;
    const inv = this.invLengthScales;
    for (let j = 0; j < this.d; j++) {
      const diff = (a[j] - b[j]) * inv[j];
      r2 += diff * diff;
    }
    return matern52FromDistance(Math.sqrt(r2), this.hyperparameters.signalVariance);
  }

  /** Posterior of the latent function at x, in standardised units. */
  predictStandardised(x: ArrayLike<number>): Prediction {
    const n = this.n;
    const kStar = this.kStar;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      kStar[i] = this.kernel(x, this.X[i]);
      mean += kStar[i] * this.alpha[i];
    }
    const v = solveLower(this.L, n, kStar, kStar);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i] * v[i];
    return { mean, variance: Math.max(this.hyperparameters.signalVariance - explained, 0) };
  }

  /** Posterior of the latent function at x, in the units of y. */
  predict(x: ArrayLike<number>): Prediction {
    const p = this.predictStandardised(x);
    return { mean: this.yMean + this.yStd * p.mean, variance: this.yStd * this.yStd * p.variance };
  }

  /** log p(y | X, hyperparameters) of the standardised outputs. */
  logMarginalLikelihood(): number {
    const n = this.n;
    let lml = -0.5 * n * LOG_2PI;
    for (let i = 0; i < n; i++) lml -= 0.5 * this.ys[i] * this.alpha[i] + Math.log(this.L[i * n + i]);
    return lml;
  }

  /** The same GP (hyperparameters and output scaling) conditioned on extra observations (e.g. fantasies). */
  condition(X: readonly ArrayLike<number>[], y: readonly number[]): GaussianProcess {
    return new GaussianProcess([...this.X, ...X], [...this.y, ...y], this.hyperparameters, {
      mean: this.yMean,
      std: this.yStd,
    });
  }
}
