import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface SplitIndices {
  train: number[];
  validation: number[];
}

/**
 * How many rows go to validation; throws a RangeError saying what to change when the fraction is out of range or
 * the dataset is too small for at least 1 validation row and 2 training rows.
 */
export function validationCount(rowCount: number, validationFraction: number): number {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError(
      `validationFraction must be between 0 and 1 (exclusive), got ${validationFraction}; fix split.validationFraction`,
    );
  }
  const count = Math.round(rowCount * validationFraction);
  if (count < 1 || rowCount - count < 2) {
    throw new RangeError(
      `cannot split ${rowCount} rows with validationFraction ${validationFraction}: ` +
        'need at least 1 validation row and 2 training rows; use more data or change split.validationFraction',
    );
  }
  return count;
}

/** Seeded Fisher-Yates shuffle of row indices, then the first `validationFraction` of them go to validation. */
export function randomSplit(rowCount: number, validationFraction: number, seed: number): SplitIndices {
  const count = validationCount(rowCount, validationFraction);
  const rng = xoroshiro128plus(seed);
  const order = Array.from({ length: rowCount }, (_, i) => i);
  for (let i = rowCount - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    validation: order.slice(0, count).sort((a, b) => a - b),
    train: order.slice(count).sort((a, b) => a - b),
  };
}

/**
 * Time-ordered split for forecasting-style data: rows are ordered by `times[i]` (ties by row order, so of two rows
 * with the same time the later row counts as later) and the latest `validationFraction` of them go to validation.
 * Training then never sees the future of a validation row. Indices come back in ascending row order.
 */
export function timeSplit(times: readonly number[], validationFraction: number): SplitIndices {
  const count = validationCount(times.length, validationFraction);
  times.forEach((time, row) => {
    if (!Number.isFinite(time)) throw new RangeError(`time of row ${row + 1} is ${time}, not a finite number`);
  });
  const order = Array.from({ length: times.length }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  const cut = times.length - count;
  return {
    train: order.slice(0, cut).sort((a, b) => a - b),
    validation: order.slice(cut).sort((a, b) => a - b),
  };
}

export function takeRows<T>(values: T[], indices: number[]): T[] {
  return indices.map((i) => values[i]);
}
