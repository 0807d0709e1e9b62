/** Golden rows: inputs from the validation set with the predictions the registered model made for them. Pure. */

export type GoldenPrediction = number | null | { label: string };

export interface GoldenSet {
  /** Raw feature values, as clients send them to `/v2/models/<name>/predict`. */
  rows: Record<string, number | string | null>[];
  expected: GoldenPrediction[];
}

/** A served prediction as `/predict` returns it: a number for regression, an object with `label` otherwise. */
export function goldenPrediction(served: unknown): GoldenPrediction {
  if (typeof served === 'number' || served === null) return served;
  if (served && typeof served === 'object' && typeof (served as { label?: unknown }).label === 'string') {
    return { label: (served as { label: string }).label };
  }
  throw new RangeError(`unexpected prediction ${JSON.stringify(served)}`);
}

/**
 * Rows whose served prediction differs from the expected one: regression values by more than tolerance × max(1,
 * |expected|), class labels when they differ. Returns readable descriptions, empty when every row matches.
 */
export function goldenMismatches(golden: GoldenSet, served: GoldenPrediction[], tolerance: number): string[] {
  if (served.length !== golden.expected.length) {
    return [`expected ${golden.expected.length} predictions, got ${served.length}`];
  }
  const problems: string[] = [];
  golden.expected.forEach((want, i) => {
    const got = served[i];
    if (typeof want === 'number' && typeof got === 'number') {
      if (Math.abs(got - want) > tolerance * Math.max(1, Math.abs(want))) {
        problems.push(`row ${i}: predicted ${got}, expected ${want}`);
      }
    } else if (want && typeof want === 'object' && got && typeof got === 'object') {
      if (want.label !== got.label) problems.push(`row ${i}: predicted "${got.label}", expected "${want.label}"`);
    } else if (want !== got) {
      problems.push(`row ${i}: predicted ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  });
  return problems;
}
