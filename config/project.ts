import { z } from 'zod';
import { datasetConfigSchema } from '../lib/data/schema-config';
import { MODEL_TYPES } from '../lib/models/trainers';
import { deploySettingsSchema } from './deploy';
import { monitorSettingsSchema } from './monitor';
import { retrainSettingsSchema } from './retrain';
import { issueLines } from './zod-issues';

const paramSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('float'), low: z.number(), high: z.number(), log: z.boolean().optional() }).strict(),
  z
    .object({ type: z.literal('int'), low: z.number().int(), high: z.number().int(), log: z.boolean().optional() })
    .strict(),
  z.object({ type: z.literal('categorical'), choices: z.array(z.union([z.string(), z.number()])).min(1) }).strict(),
]);

/** Model names become folder names and workflow-ID parts: keep them plain. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The demo: predict Seattle's daily maximum temperature. */
export const SEATTLE_DATASET: z.input<typeof datasetConfigSchema> = {
  source: 'vega-datasets:seattle-weather.csv',
  target: 'temp_max',
  features: [
    { name: 'date', type: 'datetime' },
    { name: 'precipitation', type: 'numeric' },
    { name: 'temp_min', type: 'numeric' },
    { name: 'wind', type: 'numeric' },
    { name: 'weather', type: 'categorical' },
  ],
};

/**
 * The project config a lifecycle run is started with. Every field has a default, so `{}` is the Seattle demo;
 * every error names the field that is wrong.
 */
export const lifecycleConfigSchema = z
  .object({
    modelName: z
      .string()
      .regex(MODEL_NAME_PATTERN, 'use 1-63 lowercase letters, digits, ".", "_" or "-"')
      .default('seattle-temp-max'),
    dataset: datasetConfigSchema.prefault(() => structuredClone(SEATTLE_DATASET)),
    split: z
      .object({
        /** `random`: seeded shuffle; `time`: the latest rows by `dataset.timeColumn` are the validation set. */
        method: z.enum(['random', 'time']).default('random'),
        validationFraction: z.number().gt(0).lt(1).default(0.2),
        seed: z.number().int().nonnegative().default(42),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        type: z.enum(MODEL_TYPES).default('ridge'),
        /** Checked against the family's search space (see lib/models/trainers.ts); unset ones take defaults. */
        hyperparameters: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
        /** Seeds weight initialisation and mini-batch order: same data, hyperparameters and seed → same model. */
        seed: z.number().int().nonnegative().default(42),
      })
      .strict()
      .prefault({}),
    sweep: z
      .object({
        /** Tune the model's hyperparameters before the final training (default: on for mlp). */
        enabled: z.boolean().optional(),
        maxTrials: z.number().int().min(1).default(20),
        parallelism: z.number().int().min(1).max(64).default(2),
        maxFailedTrials: z.number().int().min(0).default(5),
        /** Quasi-random trials before the Gaussian process takes over. */
        initialTrials: z.number().int().min(1).default(8),
        trialTimeout: z.string().min(1).default('10 minutes'),
        medianStoppingGraceEpochs: z.number().int().min(1).default(10),
        trialsPerRun: z.number().int().min(1).default(100),
        seed: z.number().int().nonnegative().default(0),
        /** Parameters to tune and their ranges (default: the family's usual ones, see lib/models/trainers.ts). */
        space: z.record(z.string(), paramSpecSchema).optional(),
      })
      .strict()
      .prefault({}),
    /** Rolling the registered version out (see config/deploy.ts); on by default; `deploy.enabled: false` stops after registering. */
    deploy: deploySettingsSchema.prefault({}),
    /** Drift monitoring of the deployed model (see config/monitor.ts); on by default. */
    monitor: monitorSettingsSchema.prefault({}),
    /** Retraining on labelled feedback rows (see config/retrain.ts): holdout, margin, warm-started sweep. */
    retrain: retrainSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.split.method === 'time' && !config.dataset.timeColumn) {
      ctx.addIssue({
        code: 'custom',
        path: ['dataset', 'timeColumn'],
        message: 'split.method "time" needs a timeColumn',
      });
    }
  });

export type LifecycleConfigInput = z.input<typeof lifecycleConfigSchema>;
export type LifecycleConfig = z.output<typeof lifecycleConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses a config, or throws one error listing each bad field as `path: problem`. */
export function parseLifecycleConfig(input: unknown): LifecycleConfig {
  const result = lifecycleConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(`Invalid lifecycle config:\n${issueLines(result.error)}`);
}
