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
 * Priors (log densities as functions of θ; the length-scale and noise terms are Optuna's, without Jacobian terms):
 * - length scales: log p(θ_j) = −0.1 (λ_j + 1/λ_j) with λ_j = 1/ℓ_j², as Optuna's GPSampler: mode at ℓ = 1 (the
 *   width of the unit cube), falling off steeply for ℓ ≪ 0.1 (wiggly fits to few points) and ℓ ≫ 10 (it keeps
 *   the ℓ of irrelevant dimensions from running to infinity).
 * - signal variance: s² ~ Gamma(2, 1), as Optuna's GPSampler (outputs are standardised, so s² ≈ 1).
 * - noise: σ²_n − MIN_NOISE ~ Gamma(1.1, 30) (density taken over σ²_n − MIN_NOISE, as Optuna's GPSampler): mode
 *   ≈ 0.003 but a weak pull upwards, so noise-free objectives are interpolated almost exactly (which the
 *   acquisition needs to home in on a minimum) while noisy ones still get a noise term; MIN_NOISE keeps the
 *   kernel matrix well conditioned.
 *
 * For many observations the fit uses a random subset of them (`FitOptions.maxPoints`), since every likelihood
 * gradient costs O(n³).
 */

/** Default `FitOptions.maxPoints`. */
export const DEFAULT_FIT_POINTS = 100;

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

/** Length-scale prior: log p = −RATE · (λ + 1/λ) per dimension, λ = 1/ℓ² (Optuna GPSampler's). */
const LENGTH_SCALE_PRIOR_RATE = 0.1;
const NOISE_PRIOR = { concentration: 1.1, rate: 30 };
const SIGNAL_PRIOR = { concentration: 2, rate: 1 };

/** Log prior density of θ (up to a constant); adds its gradient into `grad` when given. */
export function logPrior(theta: ArrayLike<number>, grad?: Float64Array): number {
  const d = theta.length - 2;
  let lp = 0;
  for (let j = 0; j < d; j++) {
    const a = Math.exp(2 * theta[j]); // ℓ² = 1/λ
    lp -= LENGTH_SCALE_PRIOR_RATE * (a + 1 / a);
    if (grad) grad[j] -= 2 * LENGTH_SCALE_PRIOR_RATE * (a - 1 / a);
  }
  const s2 = Math.exp(theta[d]);
  lp += SIGNAL_PRIOR.concentration * theta[d] - SIGNAL_PRIOR.rate * s2;
  if (grad) grad[d] += SIGNAL_PRIOR.concentration - SIGNAL_PRIOR.rate * s2;
  const noise = Math.exp(theta[d + 1]);
  lp += (NOISE_PRIOR.concentration - 1) * theta[d + 1] - NOISE_PRIOR.rate * noise;
  if (grad) grad[d + 1] += NOISE_PRIOR.concentration - 1 - NOISE_PRIOR.rate * noise;
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
  /** Work buffers reused across evaluations. */
  private readonly invL2: Float64Array;
  private readonly r2: Float64Array;
  private readonly K: Float64Array;
  private readonly G: Float64Array;
  private readonly Kinv: Float64Array;
  private readonly alpha: Float64Array;

  constructor(X: readonly ArrayLike<number>[], yStandardised: ArrayLike<number>) {
    this.n = X.length;
    this.d = X.length > 0 ? X[0].length : 0;
    this.y = Float64Array.from(yStandardised);
    const pairs = (this.n * (this.n - 1)) / 2;
    this.diff2 = Array.from({ length: this.d }, () => new Float64Array(pairs));
    this.invL2 = new Float64Array(this.d);
    this.r2 = new Float64Array(pairs);
    this.K = new Float64Array(this.n * this.n);
    this.G = new Float64Array(pairs);
    this.Kinv = new Float64Array(this.n * this.n);
    this.alpha = new Float64Array(this.n);
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
    const invL2 = this.invL2;
    for (let j = 0; j < d; j++) invL2[j] = Math.exp(-2 * theta[j]);
    const s2 = Math.exp(theta[d]);
    const noiseExcess = Math.exp(theta[d + 1]);
    const noise = MIN_NOISE + noiseExcess;
    const pairs = (n * (n - 1)) / 2;
    const R2 = this.r2;
    R2.fill(0);
    for (let j = 0; j < d; j++) {
      const dj = diff2[j];
      const c = invL2[j];
      for (let p = 0; p < pairs; p++) R2[p] += dj[p] * c;
    }
    const K = this.K;
    const G = this.G;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let k = 0; k < i; k++, p++) {
        const sr = SQRT5 * Math.sqrt(R2[p]);
        const e = s2 * Math.exp(-sr);
        K[row + k] = (1 + sr + (sr * sr) / 3) * e;
        G[p] = (5 / 3) * (1 + sr) * e;
      }
      K[row + i] = s2 + noise;
    }
    const chol = choleskyWithJitter(K, n);
    if (!chol) {
      grad?.fill(0);
      return -Infinity;
    }
    const { L } = chol;
    const alpha = solveUpperTransposed(L, n, solveLower(L, n, this.y, this.alpha), this.alpha);
    let lml = -0.5 * n * LOG_2PI;
    for (let i = 0; i < n; i++) lml -= 0.5 * this.y[i] * alpha[i] + Math.log(L[i * n + i]);
    if (!grad) return lml;
    const Kinv = choleskyInverse(L, n, this.Kinv);
    grad.fill(0);
    let signal = 0;
    let trace = 0;
    // W = ααᵀ − K⁻¹; off-diagonal entries count twice, ½ · 2 = 1. WG[p] = W_ik g(r_ik) for the pair p = (i, k).
    const WG = this.r2;
    p = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      const ai = alpha[i];
      for (let k = 0; k < i; k++, p++) {
        const w = ai * alpha[k] - Kinv[row + k];
        signal += w * K[row + k];
        WG[p] = w * G[p];
      }
      const wii = ai * ai - Kinv[row + i];
      trace += wii;
      signal += 0.5 * wii * s2;
    }
    for (let j = 0; j < d; j++) {
      const dj = diff2[j];
      let sum = 0;
      for (let q = 0; q < pairs; q++) sum += WG[q] * dj[q];
      grad[j] = sum * invL2[j];
    }
    grad[d] = signal;
    grad[d + 1] = 0.5 * trace * noiseExcess;
    return lml;
  }
}

export interface FitOptions {
  /** Source of the random starts. */
  rng: Rng;
  /** Random starting points screened (by posterior value only) besides the default and warm starts. Default 0. */
  restarts?: number;
  /** L-BFGS runs, from the best screened starts. Default 2, or 1 when the fit uses a subset (see `maxPoints`). */
  optimiserRuns?: number;
  /**
   * At most this many observations (a random subset drawn from `rng`, when there are more) enter the
   * hyperparameter fit; the GP is still conditioned on all of them. Each likelihood gradient is O(n³), so this
   * bounds the fit's cost for long sweeps. Default 100.
   */
  maxPoints?: number;
  /** L-BFGS iterations per run. Default 60. */
  maxIterations?: number;
  /** L-BFGS stops once no gradient component of the log posterior exceeds this. Default 1e-3. */
  gradientTolerance?: number;
  /** Previous fit (e.g. from the last step of a sweep), screened as one more start when its dimension matches. */
  warmStart?: GpHyperparameters;
}

export interface FitResult {
  hyperparameters: GpHyperparameters;
  /** Of the observations the fit used (the subset, when there were more than `maxPoints`). */
  logMarginalLikelihood: number;
  logPosterior: number;
}

/**
 * MAP hyperparameters for standardised outputs `ys` at inputs X (in the unit cube): the log posterior is
 * evaluated (without gradient) at the warm start, a default start and `restarts` random starts (none by default);
 * L-BFGS then runs from the best `optimiserRuns` of them. The default start is Optuna GPSampler's, ℓ = 1, s² = 1,
 * σ²_n = 1: from an all-noise model, L-BFGS climbs to the smooth local optimum of the likelihood, which explains
 * small-scale ripples of a multimodal objective as noise instead of interpolating them with short length scales;
 * the acquisition then follows the objective's large-scale trend.
 */
export function fitHyperparameters(
  X: readonly ArrayLike<number>[],
  ys: ArrayLike<number>,
  options: FitOptions,
): FitResult {
  const d = X[0].length;
  const maxPoints = options.maxPoints ?? DEFAULT_FIT_POINTS;
  const subset = X.length > maxPoints;
  if (subset) {
    // Partial Fisher–Yates shuffle; the subset is kept in input order.
    const index = Array.from({ length: X.length }, (_, i) => i);
    for (let i = 0; i < maxPoints; i++) {
      const j = i + options.rng.below(index.length - i);
      [index[i], index[j]] = [index[j], index[i]];
    }
    const chosen = index.slice(0, maxPoints).sort((a, b) => a - b);
    X = chosen.map((i) => X[i]);
    ys = chosen.map((i) => ys[i]);
  }
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
  // Optuna GPSampler's start: ℓ = 1, s² = 1, σ²_n = 1 (an all-noise model; θ = 0).
  starts.push(centre);
  for (let r = 0; r < (options.restarts ?? 0); r++) {
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
    .slice(0, options.optimiserRuns ?? (subset ? 1 : 2));
  let best: { theta: Float64Array; value: number } | undefined;
  for (const start of screened) {
    const result = lbfgs(objective, start.theta, {
      maxIterations: options.maxIterations ?? 60,
      gradientTolerance: options.gradientTolerance ?? 1e-3,
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
  private readonly gStar: Float64Array;
  private readonly vStar: Float64Array;
  private readonly wStar: Float64Array;

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
    this.gStar = new Float64Array(n);
    this.vStar = new Float64Array(n);
    this.wStar = new Float64Array(n);
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

  /**
   * `predictStandardised` plus the gradients of the mean and variance with respect to x, written into `dMean`
   * and `dVariance` (length d): ∂μ/∂x = Σ_i α_i ∂k_i/∂x and ∂σ²/∂x = −2 Σ_i (K⁻¹k)_i ∂k_i/∂x, with
   * ∂k_i/∂x_j = −g(r_i) (x_j − X_ij) / ℓ_j² (g: `matern52GradientFactor`). O(n²) (two triangular solves).
   */
  predictStandardisedWithGradient(x: ArrayLike<number>, dMean: Float64Array, dVariance: Float64Array): Prediction {
    const { n, d } = this;
    const kStar = this.kStar;
    const g = this.gStar;
    const inv = this.invLengthScales;
    const s2 = this.hyperparameters.signalVariance;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const xi = this.X[i];
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const diff = (x[j] - xi[j]) * inv[j];
        r2 += diff * diff;
      }
      const sr = SQRT5 * Math.sqrt(r2);
      const e = s2 * Math.exp(-sr);
      kStar[i] = (1 + sr + (sr * sr) / 3) * e;
      g[i] = (5 / 3) * (1 + sr) * e;
      mean += kStar[i] * this.alpha[i];
    }
    const v = solveLower(this.L, n, kStar, this.vStar);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i] * v[i];
    const w = solveUpperTransposed(this.L, n, v, this.wStar); // K⁻¹k
    dMean.fill(0);
    dVariance.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = this.X[i];
      const am = -g[i] * this.alpha[i];
      const av = 2 * g[i] * w[i];
      for (let j = 0; j < d; j++) {
        const t = (x[j] - xi[j]) * inv[j] * inv[j];
        dMean[j] += am * t;
        dVariance[j] += av * t;
      }
    }
    const variance = s2 - explained;
    if (!(variance > 0)) dVariance.fill(0);
    return { mean, variance: Math.max(variance, 0) };
  }

  /**
   * Cheap screening at x, in O(n·d): the posterior mean (exact) and an upper bound on the posterior variance,
   * the variance after conditioning on the single observation most correlated with x (conditioning on fewer
   * observations never gives a smaller variance).
   */
  screenStandardised(x: ArrayLike<number>): { mean: number; varianceBound: number } {
    const n = this.n;
    let mean = 0;
    let kMax = 0;
    for (let i = 0; i < n; i++) {
      const k = this.kernel(x, this.X[i]);
      mean += k * this.alpha[i];
      if (k > kMax) kMax = k;
    }
    const s2 = this.hyperparameters.signalVariance;
    const diagonal = s2 + this.hyperparameters.noiseVariance + this.jitter;
    return { mean, varianceBound: Math.max(s2 - (kMax * kMax) / diagonal, 0) };
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
