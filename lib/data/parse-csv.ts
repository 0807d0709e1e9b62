import { parse } from 'csv-parse/sync';
import { checkColumnNames, DatasetReadError, makeTable, ReadLimits, rowLimit, typeTextColumn } from './cells';
import type { Cell, Table } from './table';

/**
 * Parses CSV with a header row into a column-oriented table. Quoted fields may hold commas, quotes and newlines;
 * a column whose present cells are all plain decimals becomes numbers (hex such as `0x1F` stays a string); empty,
 * `NA` and `null` cells become null. Throws DatasetReadError naming `source` and the line at fault.
 */
export function parseCsvTable(content: Buffer | string, source: string, limits: ReadLimits = {}): Table {
  const maxRows = rowLimit(source, limits.maxRows);
  let records: string[][];
  try {
    records = parse(content, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      // The header is record 1, so `maxRows` data rows end at record maxRows + 1; the parser stops there.
      ...(Number.isFinite(maxRows) ? { to: maxRows + 1 } : {}),
    }) as string[][];
  } catch (err) {
    throw new DatasetReadError(`dataset "${source}" is not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (header === undefined) throw new DatasetReadError(`dataset "${source}" is empty: expected a header row`);
  checkColumnNames(source, header);
  const data: Record<string, Cell[]> = {};
  header.forEach((name, column) => {
    data[name] = typeTextColumn(rows.map((row) => row[column]));
  });
  return makeTable(header, data);
}
