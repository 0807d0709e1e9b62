import type { Cell, FeatureSpec, Table } from './table';

/** Numeric feature: missing → training mean, then standardised with training mean and scale. */
export interface NumericStep {
  kind: 'numeric';
  name: string;
  mean: number;
  scale: number;
}

/** Categorical feature: one-hot over the training categories; a missing value is the category ''. */
export interface CategoricalStep {
  kind: 'categorical';
  name: string;
  categories: string[];
}

/** Datetime feature: the day of year as a point on the unit circle (sin, cos), so Dec 31 sits next to Jan 1. */
export interface DatetimeStep {
  kind: 'datetime';
  name: string;
  /** Filled in for a missing date: the training median, in days since 1970-01-01 UTC. */
  fillEpochDays: number;
}

export type PreprocessStep = NumericStep | CategoricalStep | DatetimeStep;

/** Fitted on training rows only; the exported ONNX model applies the same steps to raw inputs. */
export interface Preprocessor {
  steps: PreprocessStep[];
  /** Names of the model-input columns the steps produce, in order. */
  outputNames: string[];
}

export const MISSING_CATEGORY = '';
const MS_PER_DAY = 86_400_000;
/** Mean Gregorian year, rounded to float32 as the ONNX graph holds it, so both compute the same remainder. */
export const DAYS_PER_YEAR = Math.fround(365.2425);

/** A datetime cell as days since 1970-01-01 UTC: numbers pass through as epoch days, strings are parsed. */
export function toEpochDays(cell: Cell): number {
  if (cell === null) return NaN;
  if (typeof cell === 'number') return cell;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(cell) ? `${cell}T00:00:00Z` : cell);
  return Number.isNaN(ms) ? NaN : ms / MS_PER_DAY;
}

export function categoryOf(cell: Cell): string {
  return cell === null ? MISSING_CATEGORY : String(cell);
}

export function numericOf(cell: Cell): number {
  return typeof cell === 'number' ? cell : NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fitStep(spec: FeatureSpec, cells: Cell[]): PreprocessStep {
  if (spec.type === 'numeric') {
    const values = cells.map(numericOf).filter((v) => !Number.isNaN(v));
    if (values.length === 0) throw new RangeError(`feature "${spec.name}" has no values in the training rows`);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    if (values.every((v) => v === values[0])) {
      throw new RangeError(`feature "${spec.name}" is constant in the training rows; drop it from "features"`);
    }
    return { kind: 'numeric', name: spec.name, mean, scale: Math.sqrt(variance) };
  }
  if (spec.type === 'categorical') {
    const categories = [...new Set(cells.map(categoryOf))].sort();
    return { kind: 'categorical', name: spec.name, categories };
  }
  const days = cells.map(toEpochDays).filter((v) => !Number.isNaN(v));
  if (days.length === 0) throw new RangeError(`feature "${spec.name}" has no parseable dates in the training rows`);
  return { kind: 'datetime', name: spec.name, fillEpochDays: median(days) };
}

function outputNamesOf(step: PreprocessStep): string[] {
  if (step.kind === 'numeric') return [step.name];
  if (step.kind === 'categorical') return step.categories.map((c) => `${step.name}=${c}`);
  return [`${step.name}:doy_sin`, `${step.name}:doy_cos`];
}

/** Learns imputation values, scales and categories from the training rows only. */
export function fitPreprocessor(table: Table, features: FeatureSpec[], trainRows: number[]): Preprocessor {
  const steps = features.map((spec) => {
    const column = table.data[spec.name];
    if (!column) throw new RangeError(`feature "${spec.name}" is not a column of the dataset`);
    return fitStep(
      spec,
      trainRows.map((r) => column[r]),
    );
  });
  return { steps, outputNames: steps.flatMap(outputNamesOf) };
}

/** Day-of-year angle of an epoch day, computed as the ONNX graph does (fmod, then scale). */
export function dayOfYearAngle(epochDays: number): number {
  return ((epochDays % DAYS_PER_YEAR) / DAYS_PER_YEAR) * 2 * Math.PI;
}

/** Raw per-feature inputs as the ONNX model takes them: numbers (NaN = missing), strings ('' = missing), epoch days. */
export type RawColumns = Record<string, number[] | string[]>;

/** The model-input matrix for raw inputs: what the ONNX preprocessing graph computes, in float64. */
export function transformRaw(pre: Preprocessor, raw: RawColumns, rowCount: number): number[][] {
  const out: number[][] = Array.from({ length: rowCount }, () => []);
  for (const step of pre.steps) {
    const column = raw[step.name];
    for (let r = 0; r < rowCount; r++) {
      const row = out[r];
      if (step.kind === 'numeric') {
        const v = column[r] as number;
        row.push(((Number.isNaN(v) ? step.mean : v) - step.mean) / step.scale);
      } else if (step.kind === 'categorical') {
        for (const c of step.categories) row.push(c === column[r] ? 1 : 0);
      } else {
        const days = column[r] as number;
        const angle = dayOfYearAngle(Number.isNaN(days) ? step.fillEpochDays : days);
        row.push(Math.sin(angle), Math.cos(angle));
      }
    }
  }
  return out;
}

/** The model-input matrix for the given table rows (the reference the ONNX preprocessing graph must match). */
export function transformRows(pre: Preprocessor, table: Table, rows: number[]): number[][] {
  return transformRaw(pre, rawInputColumns(pre, table, rows), rows.length);
}

/** Raw per-feature inputs as a client sends them to the ONNX model: numbers (NaN = missing), strings, epoch days. */
export function rawInputColumns(pre: Preprocessor, table: Table, rows: number[]): RawColumns {
  return Object.fromEntries(
    pre.steps.map((step) => {
      const column = table.data[step.name];
      if (step.kind === 'numeric') return [step.name, rows.map((r) => numericOf(column[r]))];
      if (step.kind === 'categorical') return [step.name, rows.map((r) => categoryOf(column[r]))];
      return [step.name, rows.map((r) => toEpochDays(column[r]))];
    }),
  );
}
