import { z } from 'zod';

/**
 * The project config a lifecycle run is started with. Every field has a default, so `{}` is the Seattle demo;
 * every error names the field that is wrong.
 */
/** Model names become folder names and workflow-ID parts: keep them plain. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const lifecycleConfigSchema = z
  .object({
    modelName: z
      .string()
      .regex(MODEL_NAME_PATTERN, 'use 1-63 lowercase letters, digits, ".", "_" or "-"')
      .default('seattle-temp-max'),
    dataset: z
      .object({
        /** A file path, or `vega-datasets:<file>` for a dataset shipped in the vega-datasets npm package. */
        source: z.string().min(1).default('vega-datasets:seattle-weather.csv'),
        format: z.enum(['csv']).default('csv'),
      })
      .prefault({}),
    target: z.string().min(1).default('temp_max'),
    features: z
      .array(z.string().min(1))
      .min(1, 'list at least one feature column')
      .default(['precipitation', 'temp_min', 'wind']),
    split: z
      .object({
        validationFraction: z.number().gt(0).lt(1).default(0.2),
        seed: z.number().int().nonnegative().default(42),
      })
      .prefault({}),
    model: z
      .object({
        type: z.literal('ridge').default('ridge'),
        /** L2 penalty on the (standardised) weights; the intercept is not penalised. */
        l2: z.number().nonnegative().default(1),
      })
      .prefault({}),
  })
  .strict()
  .refine((c) => !c.features.includes(c.target), {
    message: 'the target column must not also be a feature',
    path: ['features'],
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
  const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`Invalid lifecycle config:\n${problems.join('\n')}`);
}
