import { parseIsoTime } from '../lib/data/schema';
import { describe, float32Value, hasOwn, isRecord, type Column, type FeatureBatch } from './columns';
import { badRequest, tooLarge } from './errors';
import type { ServedModel } from './model';
import type { BatchOutputs } from './inference';

const MS_PER_DAY = 86_400_000;

type Feature = ServedModel['features'][number];

function cellValue(feature: Feature, value: unknown, field: string): number | string {
  if (value === null || value === undefined) return feature.kind === 'categorical' ? '' : NaN;
  if (feature.kind === 'categorical') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw badRequest(`${field} is ${describe(value)}; "${feature.name}" is categorical: send a string or null`);
  }
  if (feature.kind === 'datetime') {
    if (typeof value === 'string') {
      const ms = parseIsoTime(value);
      if (ms === undefined) {
        throw badRequest(
          `${field} is ${describe(value)}, not an ISO date; send e.g. "2012-01-31" or "2012-01-31T08:30Z"`,
        );
      }
      return ms / MS_PER_DAY;
    }
    if (typeof value === 'number' && float32Value(value) !== undefined) return value; // already days since 1970
    throw badRequest(`${field} is ${describe(value)}; "${feature.name}" is a date: send an ISO date string or null`);
  }
  if (typeof value !== 'number') {
    throw badRequest(`${field} is ${describe(value)}; "${feature.name}" is numeric: send a number or null`);
  }
  const v = float32Value(value);
  if (v === undefined) throw badRequest(`${field} is ${value}, outside the float32 range the model computes in`);
  return v;
}

/** `{"rows": [{feature: raw value}]}` → model inputs; an absent or null feature is missing (the model imputes). */
export function parsePredictRequest(body: unknown, model: ServedModel, maxRows: number): FeatureBatch {
  if (!isRecord(body) || !Array.isArray(body.rows)) {
    throw badRequest(
      `the request body must be {"rows": [{"<feature>": value, ...}]}, got ${isRecord(body) ? `"rows" as ${describe(body.rows)}` : describe(body)}`,
    );
  }
  const rows = body.rows as unknown[];
  if (rows.length === 0) throw badRequest('"rows" is empty; send at least one row');
  if (rows.length > maxRows)
    throw tooLarge(`"rows" has ${rows.length} rows, over the limit of ${maxRows} per request; split the request`);
  const known = new Set(model.features.map((f) => f.name));
  const columns: Column[] = model.features.map((feature) =>
    feature.kind === 'categorical' ? new Array<string>(rows.length) : new Float32Array(rows.length),
  );
  rows.forEach((row, r) => {
    if (!isRecord(row)) throw badRequest(`rows[${r}] must be an object of feature values, got ${describe(row)}`);
    for (const key of Object.keys(row)) {
      if (!known.has(key)) {
        throw badRequest(
          `rows[${r}] has unknown feature ${JSON.stringify(key)}; the model's features are ${[...known].map((n) => JSON.stringify(n)).join(', ')}`,
        );
      }
    }
    model.features.forEach((feature, f) => {
      const value = hasOwn(row, feature.name) ? row[feature.name] : null;
      columns[f][r] = cellValue(feature, value, `rows[${r}][${JSON.stringify(feature.name)}]`) as never;
    });
  });
  return { columns, rows: rows.length };
}

export type Prediction = number | null | { label: string | number; probabilities: Record<string, number> };

/** Per-row predictions: numbers for regression, `{label, probabilities}` (class → probability) for classifiers. */
export function predictions(model: ServedModel, rows: number, outputs: BatchOutputs): Prediction[] {
  const probabilities = outputs.probabilities;
  if (!probabilities) {
    const values = outputs.prediction.data as Float32Array;
    return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
  }
  const k = probabilities.dims[1];
  const classes = model.classes ?? Array.from({ length: k }, (_, i) => String(i));
  const p = probabilities.data as Float32Array;
  const labels = outputs.label?.data as BigInt64Array | undefined;
  return Array.from({ length: rows }, (_, r) => {
    const row = p.subarray(r * k, (r + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    const index = labels ? Number(labels[r]) : best;
    return {
      label: classes[index] ?? index,
      probabilities: Object.fromEntries(classes.map((c, j) => [c, row[j]])),
    };
  });
}
