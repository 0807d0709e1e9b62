import { lbfgs, nelderMead } from './optimize';
import { ScrambledHalton } from './qmc';
import type { Rng } from './rng';
import { improvementFunction, logImprovementFunction, logImprovementFunctionDerivative } from './special';

/** Smallest posterior standard deviation used by the acquisition, so log EI stays finite at observed points. */
const MIN_STD = 1e-10;

/**
 * Expected improvement over `best` for minimisation, E[max(best − f, 0)] with f ~ N(mean, variance):
 * σ h((best − μ)/σ), h(z) = φ(z) + z Φ(z). Underflows to 0 far from the incumbent; use `logExpectedImprovement`.
 */
export function expectedImprovement(mean: number, variance: number, best: number): number {
  const sigma = Math.max(Math.sqrt(Math.max(variance, 0)), MIN_STD);
  return sigma * improvementFunction((best - mean) / sigma);
}

/**
 * log EI for minimisation, numerically stable everywhere (LogEI of Ament et al., 2023): log σ + log h(z), with
 * log h from `logImprovementFunction`. Finite for all finite inputs, so the acquisition optimiser still sees a
 * gradient where EI itself is exactly 0 in double precision.
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sigma = Math.max(Math.sqrt(Math.max(variance, 0)), MIN_STD);
  return Math.log(sigma) + logImprovementFunction((best - mean) / sigma);
}

/** log EI and its partial derivatives with respect to the posterior mean and variance. */
export interface LogEiWithGradient {
  value: number;
  dMean: number;
  dVariance: number;
}

/**
 * `logExpectedImprovement` with ∂/∂mean and ∂/∂variance (for gradient-based acquisition optimisation). Where the
 * standard deviation is floored at MIN_STD the variance derivative is 0.
 */
export function logExpectedImprovementWithGradient(mean: number, variance: number, best: number): LogEiWithGradient {
  const rawSigma = Math.sqrt(Math.max(variance, 0));
  const sigma = Math.max(rawSigma, MIN_STD);
  const z = (best - mean) / sigma;
  const value = Math.log(sigma) + logImprovementFunction(z);
  const dz = logImprovementFunctionDerivative(z); // d log h / dz
  const dMean = -dz / sigma;
  const dSigma = rawSigma > MIN_STD ? (1 - dz * z) / sigma : 0;
  return { value, dMean, dVariance: dSigma / (2 * sigma) };
}

/** The acquisition at many (snapped) points at once, written into `out`; must agree with the pointwise one. */
export type BatchAcquisition = (us: readonly Float64Array[], out: Float64Array) => void;

/** An acquisition function that also writes its gradient with respect to the (snapped) point into `grad`. */
export type AcquisitionWithGradient = (u: Float64Array, grad: Float64Array) => number;

export interface AcquisitionOptimiserOptions {
  /** Quasi-random (scrambled Halton) candidates. Default 2048. */
  candidates?: number;
  /** Gaussian perturbations scored around each anchor (e.g. the best observed points). Default 32. */
  perAnchor?: number;
  /** Candidates refined locally (see `startSelection`); with gradients the first anchor is refined too. Default 9. */
  localStarts?: number;
  /** Function evaluations per Nelder–Mead refinement. Default clamp(30 · dim, 100, 300). */
  localEvaluations?: number;
  /** L-BFGS iterations per gradient-based refinement. Default 200. */
  gradientIterations?: number;
  /** Half-width of the box a gradient-based refinement stays in. Default 1: the whole unit cube. */
  localRadius?: number;
  /**
   * How the starts of the local refinements are chosen beyond the best candidate: 'top' takes the next best
   * distinct candidates; 'roulette' draws them without replacement with probability ∝ exp(acquisition − max), as
   * Optuna's GPSampler does, so basins other than the best one get refined too. Default 'roulette'.
   */
  startSelection?: 'top' | 'roulette';
  /** The surrogate's length scales, to precondition the gradient-based refinement (see `refineWithGradient`). */
  lengthScales?: ArrayLike<number>;
}

/**
 * Starts of the local refinements from candidates sorted best first: the best one, then `count − 1` more distinct
 * ones, the next best ('top') or drawn by roulette ('roulette', weight exp(value − best value)).
 */
function selectStarts(
  sorted: readonly ScoredPoint[],
  count: number,
  selection: 'top' | 'roulette',
  rng: Rng,
): ScoredPoint[] {
  const distinct: ScoredPoint[] = [];
  const seen = new Set<string>();
  for (const candidate of sorted) {
    if (selection === 'top' && distinct.length >= count) break;
    const key = candidate.u.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(candidate);
  }
  if (selection === 'top' || distinct.length <= count) return distinct.slice(0, count);
  const top = distinct[0].value;
  const weights = distinct.map((c, i) => (i === 0 || !Number.isFinite(c.value) ? 0 : Math.exp(c.value - top)));
  const starts = [distinct[0]];
  let total = weights.reduce((a, b) => a + b, 0);
  while (starts.length < count && total > 0) {
    let r = rng.uniform() * total;
    let pick = -1;
    for (let i = 1; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      pick = i;
      r -= weights[i];
      if (r <= 0) break;
    }
    if (pick < 0) break;
    starts.push(distinct[pick]);
    total -= weights[pick];
    weights[pick] = 0;
  }
  return starts;
}

/**
 * Local refinement: maximises the acquisition by L-BFGS over the box of half-width `radius` around `start`
 * (intersected with the unit cube; by default the whole cube), evaluating it at the clamped point; the gradient of
 * a coordinate clamped to a bound is 0, which is the exact gradient of the clamped objective. With `scales` (the
 * GP's length scales) it searches over z = u / scale, where the kernel, and so the acquisition, is isotropic: the
 * preconditioning of Optuna's GPSampler, which lets L-BFGS converge in few iterations when length scales differ by
 * orders of magnitude.
 */
function refineWithGradient(
  acquisition: AcquisitionWithGradient,
  start: ArrayLike<number>,
  dim: number,
  radius: number,
  maxIterations: number,
  scales: ArrayLike<number> | undefined,
): Float64Array {
  const lo = Float64Array.from(start, (v) => Math.max(0, v - radius));
  const hi = Float64Array.from(start, (v) => Math.min(1, v + radius));
  const s = Float64Array.from({ length: dim }, (_, j) => (scales ? scales[j] : 1));
  const clamped = new Float64Array(dim);
  const objective = (z: Float64Array, grad: Float64Array) => {
    for (let j = 0; j < dim; j++) clamped[j] = Math.min(hi[j], Math.max(lo[j], z[j] * s[j]));
    const value = acquisition(clamped, grad);
    for (let j = 0; j < dim; j++) {
      const u = z[j] * s[j];
      grad[j] = u < lo[j] || u > hi[j] ? 0 : -grad[j] * s[j];
    }
    return Number.isFinite(value) ? -value : Infinity;
  };
  const z0 = Float64Array.from(start, (v, j) => v / s[j]);
  const result = lbfgs(objective, z0, { maxIterations, gradientTolerance: 1e-6, relativeTolerance: 1e-9 });
  return result.x.map((v, j) => Math.min(hi[j], Math.max(lo[j], v * s[j])));
}

export interface ScoredPoint {
  /** A snapped point of the unit cube. */
  u: Float64Array;
  value: number;
}

/**
 * Maximises `acquisition` over [0, 1]^dim. Every point is first passed through `snap` (clamping to the cube and
 * projecting onto valid encodings), so the acquisition only ever sees valid points. Scores scrambled Halton
 * candidates plus `perAnchor` perturbations (σ = 0.01, 0.05, 0.2) of each anchor, then refines the
 * best one and a roulette draw of others (see `startSelection`; Optuna GPSampler's scheme): by L-BFGS when
 * `withGradient` is given (only for spaces where `snap` merely clamps; the first anchor, e.g. the incumbent, is
 * refined as well), else by Nelder–Mead.
 * Returns every scored point, best first, so callers can skip duplicates.
 */
export function maximiseAcquisition(
  acquisition: (u: Float64Array) => number,
  snap: (u: ArrayLike<number>, out: Float64Array) => Float64Array,
  dim: number,
  rng: Rng,
  anchors: readonly ArrayLike<number>[] = [],
  options: AcquisitionOptimiserOptions = {},
  withGradient?: AcquisitionWithGradient,
  batch?: BatchAcquisition,
): ScoredPoint[] {
  const nCandidates = options.candidates ?? 2048;
  const perAnchor = options.perAnchor ?? 32;
  const localStarts = options.localStarts ?? 9;
  const localEvaluations = options.localEvaluations ?? Math.min(300, Math.max(100, 30 * dim));
  const score = (raw: ArrayLike<number>): ScoredPoint => {
    const u = snap(raw, new Float64Array(dim));
    const value = acquisition(u);
    return { u, value: Number.isNaN(value) ? -Infinity : value };
  };
  const points: Float64Array[] = [];
  const halton = new ScrambledHalton(dim, rng);
  const raw = new Float64Array(dim);
  for (let i = 0; i < nCandidates; i++) points.push(snap(halton.point(i, raw), new Float64Array(dim)));
  const scales = [0.01, 0.05, 0.2];
  for (const anchor of anchors) {
    for (let k = 0; k < perAnchor; k++) {
      const sigma = scales[k % scales.length];
      for (let j = 0; j < dim; j++) raw[j] = Math.min(1, Math.max(0, anchor[j] + sigma * rng.normal()));
      points.push(snap(raw, new Float64Array(dim)));
    }
  }
  const values = new Float64Array(points.length);
  if (batch) batch(points, values);
  else for (let i = 0; i < points.length; i++) values[i] = acquisition(points[i]);
  const scored: ScoredPoint[] = points.map((u, i) => ({ u, value: Number.isNaN(values[i]) ? -Infinity : values[i] }));
  scored.sort((a, b) => b.value - a.value);
  const starts = selectStarts(scored, localStarts, options.startSelection ?? 'roulette', rng);
  if (withGradient) {
    // Gradient-based refinement (for continuous spaces, where `snap` only clamps) of the best candidates and,
    // for exploitation, of the best anchor (the incumbent).
    const iterations = options.gradientIterations ?? 200;
    const radius = options.localRadius ?? 1;
    const localPoints: ArrayLike<number>[] = starts.map((s) => s.u);
    if (anchors.length > 0) localPoints.push(anchors[0]);
    for (const start of localPoints)
      scored.push(score(refineWithGradient(withGradient, start, dim, radius, iterations, options.lengthScales)));
    scored.sort((a, b) => b.value - a.value);
    return scored;
  }
  const buffer = new Float64Array(dim);
  for (const start of starts) {
    const result = nelderMead((x) => -acquisition(snap(x, buffer)), start.u, {
      step: 0.05,
      maxEvaluations: localEvaluations,
      tolerance: 1e-9,
    });
    if (-result.value > start.value) scored.push(score(result.x));
  }
  scored.sort((a, b) => b.value - a.value);
  return scored;
}
