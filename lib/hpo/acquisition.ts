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
  /** Gaussian perturbations around each anchor (e.g. the best observed points). Default 32. */
  perAnchor?: number;
  /** Best distinct candidates refined locally (with gradients, the best anchor is refined too). Default 6. */
  localStarts?: number;
  /** Function evaluations per Nelder–Mead refinement. Default clamp(30 · dim, 100, 300). */
  localEvaluations?: number;
  /** L-BFGS iterations per gradient-based refinement. Default 50. */
  gradientIterations?: number;
  /** Half-width of the box a gradient-based refinement stays in. Default 0.1. */
  localRadius?: number;
}

/**
 * Local refinement: maximises the acquisition by L-BFGS over the box of half-width `radius` around `start`
 * (intersected with the unit cube), evaluating it at the clamped point; the gradient of a coordinate clamped to
 * a bound is 0, which is the exact gradient of the clamped objective. The box keeps the refinement local (the
 * Halton candidates do the global search; without it L-BFGS's long steps run into the cube's corners, where the
 * posterior variance is largest).
 */
function refineWithGradient(
  acquisition: AcquisitionWithGradient,
  start: ArrayLike<number>,
  dim: number,
  radius: number,
  maxIterations: number,
): Float64Array {
  const lo = Float64Array.from(start, (v) => Math.max(0, v - radius));
  const hi = Float64Array.from(start, (v) => Math.min(1, v + radius));
  const clamped = new Float64Array(dim);
  const objective = (x: Float64Array, grad: Float64Array) => {
    for (let j = 0; j < dim; j++) clamped[j] = Math.min(hi[j], Math.max(lo[j], x[j]));
    const value = acquisition(clamped, grad);
    for (let j = 0; j < dim; j++) grad[j] = x[j] < lo[j] || x[j] > hi[j] ? 0 : -grad[j];
    return Number.isFinite(value) ? -value : Infinity;
  };
  const result = lbfgs(objective, start, { maxIterations, gradientTolerance: 1e-6, relativeTolerance: 1e-9 });
  return result.x.map((v, j) => Math.min(hi[j], Math.max(lo[j], v)));
}

export interface ScoredPoint {
  /** A snapped point of the unit cube. */
  u: Float64Array;
  value: number;
}

/**
 * Maximises `acquisition` over [0, 1]^dim. Every point is first passed through `snap` (clamping to the cube and
 * projecting onto valid encodings), so the acquisition only ever sees valid points. Scores scrambled Halton
 * candidates plus perturbations (σ = 0.01, 0.05, 0.2) of the anchors, then refines the best few: by L-BFGS when
 * `withGradient` is given (only for spaces where `snap` merely clamps; the first anchor is refined as well), else
 * by Nelder–Mead.
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
  const localStarts = options.localStarts ?? 6;
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
  const starts: ScoredPoint[] = [];
  const seen = new Set<string>();
  for (const candidate of scored) {
    if (starts.length >= localStarts) break;
    const key = candidate.u.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    starts.push(candidate);
  }
  if (withGradient) {
    // Gradient-based refinement (for continuous spaces, where `snap` only clamps) of the best candidates and,
    // for exploitation, of the best anchor (the incumbent).
    const iterations = options.gradientIterations ?? 50;
    const radius = options.localRadius ?? 0.1;
    const localPoints: ArrayLike<number>[] = starts.map((s) => s.u);
    if (anchors.length > 0) localPoints.push(anchors[0]);
    for (const start of localPoints)
      scored.push(score(refineWithGradient(withGradient, start, dim, radius, iterations)));
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
