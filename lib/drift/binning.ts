import { toEpochDays } from '../data/preprocess';

/**
 * Live values into a reference's bins: the same bins as `binCounts` in lib/data/histogram.ts (underflow first,
 * [edges[i-1], edges[i]) in between, the last inner bin closed on the right, overflow last), found by binary search
 * over the inner edges instead of a linear scan.
 */

/** Below this many values a binary search per value costs less than building the lookup table (cached per edges array). */
export const LOOKUP_MIN_VALUES = 2048;
const LOOKUP_CELLS = 4096;
const LOOKUP_MAX_CELLS = 65_536;

/**
 * A lookup table over [edges[0], edges[last]] for binning without unpredictable branches. `cellOf(v)` =
 * floor((v − edges[0]) · scale) is monotone in v, so an inner edge e lies in the cell cellOf(e), and every value of
 * cell k is above the edges of earlier cells and below those of later ones. Cell k holds `base[k]` (the bin of its
 * values below its own edge) and `threshold[k]` (its one inner edge, or +∞): bin = base[k] + (v >= threshold[k]).
 * Exact for any edges; `multi` marks cells with two or more edges, which fall back to the binary search.
 */
interface BinLookup {
  scale: number;
  base: Int32Array;
  threshold: Float64Array;
  multi: boolean;
}

/** Tables by edges array: a reference's edges are never changed once built, so one table serves every window. */
const lookups = new WeakMap<ArrayLike<number>, BinLookup | null>();

function buildLookup(edges: ArrayLike<number>): BinLookup | null {
  const last = edges.length - 1;
  const span = edges[last] - edges[0];
  for (let cells = LOOKUP_CELLS; cells <= LOOKUP_MAX_CELLS; cells *= 2) {
    const scale = cells / span;
    if (!(span > 0) || !Number.isFinite(scale)) return null;
    // cellOf(edges[last]) may round to `cells`: one spare cell past it.
    const size = cells + 2;
    const edgesIn = new Int32Array(size);
    const threshold = new Float64Array(size).fill(Infinity);
    for (let j = 1; j < last; j++) {
      const k = Math.floor((edges[j] - edges[0]) * scale);
      edgesIn[k]++;
      threshold[k] = edges[j];
    }
    const base = new Int32Array(size);
    let below = 1;
    let multi = false;
    for (let k = 0; k < size; k++) {
      base[k] = below;
      if (edgesIn[k] > 1) {
        multi = true;
        base[k] = -1;
      }
      below += edgesIn[k];
    }
    if (!multi || cells === LOOKUP_MAX_CELLS) return { scale, base, threshold, multi };
  }
  return null;
}

function lookupFor(edges: ArrayLike<number>): BinLookup | null {
  let lookup = lookups.get(edges);
  if (lookup === undefined) {
    lookup = buildLookup(edges);
    if (typeof edges === 'object') lookups.set(edges, lookup);
  }
  return lookup;
}

/** The first inner bin b in [1, last] with v < edges[b]; the last inner bin holds v = edges[last]. */
function searchBin(v: number, edges: ArrayLike<number>, last: number): number {
  let lo = 1;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v < edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Adds each finite value's bin to `counts` (length edges.length + 1); returns how many values were not finite. */
export function addToBins(values: ArrayLike<number>, edges: ArrayLike<number>, counts: Float64Array): number {
  const last = edges.length - 1;
  if (last < 0) throw new RangeError('cannot bin into a histogram without edges');
  if (counts.length !== edges.length + 1) {
    throw new RangeError(`counts must have ${edges.length + 1} bins for ${edges.length} edges, got ${counts.length}`);
  }
  const lo0 = edges[0];
  const hi0 = edges[last];
  const lookup = values.length >= LOOKUP_MIN_VALUES && last > 1 ? lookupFor(edges) : null;
  let notFinite = 0;
  if (lookup) {
    const { scale, base, threshold, multi } = lookup;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // v - v is 0 for finite numbers and NaN for NaN and ±Infinity.
      if (v - v !== 0) notFinite++;
      else if (v < lo0) counts[0]++;
      else if (v > hi0) counts[last + 1]++;
      else {
        const k = Math.floor((v - lo0) * scale);
        const b = base[k];
        if (multi && b < 0) counts[searchBin(v, edges, last)]++;
        else counts[b + +(v >= threshold[k])]++;
      }
    }
    return notFinite;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) notFinite++;
    else if (v < lo0) counts[0]++;
    else if (v > hi0) counts[last + 1]++;
    else counts[searchBin(v, edges, last)]++;
  }
  return notFinite;
}

/** Counts of `values` in the bins of `edges` (as `binCounts`), plus the count of NaN or infinite values. */
export function binValues(values: ArrayLike<number>, edges: ArrayLike<number>): { counts: number[]; missing: number } {
  const counts = new Float64Array(edges.length + 1);
  const missing = addToBins(values, edges, counts);
  return { counts: Array.from(counts), missing };
}

export type LiveValue = number | string | null | undefined;

/**
 * A logged numeric or datetime column as numbers: numbers as they are; for datetime, ISO date strings as epoch days
 * (`toEpochDays`, as at training). Anything else (null, a string in a numeric column, an unparsable date) is NaN,
 * which the binning counts as missing, as the training reference counted such cells.
 */
export function liveNumbers(values: readonly LiveValue[], type: 'numeric' | 'datetime'): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') out[i] = v;
    else if (type === 'datetime' && typeof v === 'string') out[i] = toEpochDays(v);
    else out[i] = NaN;
  }
  return out;
}

/**
 * Live categories counted against the training categories, in the order of `categories`. A value is its category as
 * at training (`String(value)`); null, undefined and '' (the feature log writes '' as null) are missing; a category the
 * training rows never had is unseen.
 */
export function categoryCounts(
  values: readonly LiveValue[],
  categories: readonly string[],
): { counts: number[]; missing: number; unseen: number; unseenCategories: Record<string, number> } {
  const index = new Map<string, number>(categories.map((c, i) => [c, i]));
  const counts = new Array<number>(categories.length).fill(0);
  const unseenCategories: Record<string, number> = {};
  let missing = 0;
  let unseen = 0;
  for (const v of values) {
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
      missing++;
      continue;
    }
    const category = String(v);
    const i = index.get(category);
    if (i !== undefined) counts[i]++;
    else {
      unseen++;
      unseenCategories[category] = (unseenCategories[category] ?? 0) + 1;
    }
  }
  return { counts, missing, unseen, unseenCategories };
}
