import { regressionMetrics } from '../metrics';
import { LOG_LOSS_EPSILON } from '../metrics/classification';

/** The holdout metrics a regression or a classification model can be compared on; the first is its default. */
const TASK_METRICS = { regression: ['mse', 'mae', 'r2'], classification: ['accuracy', 'logLoss'] } as const;

export const HOLDOUT_METRICS = [...TASK_METRICS.regression, ...TASK_METRICS.classification] as const;
export type HoldoutMetric = (typeof HOLDOUT_METRICS)[number];

/** A served prediction: a number (null when not finite) for regression, a label with class probabilities otherwise. */
export type HoldoutPrediction = number | null | { label: string | number; probabilities: Record<string, number> };

const LOWER_IS_BETTER: Record<HoldoutMetric, boolean> = {
  mse: true,
  mae: true,
  r2: false,
  accuracy: false,
  logLoss: true,
};

/** The metric compared by default: MSE for regression, accuracy for classification. */
export function defaultHoldoutMetric(task: 'regression' | 'classification'): HoldoutMetric {
  return TASK_METRICS[task][0];
}

/** The metrics that fit a model of `task`. */
export function holdoutMetricsFor(task: 'regression' | 'classification'): readonly HoldoutMetric[] {
  return TASK_METRICS[task];
}

/**
 * Metrics of one model's predictions against the holdout labels. Regression: mse, rmse, mae, r2 over the rows with
 * a finite prediction; classification: accuracy and log loss (probability of the true class, clipped at 1e-15).
 * `invalidPredictions` counts rows without a usable prediction.
 */
export function holdoutMetrics(
  labels: readonly (number | string)[],
  predictions: readonly HoldoutPrediction[],
): Record<string, number> {
  if (labels.length !== predictions.length || labels.length === 0) {
    throw new RangeError(`holdout: ${labels.length} labels but ${predictions.length} predictions`);
  }
  if (typeof labels[0] === 'number') {
    const yTrue: number[] = [];
    const yPred: number[] = [];
    predictions.forEach((p, i) => {
      if (typeof p === 'number' && Number.isFinite(p)) {
        yTrue.push(labels[i] as number);
        yPred.push(p);
      }
    });
    const invalidPredictions = labels.length - yPred.length;
    if (yPred.length === 0) throw new RangeError('holdout: the model gave no finite prediction');
    return { ...regressionMetrics(yTrue, yPred), rows: labels.length, invalidPredictions };
  }
  let correct = 0;
  let loss = 0;
  let invalidPredictions = 0;
  predictions.forEach((p, i) => {
    const truth = String(labels[i]);
    if (p === null || typeof p !== 'object') {
      invalidPredictions++;
      loss -= Math.log(LOG_LOSS_EPSILON);
      return;
    }
    if (String(p.label) === truth) correct++;
    const probability = p.probabilities[truth] ?? 0;
    loss -= Math.log(Math.min(1, Math.max(LOG_LOSS_EPSILON, probability)));
  });
  return { accuracy: correct / labels.length, logLoss: loss / labels.length, rows: labels.length, invalidPredictions };
}

export interface Verdict {
  better: boolean;
  /** Relative improvement of the challenger over the champion (positive: better), in the metric's direction. */
  improvement: number;
  reason: string;
}

/**
 * Whether the challenger beats the champion by at least `margin` (relative): for a lower-is-better metric
 * challenger ≤ champion × (1 − margin), otherwise challenger ≥ champion × (1 + margin) (on |champion| for r2).
 */
export function judgeChallenger(metric: HoldoutMetric, champion: number, challenger: number, margin: number): Verdict {
  const lower = LOWER_IS_BETTER[metric];
  const scale = Math.abs(champion) || Number.MIN_VALUE;
  const improvement = (lower ? champion - challenger : challenger - champion) / scale;
  const shown = (v: number) => (Number.isFinite(v) ? v.toPrecision(5) : String(v));
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const comparison = `holdout ${metric}: challenger ${shown(challenger)} vs champion ${shown(champion)}`;
  if (!Number.isFinite(challenger) || !Number.isFinite(champion)) {
    return { better: false, improvement: 0, reason: `${comparison}: not comparable` };
  }
  const better = improvement >= margin && improvement > 0;
  return {
    better,
    improvement,
    reason: better
      ? `${comparison}: ${pct(improvement)} better (margin ${pct(margin)})`
      : `${comparison}: ${improvement >= 0 ? `only ${pct(improvement)} better` : `${pct(-improvement)} worse`}, below the margin of ${pct(margin)}`,
  };
}
