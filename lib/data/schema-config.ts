import { z } from 'zod';

export const DATASET_FORMATS = ['csv', 'json', 'parquet', 'arrow'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const EXTENSIONS: Record<string, DatasetFormat> = {
  csv: 'csv',
  json: 'json',
  parquet: 'parquet',
  pq: 'parquet',
  arrow: 'arrow',
  feather: 'arrow',
  ipc: 'arrow',
};

/** The format a file name implies (`.csv`, `.json`, `.parquet`/`.pq`, `.arrow`/`.feather`/`.ipc`), if any. */
export function formatFromExtension(source: string): DatasetFormat | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(source)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : EXTENSIONS[extension];
}

export const featureTypeSchema = z.enum(['numeric', 'categorical', 'datetime']);

/** A feature is a column name (type inferred from the data) or `{ name, type }` (type declared). */
export const declaredFeatureSchema = z.union(
  [
    z.string().min(1, 'give a column name'),
    z.object({ name: z.string().min(1, 'give a column name'), type: featureTypeSchema }).strict(),
  ],
  { error: 'use a column name, or { name, type } with type numeric, categorical or datetime' },
);
export type DeclaredFeature = z.output<typeof declaredFeatureSchema>;

export const featureName = (feature: DeclaredFeature): string => (typeof feature === 'string' ? feature : feature.name);

/** The `dataset` section of a project config: where the data is, what to predict and from what. */
export const datasetConfigSchema = z
  .object({
    /** A file path, or `vega-datasets:<file>` for a dataset shipped in the vega-datasets npm package. */
    source: z
      .string({ error: 'required: a file path or vega-datasets:<file>' })
      .min(1, 'give a file path or vega-datasets:<file>'),
    /** Defaults to the source's extension. */
    format: z.enum(DATASET_FORMATS, { error: `use one of ${DATASET_FORMATS.join(', ')}` }).optional(),
    /** Column to predict: numeric → regression, text → classification. */
    target: z.string({ error: 'required: the column to predict' }).min(1, 'name the column to predict'),
    /** Feature columns (default: every other column, types inferred). */
    features: z
      .array(declaredFeatureSchema)
      .min(1, 'list at least one feature column, or leave features out')
      .optional(),
    /** Column ordering rows in time: when set, the latest rows become the validation set. */
    timeColumn: z.string().min(1, 'name a date/time column').optional(),
    /** Read only the first rows of a large file (Parquet and Arrow decode only what that needs). */
    maxRows: z.number({ error: 'use a positive whole number of rows' }).int().positive().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.format === undefined && formatFromExtension(config.source) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message:
          `cannot tell the format of "${config.source}" from its extension; ` +
          `set format to one of ${DATASET_FORMATS.join(', ')}`,
      });
    }
    const seen = new Map<string, number>();
    (config.features ?? []).forEach((feature, index) => {
      const name = featureName(feature);
      if (name === config.target) {
        ctx.addIssue({
          code: 'custom',
          path: ['features', index],
          message: `"${name}" is the target; remove it from features`,
        });
      }
      const first = seen.get(name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['features', index],
          message: `"${name}" is already listed as features[${first}]; list each column once`,
        });
      } else seen.set(name, index);
    });
  })
  .transform((config) => ({
    ...config,
    format: config.format ?? (formatFromExtension(config.source) as DatasetFormat),
  }));

export type DatasetConfigInput = z.input<typeof datasetConfigSchema>;
export type DatasetConfig = z.output<typeof datasetConfigSchema>;

export class DatasetConfigError extends Error {
  override name = 'DatasetConfigError';
}

/** `features[2].type` style: how a person would point at the field. */
export function formatIssuePath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(root)';
}

/** Parses the dataset section, or throws one DatasetConfigError listing each bad field as `field: problem`. */
export function parseDatasetConfig(input: unknown, prefix = ''): DatasetConfig {
  const result = datasetConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${formatIssuePath(issue.path, prefix)}: ${issue.message}`);
  throw new DatasetConfigError(`Invalid dataset config:\n${problems.join('\n')}`);
}
