import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface SplitIndices {
  train: number[];
  validation: number[];
}

/** Seeded Fisher-Yates shuffle of row indices, then the first `validationFraction` of them go to validation. */
export function randomSplit(rowCount: number, validationFraction: number, seed: number): SplitIndices {
  const validationCount = Math.round(rowCount * validationFraction);
  if (validationCount < 1 || rowCount - validationCount < 2) {
    throw new RangeError(
      `cannot split ${rowCount} rows with validationFraction ${validationFraction}: ` +
        'need at least 1 validation row and 2 training rows; use more data or change split.validationFraction',
    );
  }
  const rng = xoroshiro128plus(seed);
  const order = Array.from({ length: rowCount }, (_, i) => i);
  for (let i = rowCount - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    validation: order.slice(0, validationCount).sort((a, b) => a - b),
    train: order.slice(validationCount).sort((a, b) => a - b),
  };
}

export function takeRows<T>(values: T[], indices: number[]): T[] {
  return indices.map((i) => values[i]);
}
