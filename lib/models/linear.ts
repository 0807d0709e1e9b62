/** A fitted linear regression: prediction = intercept + Σ weights[i] · features[featureNames[i]]. */
export interface LinearModel {
  kind: 'linear';
  featureNames: string[];
  weights: number[];
  intercept: number;
}

/** Throws an Error naming the offending field and how to fix it; returns nothing for a usable model. */
export function validateLinearModel(model: LinearModel): void {
  const { featureNames, weights, intercept } = model;
  if (featureNames.length === 0) {
    throw new Error('linear model: featureNames is empty; a linear model needs at least one feature.');
  }
  if (weights.length !== featureNames.length) {
    throw new Error(
      `linear model: weights has ${weights.length} entries but featureNames has ${featureNames.length}; ` +
        'supply exactly one weight per feature name, in the same order.',
    );
  }
  const seen = new Set<string>();
  featureNames.forEach((name, i) => {
    if (name === '' || seen.has(name)) {
      throw new Error(
        `linear model: featureNames[${i}] is ${JSON.stringify(name)}; feature names must be non-empty and unique.`,
      );
    }
    seen.add(name);
  });
  weights.forEach((w, i) => {
    if (!Number.isFinite(w)) {
      throw new Error(
        `linear model: weights[${i}] (feature ${JSON.stringify(featureNames[i])}) is ${w}; ` +
          'every weight must be a finite number (retrain on data without NaN/Infinity).',
      );
    }
  });
  if (!Number.isFinite(intercept)) {
    throw new Error(
      `linear model: intercept is ${intercept}; it must be a finite number (retrain on data without NaN/Infinity).`,
    );
  }
}

/** The model's own float64 predictions; each row holds the features in `model.featureNames` order. */
export function predictLinear(model: LinearModel, rows: number[][]): number[] {
  return rows.map((row, r) => {
    if (row.length !== model.weights.length) {
      throw new Error(
        `predictLinear: rows[${r}] has ${row.length} values; expected ${model.weights.length} (one per feature).`,
      );
    }
    return row.reduce((sum, x, i) => sum + model.weights[i] * x, model.intercept);
  });
}
