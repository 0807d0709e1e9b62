import { z } from 'zod';
import { HOLDOUT_METRICS, type HoldoutMetric } from '../lib/retrain/compare';
import { issueLines } from './zod-issues';

/** The holdout metric a challenger must improve: lower is better for errors and log loss, higher for the rest. */
export const RETRAIN_METRICS = HOLDOUT_METRICS;
export type RetrainMetric = HoldoutMetric;

/**
 * Retraining a model on new labelled data (`retrainWorkflow`): which feedback rows it learns from and which it keeps
 * back as the fresh holdout, how small the warm-started sweep is, and by how much a challenger must beat the
 * champion on that holdout before it is deployed.
 */
export const retrainSettingsSchema = z
  .object({
    /** Relative improvement of the holdout metric the challenger needs over the champion (0.02: 2 % better). */
    margin: z.number().min(0).max(1).default(0.02),
    /** The compared metric (default: mse for regression, accuracy for classification). */
    metric: z.enum(RETRAIN_METRICS).optional(),
    /** Share of the feedback rows, the newest by timestamp, kept back to compare champion and challenger. */
    holdoutFraction: z.number().gt(0).lt(1).default(0.3),
    /**
     * The drift reference stored with the challenger, which the monitor compares live rows with once it serves:
     * `feedback`: the labelled feedback rows it trained on (the regime that raised the alarm; at least
     * MIN_FEEDBACK_REFERENCE_ROWS of them, else its whole training set); `training`: its whole training set (the
     * lineage's data plus feedback, which a monitor then keeps finding drifted from the new regime).
     */
    reference: z.enum(['feedback', 'training']).default('feedback'),
    /** Fewer labelled feedback rows (in the window) than this fail the retrain: append labels with `mlops feedback`. */
    minFeedbackRows: z.number().int().min(2).default(50),
    feedback: z
      .object({
        /** Only rows at most this many days older than the newest feedback row (default: every row). */
        lookbackDays: z.number().positive().optional(),
        /** Only the newest rows, at most this many (default: every row). */
        maxRows: z.number().int().min(2).optional(),
      })
      .strict()
      .prefault({}),
    sweep: z
      .object({
        /** Tune before training the challenger (default: when the model's config tunes, e.g. for mlp). */
        enabled: z.boolean().optional(),
        /** Trials of the warm-started sweep; its first trial is the champion's hyperparameters. */
        maxTrials: z.number().int().min(1).default(6),
        /** Trials before the Gaussian process takes over, the champion's trial included. */
        initialTrials: z.number().int().min(1).default(3),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Fewer feedback training rows than this make too coarse a reference: the challenger's whole training set is used. */
export const MIN_FEEDBACK_REFERENCE_ROWS = 100;

export type RetrainSettingsInput = z.input<typeof retrainSettingsSchema>;
export type RetrainSettings = z.output<typeof retrainSettingsSchema>;

export class RetrainConfigError extends Error {
  override name = 'RetrainConfigError';
}

/** Retrain settings with every default filled in; one error listing each bad field as `retrain.<field>: problem`. */
export function parseRetrainSettings(input: unknown): RetrainSettings {
  const result = retrainSettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new RetrainConfigError(`Invalid retrain settings:\n${issueLines(result.error, 'retrain.')}`);
}
