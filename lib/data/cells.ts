import type { Cell, Table } from './table';

/** Plain decimal numbers only: `Number()` alone would also accept hex (`0x10`), binary, `Infinity` and `''`. */
export const DECIMAL_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Text cells that mean "no value" in CSV exports (R, pandas, spreadsheets). Compared after trimming. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']);

/** A dataset file that cannot be read into a table; the message names the source and the problem. */
export class DatasetReadError extends Error {
  override name = 'DatasetReadError';
}

export interface ReadLimits {
  /** Read at most this many data rows (the header does not count); the rest of the file is ignored. */
  maxRows?: number;
}

/** Checks `maxRows` and returns it as a row limit (Infinity when unset). */
export function rowLimit(source: string, maxRows: number | undefined): number {
  if (maxRows === undefined) return Infinity;
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new DatasetReadError(`dataset "${source}": maxRows must be a non-negative integer, got ${maxRows}`);
  }
  return maxRows;
}

/** True when a text cell is missing: empty or one of MISSING_TOKENS. */
export function isMissingText(text: string): boolean {
  return MISSING_TOKENS.has(text.trim());
}

/**
 * Types one column of text cells as a whole: if every present cell is a plain decimal number the column becomes
 * numbers, otherwise every present cell stays a string (so "007" next to "abc" is not half-converted). Missing
 * cells become null either way.
 */
export function typeTextColumn(values: readonly (string | null)[]): Cell[] {
  let numeric = true;
  for (const value of values) {
    if (value === null || isMissingText(value)) continue;
    // Decimal text is numeric even when it overflows (1e999 → Infinity): validation then reports the non-finite cell.
    if (!DECIMAL_PATTERN.test(value.trim())) {
      numeric = false;
      break;
    }
  }
  return values.map((value) => {
    if (value === null || isMissingText(value)) return null;
    return numeric ? Number(value.trim()) : value;
  });
}

/** Checks column names: present, non-empty and unique. */
export function checkColumnNames(source: string, columns: readonly string[]): void {
  const seen = new Set<string>();
  columns.forEach((name, index) => {
    if (name.trim() === '') {
      throw new DatasetReadError(`dataset "${source}": column ${index + 1} has no name; give every column a header`);
    }
    if (seen.has(name)) {
      throw new DatasetReadError(`dataset "${source}": column name "${name}" appears twice; rename one of them`);
    }
    seen.add(name);
  });
}

/** Builds a table from columns of equal length. */
export function makeTable(columns: string[], data: Record<string, Cell[]>): Table {
  const rowCount = columns.length === 0 ? 0 : data[columns[0]].length;
  for (const name of columns) {
    if (data[name].length !== rowCount) {
      throw new RangeError(`column "${name}" has ${data[name].length} cells, expected ${rowCount}`);
    }
  }
  return { columns, rowCount, data };
}
