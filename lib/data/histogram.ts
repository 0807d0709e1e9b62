import { categoryOf, numericOf, toEpochDays } from './preprocess';
import type { Cell, FeatureSpec } from './table';

/**
 * A feature's training distribution, kept with the model so live data can be compared with it later.
 * Numeric and datetime: `edges` are training quantiles; `counts[0]` is underflow (< edges[0]), `counts[i]` the
 * bin [edges[i-1], edges[i]) (the last bin includes its right edge), and the final count is overflow
 * (> last edge). Categorical: counts per training category plus `missing`.
 */
export type ReferenceHistogram =
  | { type: 'numeric' | 'datetime'; edges: number[]; counts: number[]; missing: number }
  | { type: 'categorical'; counts: Record<string, number>; missing: number };

export const DEFAULT_BINS = 10;

/** Distinct quantile edges (0%, 1/bins, ..., 100%) of the values, by the nearest-rank method. */
export function quantileEdges(values: number[], bins = DEFAULT_BINS): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges = Array.from({ length: bins + 1 }, (_, i) => sorted[Math.round((i / bins) * (sorted.length - 1))]);
  return edges.filter((e, i) => i === 0 || e !== edges[i - 1]);
}

/** Counts with underflow and overflow bins, as described on ReferenceHistogram. */
export function binCounts(values: number[], edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  const last = edges.length - 1;
  for (const v of values) {
    if (v < edges[0]) counts[0]++;
    else if (v > edges[last]) counts[last + 1]++;
    else {
      let bin = 1;
      while (bin < last && v >= edges[bin]) bin++;
      counts[bin]++;
    }
  }
  return counts;
}

export function referenceHistogram(spec: FeatureSpec, cells: Cell[], bins = DEFAULT_BINS): ReferenceHistogram {
  if (spec.type === 'categorical') {
    const counts: Record<string, number> = {};
    let missing = 0;
    for (const cell of cells) {
      if (cell === null) missing++;
      else counts[categoryOf(cell)] = (counts[categoryOf(cell)] ?? 0) + 1;
    }
    return { type: 'categorical', counts, missing };
  }
  const raw = cells.map(spec.type === 'numeric' ? numericOf : toEpochDays);
  const values = raw.filter((v) => Number.isFinite(v));
  const edges = values.length > 0 ? quantileEdges(values, bins) : [];
  return {
    type: spec.type,
    edges,
    counts: edges.length > 0 ? binCounts(values, edges) : [],
    missing: cells.length - values.length,
  };
}
