import { DatasetReadError } from '../../lib/data/cells';
import { parseCsvTable } from '../../lib/data/parse-csv';
import { parseJsonTable } from '../../lib/data/parse-json';
import type { DatasetFormat } from '../../lib/data/schema-config';
import type { Table } from '../../lib/data/table';
import { countArrowRows, readArrowTable } from './arrow';
import { countParquetRows, readParquetTable, type ParquetCompressors } from './parquet';

export { DatasetReadError } from '../../lib/data/cells';
export type { DatasetFormat } from '../../lib/data/schema-config';

export interface ReadTableOptions {
  /** Read at most this many data rows. Parquet and Arrow decode only what that needs; CSV stops parsing there. */
  maxRows?: number;
  /** Extra Parquet decompressors by codec name (e.g. `ZSTD`). */
  parquetCompressors?: ParquetCompressors;
}

const FORMATS: readonly DatasetFormat[] = ['csv', 'json', 'parquet', 'arrow'];

function checkFormat(format: string, source: string): asserts format is DatasetFormat {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new DatasetReadError(`dataset "${source}": unknown format "${format}"; use one of ${FORMATS.join(', ')}`);
  }
}

/** Parses a dataset file's bytes into a column-oriented table; errors are DatasetReadErrors naming `source`. */
export async function readTable(
  content: Buffer,
  format: DatasetFormat,
  source: string,
  options: ReadTableOptions = {},
): Promise<Table> {
  checkFormat(format, source);
  switch (format) {
    case 'csv':
      return parseCsvTable(content, source, options);
    case 'json':
      return parseJsonTable(content, source, options);
    case 'parquet':
      return readParquetTable(content, source, { maxRows: options.maxRows, compressors: options.parquetCompressors });
    case 'arrow':
      return readArrowTable(content, source, options);
  }
}

/** Number of data rows; Parquet and Arrow answer from their metadata without decoding cells. */
export async function countRows(content: Buffer, format: DatasetFormat, source: string): Promise<number> {
  checkFormat(format, source);
  switch (format) {
    case 'parquet':
      return countParquetRows(content, source);
    case 'arrow':
      return countArrowRows(content, source);
    default:
      return (await readTable(content, format, source)).rowCount;
  }
}
