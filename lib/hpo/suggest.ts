import { type HyperparameterValues, sampleHyperparameters, type SearchSpace } from '../models/search-space';
import {
  type AcquisitionOptimiserOptions,
  logExpectedImprovement,
  logExpectedImprovementWithGradient,
  maximiseAcquisition,
} from './acquisition';
import { GaussianProcess, type GpHyperparameters } from './gp';
import { ScrambledHalton } from './qmc';
import { Rng } from './rng';
import { SpaceCodec } from './space';

/**
 * How a batch of parallel suggestions is built from one GP-EI model. After each pick, the model is conditioned on
 * a fantasy observation at the picked point (hyperparameters kept), so the next pick goes elsewhere:
 * - constant-liar-min / -mean / -max: the fantasy is the best / mean / worst observed loss (Ginsbourger et al.,
 *   2010). "min" is the default: it makes the picked point's neighbourhood look already exploited without
 *   pretending it is bad.
 * - kriging-believer: the fantasy is the GP's own posterior mean there.
 * Pending trials (suggested earlier, not yet finished) get the same fantasies before the first pick.
 */
export type BatchStrategy = 'constant-liar-min' | 'constant-liar-mean' | 'constant-liar-max' | 'kriging-believer';

/** A finished trial. A failed trial has a non-finite loss (NaN, ±Infinity, or null once it went through JSON). */
export interface Observation {
  params: HyperparameterValues;
  loss: number | null;
}

export interface SuggestOptions {
  /** Default 'constant-liar-min'. */
  batchStrategy?: BatchStrategy;
  /** Random starting points screened by the GP hyperparameter fit (see `FitOptions.restarts`). Default 0. */
  fitRestarts?: number;
  /** A previous result's `model.hyperparameters`, as an extra start of the fit. */
  warmStart?: GpHyperparameters;
  acquisition?: AcquisitionOptimiserOptions;
}

/** Everything a suggestion depends on; plain JSON, so a workflow can carry it between steps. */
export interface SuggestInput {
  space: SearchSpace;
  /** Finished trials, in the order they were started (any order works; the order is part of the input). */
  observations: readonly Observation[];
  seed: number;
  /** Number of points to suggest. Default 1. */
  batchSize?: number;
  /**
   * Size of the initial quasi-random design: while fewer than this many points were handed out (observations +
   * pending), or fewer than 2 trials succeeded, suggestions come from a scrambled Halton sequence. Default 10.
   */
  nInitial?: number;
  /** Points suggested earlier whose trials are still running. */
  pending?: readonly HyperparameterValues[];
  options?: SuggestOptions;
}

export interface Suggestion {
  params: HyperparameterValues;
  source: 'initial' | 'gp-ei' | 'random';
  /** GP-EI only: posterior mean and standard deviation of the loss, and log EI, at the suggested point. */
  predictedLoss?: number;
  predictedStd?: number;
  logEI?: number;
}

export interface FailedObservation {
  /** Index into `observations`. */
  index: number;
  params: HyperparameterValues;
  /** Always null in results (JSON has no NaN or Infinity); `reason` keeps what it was. */
  loss: number | null;
  /** The loss as text: "NaN", "Infinity", "-Infinity", "null" or "undefined". */
  reason: string;
}

/** Plain JSON (all numbers finite). */
export interface SuggestResult {
  suggestions: Suggestion[];
  /** Trials excluded from the model because their loss is not finite. */
  failed: FailedObservation[];
  /** The fitted GP when any suggestion came from it; pass `hyperparameters` back as `options.warmStart`. */
  model: { hyperparameters: GpHyperparameters; logMarginalLikelihood: number; observations: number } | null;
}

export const DEFAULT_N_INITIAL = 10;
/** Candidates of the acquisition optimiser whose exact value is guaranteed (see the branch and bound below). */
const SCREEN_KEEP = 32;
/** Successful trials needed before the GP is used. */
const MIN_GP_OBSERVATIONS = 2;
/** Random-stream labels, so each purpose draws independent numbers from the same seed. */
const STREAM = { initial: 1, fit: 2, acquisition: 3, random: 4, fallback: 5 } as const;

interface Prepared {
  codec: SpaceCodec;
  batchSize: number;
  nInitial: number;
  issued: number;
  valid: { u: Float64Array; loss: number }[];
  failed: FailedObservation[];
  pending: Float64Array[];
  used: Set<string>;
}

function prepare(input: SuggestInput): Prepared {
  const codec = new SpaceCodec(input.space);
  const batchSize = input.batchSize ?? 1;
  const nInitial = input.nInitial ?? DEFAULT_N_INITIAL;
  if (!Number.isSafeInteger(input.seed)) throw new Error(`suggest: seed must be an integer, got ${input.seed}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`suggest: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(nInitial) || nInitial < 0) {
    throw new Error(`suggest: nInitial must be a non-negative integer, got ${nInitial}`);
  }
  if (!Array.isArray(input.observations)) throw new Error('suggest: observations must be an array');
  const pendingParams = input.pending ?? [];
  const valid: Prepared['valid'] = [];
  const failed: FailedObservation[] = [];
  const used = new Set<string>();
  input.observations.forEach((observation, index) => {
    let u: Float64Array;
    try {
      u = codec.encode(observation.params);
    } catch (error) {
      throw new Error(`suggest: observation ${index}: ${(error as Error).message}`);
    }
    used.add(codec.key(observation.params));
    const { loss } = observation;
    if (typeof loss === 'number' && Number.isFinite(loss)) valid.push({ u, loss });
    else failed.push({ index, params: observation.params, loss: null, reason: String(loss) });
  });
  const pending = pendingParams.map((params, index) => {
    try {
      const u = codec.encode(params);
      used.add(codec.key(params));
      return u;
    } catch (error) {
      throw new Error(`suggest: pending point ${index}: ${(error as Error).message}`);
    }
  });
  const issued = input.observations.length + pendingParams.length;
  return { codec, batchSize, nInitial, issued, valid, failed, pending, used };
}

/** Copies of the failed observations, so results share no objects with the input. */
function plainFailed(failed: FailedObservation[]): FailedObservation[] {
  return failed.map((f) => ({ index: f.index, params: { ...f.params }, loss: null, reason: f.reason }));
}

/** A uniformly random point not in `used` (or a duplicate if 100 draws found none). */
function randomPoint(space: SearchSpace, codec: SpaceCodec, rng: Rng, used: Set<string>): HyperparameterValues {
  let point = sampleHyperparameters(space, () => rng.uniform());
  for (let attempt = 0; attempt < 100 && used.has(codec.key(point)); attempt++) {
    point = sampleHyperparameters(space, () => rng.uniform());
  }
  return point;
}

/**
 * Baseline: uniformly random points (log-uniform on log scales), seeded by `seed` and the number of points
 * already handed out, avoiding points already tried. Same input and result shape as `suggest`.
 */
export function randomSearch(input: SuggestInput): SuggestResult {
  const { codec, batchSize, issued, failed, used } = prepare(input);
  const rng = new Rng(input.seed, STREAM.random, issued);
  const suggestions: Suggestion[] = [];
  for (let k = 0; k < batchSize; k++) {
    const params = randomPoint(input.space, codec, rng, used);
    used.add(codec.key(params));
    suggestions.push({ params, source: 'random' });
  }
  return { suggestions, failed: plainFailed(failed), model: null };
}

/**
 * The next `batchSize` points to evaluate, minimising the loss: a scrambled-Halton initial design for the first
 * `nInitial` points, then Bayesian optimisation: a Gaussian process (Matérn 5/2 ARD, MAP hyperparameters) on the
 * successful trials, and log expected improvement maximised over the encoded space; batches and pending trials
 * are handled by fantasies (`BatchStrategy`). Failed trials are left out of the model, reported in `failed`, and
 * never suggested again; no suggestion repeats a tried, pending or already-suggested point unless the space has
 * run out. Pure and deterministic: the same input (including `seed`) gives the same result.
 */
export function suggest(input: SuggestInput): SuggestResult {
  const prepared = prepare(input);
  const { codec, batchSize, nInitial, issued, valid, failed, pending, used } = prepared;
  const suggestions: Suggestion[] = [];
  const batchPoints: Float64Array[] = [];

  // Initial design: Halton points by their index in the whole sweep, so successive calls continue one sequence.
  const halton = new ScrambledHalton(codec.dim, new Rng(input.seed, STREAM.initial));
  const fallbackRng = new Rng(input.seed, STREAM.fallback, issued);
  let haltonIndex = issued;
  let slot = 0;
  for (; slot < batchSize && (issued + slot < nInitial || valid.length < MIN_GP_OBSERVATIONS); slot++) {
    let params = codec.decode(halton.point(haltonIndex++));
    for (let attempt = 0; attempt < 100 && used.has(codec.key(params)); attempt++) {
      params = codec.decode(halton.point(haltonIndex++));
    }
    if (used.has(codec.key(params))) params = randomPoint(input.space, codec, fallbackRng, used);
    used.add(codec.key(params));
    batchPoints.push(codec.encode(params));
    suggestions.push({ params, source: 'initial' });
  }
  if (slot === batchSize) return { suggestions, failed: plainFailed(failed), model: null };

  const options = input.options ?? {};
  const strategy = options.batchStrategy ?? 'constant-liar-min';
  const X = valid.map((v) => v.u);
  const y = valid.map((v) => v.loss);
  const model = GaussianProcess.fit(X, y, {
    rng: new Rng(input.seed, STREAM.fit, issued),
    restarts: options.fitRestarts,
    warmStart: options.warmStart,
  });
  const lossMin = Math.min(...y);
  const lossMax = Math.max(...y);
  const lossMean = y.reduce((a, b) => a + b, 0) / y.length;
  const lie = (gp: GaussianProcess, u: Float64Array): number => {
    if (strategy === 'constant-liar-min') return lossMin;
    if (strategy === 'constant-liar-mean') return lossMean;
    if (strategy === 'constant-liar-max') return lossMax;
    return gp.predict(u).mean;
  };
  let gp = model;
  const fantasies = [...pending, ...batchPoints];
  if (fantasies.length > 0)
    gp = gp.condition(
      fantasies,
      fantasies.map((u) => lie(model, u)),
    );

  // Anchors for local candidates: the best few successful trials.
  const anchors = [...valid]
    .sort((a, b) => a.loss - b.loss)
    .slice(0, 5)
    .map((v) => v.u);
  const acquisitionRng = new Rng(input.seed, STREAM.acquisition, issued);
  const snap = (u: ArrayLike<number>, out: Float64Array) => codec.snap(u, out);
  // Gradient-based acquisition refinement where `snap` only clamps (every parameter a float).
  const continuous = codec.params.every((p) => p.type === 'float');
  const dMean = new Float64Array(codec.dim);
  const dVariance = new Float64Array(codec.dim);
  for (; slot < batchSize; slot++) {
    const current = gp;
    const best = (Math.min(...current.y) - current.yMean) / current.yStd;
    const acquisition = (u: Float64Array) => {
      const p = current.predictStandardised(u);
      return logExpectedImprovement(p.mean, p.variance, best);
    };
    const withGradient = (u: Float64Array, grad: Float64Array) => {
      const p = current.predictStandardisedWithGradient(u, dMean, dVariance);
      const ei = logExpectedImprovementWithGradient(p.mean, p.variance, best);
      for (let j = 0; j < grad.length; j++) grad[j] = ei.dMean * dMean[j] + ei.dVariance * dVariance[j];
      return ei.value;
    };
    // Candidates by branch and bound: log EI grows with the variance, so an upper bound on the variance (O(n·d))
    // bounds log EI; exact O(n²) values are computed in decreasing order of the bound until the bound falls
    // below the SCREEN_KEEP-th best exact value. The others (which cannot be among the best) score −∞.
    const batch = (us: readonly Float64Array[], out: Float64Array) => {
      const bounds = new Float64Array(us.length);
      for (let i = 0; i < us.length; i++) {
        const s = current.screenStandardised(us[i]);
        bounds[i] = logExpectedImprovement(s.mean, s.varianceBound, best);
      }
      const order = Array.from({ length: us.length }, (_, i) => i).sort((a, b) => bounds[b] - bounds[a] || a - b);
      out.fill(-Infinity);
      const top: number[] = []; // the SCREEN_KEEP best exact values, descending
      for (const i of order) {
        if (top.length >= SCREEN_KEEP && !(bounds[i] > top[SCREEN_KEEP - 1])) break;
        const value = acquisition(us[i]);
        out[i] = value;
        if (Number.isNaN(value)) continue;
        let k = Math.min(top.length, SCREEN_KEEP - 1);
        if (top.length < SCREEN_KEEP) top.push(value);
        else if (value <= top[k]) continue;
        while (k > 0 && top[k - 1] < value) {
          top[k] = top[k - 1];
          k--;
        }
        top[k] = value;
      }
    };
    const ranked = maximiseAcquisition(
      acquisition,
      snap,
      codec.dim,
      acquisitionRng,
      anchors,
      { lengthScales: current.hyperparameters.lengthScales, ...options.acquisition },
      continuous ? withGradient : undefined,
      batch,
    );
    let suggestion: Suggestion | undefined;
    for (const candidate of ranked) {
      const params = codec.decode(candidate.u);
      if (used.has(codec.key(params))) continue;
      const p = current.predict(candidate.u);
      suggestion = {
        params,
        source: 'gp-ei',
        predictedLoss: p.mean,
        predictedStd: Math.sqrt(p.variance),
        logEI: Math.max(candidate.value, -Number.MAX_VALUE),
      };
      break;
    }
    suggestion ??= { params: randomPoint(input.space, codec, fallbackRng, used), source: 'random' };
    used.add(codec.key(suggestion.params));
    suggestions.push(suggestion);
    if (slot + 1 < batchSize) {
      const u = codec.encode(suggestion.params);
      gp = gp.condition([u], [lie(gp, u)]);
    }
  }
  return {
    suggestions,
    failed: plainFailed(failed),
    model: {
      hyperparameters: model.hyperparameters,
      logMarginalLikelihood: model.logMarginalLikelihood(),
      observations: valid.length,
    },
  };
}
