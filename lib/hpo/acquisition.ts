import { nelderMead } from './optimize';
import { ScrambledHalton } from './qmc';
import type { Rng } from './rng';
import { logImprovementFunction, improvementFunction } from './special';

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

export interface AcquisitionOptimiserOptions {
  /** Quasi-random (scrambled Halton) candidates. Default clamp(150 · dim, 500, 1500). */
  candidates?: number;
  /** Gaussian perturbations around each anchor (e.g. the best observed points). Default 32. */
  perAnchor?: number;
  /** Best distinct candidates refined by Nelder–Mead. Default 3. */
  localStarts?: number;
  /** Function evaluations per local refinement. Default clamp(30 · dim, 100, 300). */
  localEvaluations?: number;
}

export interface ScoredPoint {
  /** A snapped point of the unit cube. */
  u: Float64Array;
  value: number;
}

/**
 * Maximises `acquisition` over [0, 1]^dim. Every point is first passed through `snap` (clamping to the cube and
 * projecting onto valid encodings), so the acquisition only ever sees valid points. Scores scrambled Halton
 * candidates plus perturbations (σ = 0.01, 0.05, 0.2) of the anchors, then refines the best few with Nelder–Mead.
 * Returns every scored point, best first, so callers can skip duplicates.
 */
export function maximiseAcquisition(
  acquisition: (u: Float64Array) => number,
  snap: (u: ArrayLike<number>, out: Float64Array) => Float64Array,
  dim: number,
  rng: Rng,
  anchors: readonly ArrayLike<number>[] = [],
  options: AcquisitionOptimiserOptions = {},
): ScoredPoint[] {
  const nCandidates = options.candidates ?? Math.min(1500, Math.max(500, 150 * dim));
  const perAnchor = options.perAnchor ?? 32;
  const localStarts = options.localStarts ?? 3;
  const localEvaluations = options.localEvaluations ?? Math.min(300, Math.max(100, 30 * dim));
  const score = (raw: ArrayLike<number>): ScoredPoint => {
    const u = snap(raw, new Float64Array(dim));
    const value = acquisition(u);
    return { u, value: Number.isNaN(value) ? -Infinity : value };
  };
  const scored: ScoredPoint[] = [];
  const halton = new ScrambledHalton(dim, rng);
  const raw = new Float64Array(dim);
  for (let i = 0; i < nCandidates; i++) scored.push(score(halton.point(i, raw)));
  const scales = [0.01, 0.05, 0.2];
  for (const anchor of anchors) {
    for (let k = 0; k < perAnchor; k++) {
      const sigma = scales[k % scales.length];
      for (let j = 0; j < dim; j++) raw[j] = Math.min(1, Math.max(0, anchor[j] + sigma * rng.normal()));
      scored.push(score(raw));
    }
  }
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
