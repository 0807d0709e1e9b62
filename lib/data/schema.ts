import { DECIMAL_PATTERN } from './cells';
import { featureName, type DeclaredFeature } from './schema-config';
import type { Cell, DatasetSchema, FeatureSpec, FeatureType, Table } from './table';

export type DatasetTask = 'regression' | 'classification';

/** What a config declares about the data; everything left out is inferred from the table. */
export interface DeclaredSchema {
  target: string;
  features?: readonly DeclaredFeature[];
  timeColumn?: string;
}

/** The declared schema disagrees with the data; `problems` are `field: problem` lines, also joined in the message. */
export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(readonly problems: string[]) {
    super(`Dataset schema does not fit the data:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds since the epoch for an ISO 8601 date (`2012-01-31`) or date-time (`2012-01-31T08:30`,
 * `2012-01-31 08:30:00.5Z`, `...+01:00`), or undefined for anything else, including impossible dates such as
 * `2012-02-30`. A date or date-time without an offset is read as UTC, so results do not depend on the machine.
 */
export function parseIsoTime(text: string): number | undefined {
  const date = DATE_ONLY.exec(text);
  if (date) return utc(+date[1], +date[2], +date[3], 0, 0, 0, 0);
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  const local = utc(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] === undefined ? 0 : +m[6], ms);
  if (local === undefined) return undefined;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return local;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!offset || +offset[2] > 23 || +offset[3] > 59) return undefined;
  const minutes = (+offset[2] * 60 + +offset[3]) * (offset[1] === '+' ? 1 : -1);
  return local - minutes * 60_000;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const time = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return new Date(time).getUTCDate() === d ? time : undefined; // rejects 2012-02-30
}

/** A text column whose values are at least this share numbers is numeric with bad values (reported by validation). */
export const NUMERIC_MAJORITY = 0.9;

/**
 * The type a column's values suggest: all numbers → numeric; all ISO dates/date-times → datetime; any other
 * text → categorical. A column that is mostly numbers with a few stray strings (`"abc"` in a temperature column)
 * counts as numeric, so validation reports those rows instead of silently turning the column into categories.
 * Undefined when every cell is missing.
 */
export function inferColumnType(values: readonly Cell[]): FeatureType | undefined {
  let numbers = 0;
  let strings = 0;
  let numericText = 0;
  let dates = 0;
  for (const value of values) {
    if (value === null) continue;
    if (typeof value === 'number') numbers++;
    else {
      strings++;
      if (DECIMAL_PATTERN.test(value.trim())) numericText++;
      if (dates === strings - 1 && parseIsoTime(value) !== undefined) dates++;
    }
  }
  const present = numbers + strings;
  if (present === 0) return undefined;
  if (strings === 0) return 'numeric';
  if (numbers === 0 && dates === strings) return 'datetime';
  if ((numbers + numericText) / present >= NUMERIC_MAJORITY) return 'numeric';
  return 'categorical';
}

/** Regression for a numeric target, classification for a categorical one. */
export function taskOf(schema: DatasetSchema): DatasetTask {
  return schema.target.type === 'numeric' ? 'regression' : 'classification';
}

/** Every column except the target, types inferred; columns with no values at all are left out. */
export function inferSchema(table: Table, target: string): DatasetSchema {
  return resolveSchema(table, { target });
}

/**
 * Infers the schema and merges the declared parts over it: declared features (in their order) replace the
 * inferred list, and a declared type wins over the inferred one once checked against the data. Collects every
 * problem, then throws one SchemaError naming each field (`features[2]: column "foo" is not in the dataset ...`).
 */
export function resolveSchema(table: Table, declared: DeclaredSchema): DatasetSchema {
  const problems: string[] = [];
  const columnList = listColumns(table.columns);
  const has = (name: string) => Object.prototype.hasOwnProperty.call(table.data, name) && table.columns.includes(name);

  let target: DatasetSchema['target'] | undefined;
  if (!has(declared.target)) {
    problems.push(`target: column "${declared.target}" is not in the dataset (columns: ${columnList})`);
  } else {
    const type = inferColumnType(table.data[declared.target]);
    if (type === undefined) problems.push(`target: column "${declared.target}" has no values`);
    else if (type === 'datetime') {
      problems.push(`target: column "${declared.target}" holds dates; pick a numeric or categorical column to predict`);
    } else target = { name: declared.target, type };
  }

  const features: FeatureSpec[] = [];
  if (declared.features === undefined) {
    for (const name of table.columns) {
      if (name === declared.target) continue;
      const type = inferColumnType(table.data[name]);
      if (type !== undefined) features.push({ name, type });
    }
    if (features.length === 0 && target !== undefined) {
      problems.push(`features: the dataset has no column besides the target "${declared.target}" to learn from`);
    }
  } else {
    declared.features.forEach((feature, index) => {
      const field = `features[${index}]`;
      const name = featureName(feature);
      if (!has(name)) {
        problems.push(`${field}: column "${name}" is not in the dataset (columns: ${columnList})`);
        return;
      }
      if (name === declared.target) {
        problems.push(`${field}: "${name}" is the target; remove it from features`);
        return;
      }
      const values = table.data[name];
      const inferred = inferColumnType(values);
      if (inferred === undefined) {
        problems.push(`${field}: column "${name}" has no values; remove it from features`);
        return;
      }
      if (typeof feature === 'string') {
        features.push({ name, type: inferred });
        return;
      }
      const problem = checkDeclaredType(values, feature.type);
      if (problem) problems.push(`${field}: column "${name}" is declared ${feature.type} but ${problem}`);
      else features.push({ name, type: feature.type });
    });
  }

  if (declared.timeColumn !== undefined) {
    const name = declared.timeColumn;
    if (!has(name)) problems.push(`timeColumn: column "${name}" is not in the dataset (columns: ${columnList})`);
    else if (name === declared.target) problems.push(`timeColumn: "${name}" is the target; pick a date/time column`);
    else {
      try {
        timeValues(table, name);
      } catch (err) {
        problems.push(`timeColumn: ${(err as Error).message}`);
      }
    }
  }

  if (problems.length > 0 || target === undefined) throw new SchemaError(problems);
  return { features, target };
}

/** Why `values` cannot have the declared type, or undefined when they can. Categorical accepts anything. */
function checkDeclaredType(values: readonly Cell[], type: FeatureType): string | undefined {
  if (type === 'categorical') return undefined;
  for (let row = 0; row < values.length; row++) {
    const value = values[row];
    if (value === null) continue;
    // A column with one bad cell is read as text throughout: decimal strings there are still numbers.
    if (type === 'numeric' && typeof value !== 'number' && !DECIMAL_PATTERN.test(value.trim())) {
      return `holds text (e.g. "${value}" in row ${row + 1}); declare it categorical or fix the data`;
    }
    if (type === 'datetime' && (typeof value !== 'string' || parseIsoTime(value) === undefined)) {
      return (
        `holds ${JSON.stringify(value)} in row ${row + 1}, which is not an ISO date (YYYY-MM-DD or ` +
        'YYYY-MM-DDThh:mm:ss); declare another type or fix the data'
      );
    }
  }
  return undefined;
}

/**
 * A time column as numbers for ordering rows: ISO dates/date-times as epoch milliseconds, numeric columns (years,
 * epoch seconds) as they are. Throws naming the first missing or unreadable cell (rows are 1-based).
 */
export function timeValues(table: Table, column: string): number[] {
  const values = table.data[column];
  if (!values || !table.columns.includes(column)) {
    throw new RangeError(`column "${column}" is not in the dataset (columns: ${listColumns(table.columns)})`);
  }
  return values.map((value, index) => {
    const time = typeof value === 'number' ? value : value === null ? undefined : parseIsoTime(value);
    if (time === undefined) {
      throw new RangeError(
        value === null
          ? `column "${column}", row ${index + 1}: time is missing; every row needs a time to be ordered`
          : `column "${column}", row ${index + 1}: "${value}" is not an ISO date (YYYY-MM-DD or ` +
              'YYYY-MM-DDThh:mm:ss) or a number',
      );
    }
    return time;
  });
}

function listColumns(columns: readonly string[], max = 30): string {
  const shown = columns.slice(0, max).join(', ');
  return columns.length > max ? `${shown}, ... ${columns.length - max} more` : shown;
}
