import { DECIMAL_PATTERN, isMissingText } from './cells';
import { parseIsoTime } from './schema';
import type { Cell, DatasetSchema, FeatureSpec, Table } from './table';

/**
 * One labelled row that arrived after serving: the raw feature values as the serving feature log writes them
 * (numbers, category strings, ISO dates; null when missing), the true label, and when it was observed (ISO 8601).
 */
export interface FeedbackRow {
  timestamp: string;
  features: Record<string, number | string | null>;
  label: number | string;
}

/** A feedback file or row that does not fit the model; the message names the file, the line or row and the field. */
export class FeedbackError extends Error {
  override name = 'FeedbackError';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** A raw feature value checked against its type: what a client would send to the model for it. */
function featureValue(feature: FeatureSpec, value: unknown, where: string): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && isMissingText(value)) return null;
  const bad = (expected: string) =>
    new FeedbackError(`${where}: ${describe(value)} is not ${expected}; "${feature.name}" is ${feature.type}`);
  switch (feature.type) {
    case 'numeric':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && DECIMAL_PATTERN.test(value.trim()) && Number.isFinite(Number(value))) {
        return Number(value);
      }
      throw bad('a finite number');
    case 'categorical':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw bad('a category (text)');
    case 'datetime':
      if (typeof value === 'string' && parseIsoTime(value.trim()) !== undefined) return value.trim();
      throw bad('an ISO date such as "2015-07-01" or "2015-07-01T08:30Z"');
  }
}

function labelValue(schema: DatasetSchema, value: unknown, where: string): number | string {
  const { name, type } = schema.target;
  if (type === 'numeric') {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && DECIMAL_PATTERN.test(value.trim()) && Number.isFinite(Number(value))) {
      return Number(value);
    }
  } else {
    if (typeof value === 'string' && !isMissingText(value)) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  const expected = type === 'numeric' ? 'a finite number' : 'a class name';
  throw new FeedbackError(`${where}: ${describe(value)} is not ${expected}; every row needs its label "${name}"`);
}

/** An ISO date or date-time, normalised to `toISOString()` so that timestamps sort as text. */
function timestampValue(value: unknown, where: string): string {
  const ms = typeof value === 'string' ? parseIsoTime(value.trim()) : undefined;
  if (ms === undefined) {
    throw new FeedbackError(`${where}: ${describe(value)} is not an ISO date or date-time (e.g. "2015-07-01T08:30Z")`);
  }
  return new Date(ms).toISOString();
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks one `{timestamp, features, label}` object (a feature-log line with its label; a `prediction` key is
 * allowed and dropped). A feature left out is missing (null); an unknown feature is an error. `now` stands in for
 * an absent timestamp.
 */
export function feedbackRowFrom(value: unknown, schema: DatasetSchema, where: string, now: string): FeedbackRow {
  if (!isRecord(value)) {
    throw new FeedbackError(`${where}: expected an object {"timestamp", "features", "label"}, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!['timestamp', 'features', 'label', 'prediction'].includes(key)) {
      throw new FeedbackError(`${where}: unknown field "${key}"; a row has timestamp, features and label`);
    }
  }
  if (!isRecord(value.features)) {
    throw new FeedbackError(`${where}: "features" must be an object of raw feature values`);
  }
  const given = value.features;
  const known = new Set(schema.features.map((f) => f.name));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new FeedbackError(
        `${where}: unknown feature "${key}"; the model's features are ${[...known].map((n) => `"${n}"`).join(', ')}`,
      );
    }
  }
  const features = Object.fromEntries(
    schema.features.map((f) => [f.name, featureValue(f, given[f.name], `${where}: features.${f.name}`)]),
  );
  return {
    timestamp: value.timestamp === undefined ? now : timestampValue(value.timestamp, `${where}: timestamp`),
    features,
    label: labelValue(schema, value.label, `${where}: label`),
  };
}

export interface ParsedFeedback {
  rows: FeedbackRow[];
  /** A last line without its newline that is not complete JSON: a write still in progress, read next time. */
  truncatedLastLine: boolean;
}

/**
 * Parses feedback JSON lines. Blank lines are skipped; a last line without a newline that is not valid JSON is
 * ignored as truncated (its writer has not finished); any other bad line fails, naming `source`, the line and field.
 */
export function parseFeedbackLines(text: string, schema: DatasetSchema, source: string, now: string): ParsedFeedback {
  const lines = text.split('\n');
  const last = lines.length - 1;
  const rows: FeedbackRow[] = [];
  let truncatedLastLine = false;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (index === last) {
        truncatedLastLine = true;
        return;
      }
      throw new FeedbackError(`${source} line ${index + 1}: not valid JSON (${(err as Error).message})`);
    }
    rows.push(feedbackRowFrom(value, schema, `${source} line ${index + 1}`, now));
  });
  return { rows, truncatedLastLine };
}

export interface TableFeedback {
  rows: FeedbackRow[];
  /** Columns that are neither features, the label nor the timestamp column. */
  ignoredColumns: string[];
}

/**
 * Feedback rows from a table (a CSV file): one column per feature and one for the label (the model's target); the
 * timestamp comes from `timestampColumn` when given, else every row gets `now`. Other columns are ignored.
 */
export function feedbackRowsFromTable(
  table: Table,
  schema: DatasetSchema,
  source: string,
  options: { timestampColumn?: string; now: string },
): TableFeedback {
  const needed = [...schema.features.map((f) => f.name), schema.target.name];
  const missing = needed.filter((name) => !table.columns.includes(name));
  if (options.timestampColumn && !table.columns.includes(options.timestampColumn))
    missing.push(options.timestampColumn);
  if (missing.length > 0) {
    throw new FeedbackError(
      `${source}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; ` +
        `feedback needs the features ${schema.features.map((f) => `"${f.name}"`).join(', ')} and the label "${schema.target.name}"`,
    );
  }
  const cell = (column: string, row: number): Cell => table.data[column][row];
  const rows: FeedbackRow[] = [];
  for (let r = 0; r < table.rowCount; r++) {
    const where = (column: string) => `${source} row ${r + 1}, column "${column}"`;
    const features = Object.fromEntries(
      schema.features.map((f) => [f.name, featureValue(f, cell(f.name, r), where(f.name))]),
    );
    const label = labelValue(schema, cell(schema.target.name, r), where(schema.target.name));
    const timestamp = options.timestampColumn
      ? timestampValue(cell(options.timestampColumn, r), where(options.timestampColumn))
      : options.now;
    rows.push({ timestamp, features, label });
  }
  const used = new Set([...needed, ...(options.timestampColumn ? [options.timestampColumn] : [])]);
  return { rows, ignoredColumns: table.columns.filter((c) => !used.has(c)) };
}
