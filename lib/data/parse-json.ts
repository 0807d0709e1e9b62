import { DatasetReadError, DECIMAL_PATTERN, isMissingText, makeTable, ReadLimits, rowLimit } from './cells';
import type { Cell, Table } from './table';

/**
 * Parses a JSON array of flat records (`[{"date": "...", "delay": -4}, ...]`, as in vega-datasets) into a table.
 * Columns are the union of the records' keys in first-seen order; a key a record lacks is null there. Numbers stay
 * numbers, strings stay strings (empty or `NA` strings become null), booleans become "true"/"false". A column that
 * mixes numbers and strings becomes numbers when every string is a plain decimal, otherwise all strings.
 */
export function parseJsonTable(content: Buffer | string, source: string, limits: ReadLimits = {}): Table {
  const maxRows = rowLimit(source, limits.maxRows);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof content === 'string' ? content : content.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DatasetReadError(`dataset "${source}" is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new DatasetReadError(
      `dataset "${source}": expected a JSON array of records ([{"column": value, ...}, ...]), got ${describe(parsed)}`,
    );
  }
  const records = parsed.length > maxRows ? parsed.slice(0, maxRows) : parsed;

  const columns: string[] = [];
  const raw: Record<string, (number | string | null)[]> = {};
  records.forEach((record: unknown, row) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DatasetReadError(`dataset "${source}": record ${row + 1} is ${describe(record)}, expected an object`);
    }
    for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
      if (!(key in raw)) {
        columns.push(key);
        raw[key] = new Array<number | string | null>(row).fill(null);
      }
      raw[key][row] = jsonCell(value, source, row, key);
    }
    for (const key of columns) if (raw[key].length === row) raw[key].push(null);
  });

  const data: Record<string, Cell[]> = {};
  for (const key of columns) data[key] = unifyColumn(raw[key]);
  return makeTable(columns, data);
}

function jsonCell(value: unknown, source: string, row: number, key: string): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return isMissingText(value) ? null : value;
  if (typeof value === 'boolean') return String(value);
  throw new DatasetReadError(
    `dataset "${source}": record ${row + 1}, column "${key}" holds ${describe(value)}; only flat records ` +
      '(numbers, strings, booleans, null) can be read as a table',
  );
}

function unifyColumn(values: (number | string | null)[]): Cell[] {
  let numbers = 0;
  let strings = 0;
  let decimalStrings = 0;
  for (const value of values) {
    if (typeof value === 'number') numbers++;
    else if (typeof value === 'string') {
      strings++;
      if (DECIMAL_PATTERN.test(value.trim()) && Number.isFinite(Number(value))) decimalStrings++;
    }
  }
  if (numbers === 0 || strings === 0) return values;
  if (decimalStrings === strings) return values.map((v) => (typeof v === 'string' ? Number(v.trim()) : v));
  return values.map((v) => (typeof v === 'number' ? String(v) : v));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
