import type { ReferenceHistogram } from '../data/histogram';
import { binValues, categoryCounts, liveNumbers, type LiveValue } from './binning';
import { jensenShannon, klDivergence, psi } from './divergence';

export type DriftMetric = 'kl' | 'psi' | 'js';

export interface DriftOptions {
  /** The divergence behind `score` (every metric is reported per feature). Default 'kl': D(train ‖ live). */
  metric?: DriftMetric;
  /** ε added to every bin's proportion (then renormalised) before KL and PSI. Default 1e-4. */
  smoothing?: number;
  /** Windows with fewer rows are skipped: score 0 and a reason, never evidence of drift. Default 200. */
  minWindowRows?: number;
  /** How per-feature scores become the window's score. Default 'max'. */
  aggregate?: 'mean' | 'max';
  /**
   * Whether datetime features count towards `score` (they are always reported). Default false: time only moves
   * forward, so every window of recent rows lies past the training dates and would always look drifted; Evidently
   * and NannyML likewise treat the timestamp as the index of the data, not a feature to test.
   */
  scoreDatetime?: boolean;
}

/** The defaults and why: see lib/drift/README.md. */
export const DEFAULT_DRIFT_OPTIONS: Required<DriftOptions> = Object.freeze({
  metric: 'kl',
  smoothing: 1e-4,
  minWindowRows: 200,
  aggregate: 'max',
  scoreDatetime: false,
});

export interface FeatureDrift {
  feature: string;
  type: 'numeric' | 'datetime' | 'categorical';
  kl: number;
  psi: number;
  js: number;
  /** Whether the feature counts towards the window's score (datetime features do not by default). */
  scored: boolean;
  /** Rows of the window (missing ones included). */
  rows: number;
  /** Live values that were null, NaN, or not a number / date / category (compared with the reference's `missing`). */
  missing: number;
  /** Categorical: live values of a category the training rows never had (own bucket; 0 for numeric and datetime). */
  unseen: number;
  /** Live counts in the reference's bins: numeric/datetime as `ReferenceHistogram.counts`, categorical per `categories`. */
  counts: number[];
  /** Categorical: the training categories, in the order of `counts`. */
  categories?: string[];
  /** Categorical: the most frequent unseen categories (at most MAX_REPORTED_UNSEEN) with their live counts. */
  unseenCategories?: Record<string, number>;
}

export interface DriftReport {
  metric: DriftMetric;
  rows: number;
  /** Aggregate of the features' `metric` (0 when skipped). */
  score: number;
  features: FeatureDrift[];
  /** Set when the window was not compared (too few rows): such a window is no evidence either way. */
  skipped?: { reason: string };
}

/** Thrown when the window has a feature the reference has no histogram for, or an unusable histogram. */
export class DriftReferenceError extends Error {
  override readonly name = 'DriftReferenceError';
  constructor(
    message: string,
    readonly feature: string,
  ) {
    super(message);
  }
}

export const MAX_REPORTED_UNSEEN = 20;

function resolveOptions(options: DriftOptions | undefined): Required<DriftOptions> {
  const o = { ...DEFAULT_DRIFT_OPTIONS, ...stripUndefined(options ?? {}) };
  if (!['kl', 'psi', 'js'].includes(o.metric)) throw new RangeError(`unknown drift metric "${String(o.metric)}"`);
  if (!(o.smoothing > 0) || !Number.isFinite(o.smoothing)) {
    throw new RangeError(`smoothing must be a finite number > 0, got ${o.smoothing}`);
  }
  if (!Number.isInteger(o.minWindowRows) || o.minWindowRows < 1) {
    throw new RangeError(`minWindowRows must be an integer >= 1, got ${o.minWindowRows}`);
  }
  if (o.aggregate !== 'mean' && o.aggregate !== 'max') {
    throw new RangeError(`aggregate must be 'mean' or 'max', got "${String(o.aggregate)}"`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function windowRows(window: Record<string, readonly LiveValue[]>): number {
  let rows: number | undefined;
  for (const [feature, values] of Object.entries(window)) {
    if (rows === undefined) rows = values.length;
    else if (values.length !== rows) {
      throw new RangeError(`window column "${feature}" has ${values.length} values, other columns have ${rows}`);
    }
  }
  return rows ?? 0;
}

function referenceFor(reference: Record<string, ReferenceHistogram>, feature: string): ReferenceHistogram {
  const ref = Object.prototype.hasOwnProperty.call(reference, feature) ? reference[feature] : undefined;
  if (ref === undefined || ref === null) {
    const known = Object.keys(reference);
    throw new DriftReferenceError(
      `the training reference has no histogram for feature "${feature}" ` +
        `(reference features: ${known.length > 0 ? known.join(', ') : 'none'})`,
      feature,
    );
  }
  const ok =
    ref.type === 'categorical'
      ? typeof ref.counts === 'object' && ref.counts !== null && !Array.isArray(ref.counts)
      : (ref.type === 'numeric' || ref.type === 'datetime') &&
        Array.isArray(ref.edges) &&
        Array.isArray(ref.counts) &&
        (ref.edges.length === 0 ? ref.counts.length === 0 : ref.counts.length === ref.edges.length + 1);
  if (!ok) {
    throw new DriftReferenceError(`the training reference histogram of feature "${feature}" is malformed`, feature);
  }
  return ref;
}

function topUnseen(unseen: Record<string, number>): Record<string, number> {
  const entries = Object.entries(unseen).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries.slice(0, MAX_REPORTED_UNSEEN));
}

/**
 * One feature's drift. Both histograms get a `missing` bucket (so a change in the missing rate is drift) and, for
 * categorical features, an `unseen` bucket (training count 0). A numeric reference without edges (no training values)
 * counts every live value as unseen.
 */
export function featureDrift(
  feature: string,
  ref: ReferenceHistogram,
  values: readonly LiveValue[],
  smoothing: number,
): FeatureDrift {
  let trainCounts: number[];
  let liveCounts: number[];
  let result: Omit<FeatureDrift, 'kl' | 'psi' | 'js' | 'scored'>;
  if (ref.type === 'categorical') {
    const categories = Object.keys(ref.counts);
    const live = categoryCounts(values, categories);
    trainCounts = [...categories.map((c) => ref.counts[c]), ref.missing, 0];
    liveCounts = [...live.counts, live.missing, live.unseen];
    result = {
      feature,
      type: 'categorical',
      rows: values.length,
      missing: live.missing,
      unseen: live.unseen,
      counts: live.counts,
      categories,
      unseenCategories: topUnseen(live.unseenCategories),
    };
  } else {
    const numbers = liveNumbers(values, ref.type);
    let counts: number[] = [];
    let missing: number;
    let unseen = 0;
    if (ref.edges.length > 0) {
      ({ counts, missing } = binValues(numbers, ref.edges));
    } else {
      missing = numbers.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
      unseen = numbers.length - missing;
    }
    trainCounts = [...ref.counts, ref.missing, 0];
    liveCounts = [...counts, missing, unseen];
    result = { feature, type: ref.type, rows: values.length, missing, unseen, counts };
  }
  if (values.length === 0) return { ...result, scored: true, kl: 0, psi: 0, js: 0 };
  if (trainCounts.every((c) => c === 0)) {
    throw new DriftReferenceError(`the training reference histogram of feature "${feature}" has no rows`, feature);
  }
  return {
    ...result,
    scored: true,
    kl: klDivergence(trainCounts, liveCounts, smoothing),
    psi: psi(trainCounts, liveCounts, smoothing),
    js: jensenShannon(trainCounts, liveCounts),
  };
}

/**
 * Drift of a window of live rows against the training reference, per feature and as one score.
 * `window`: feature name → live values as the serving feature log writes them (numbers, category strings, ISO dates,
 * null when missing); every column has the window's row count. Features of the reference that the window lacks are
 * not compared; a window feature the reference lacks is a DriftReferenceError naming it.
 */
export function computeDrift(
  reference: Record<string, ReferenceHistogram>,
  window: Record<string, readonly LiveValue[]>,
  options?: DriftOptions,
): DriftReport {
  const o = resolveOptions(options);
  const rows = windowRows(window);
  // Check the reference even for windows that are skipped: a missing histogram is a setup error, not a small window.
  const refs = Object.keys(window).map((feature) => [feature, referenceFor(reference, feature)] as const);
  if (rows < o.minWindowRows) {
    return {
      metric: o.metric,
      rows,
      score: 0,
      features: [],
      skipped: { reason: `${rows} rows < minWindowRows ${o.minWindowRows}` },
    };
  }
  const features = refs.map(([feature, ref]) => {
    const drift = featureDrift(feature, ref, window[feature], o.smoothing);
    return drift.type === 'datetime' && !o.scoreDatetime ? { ...drift, scored: false } : drift;
  });
  const scores = features.filter((f) => f.scored).map((f) => f[o.metric]);
  if (scores.length === 0) {
    const reason = features.length === 0 ? 'the window has no features' : 'the window has no scored features';
    return { metric: o.metric, rows, score: 0, features, skipped: { reason } };
  }
  const score = o.aggregate === 'max' ? Math.max(...scores) : scores.reduce((a, b) => a + b, 0) / scores.length;
  return { metric: o.metric, rows, score, features };
}
