import type * as Hyparquet from 'hyparquet' with { 'resolution-mode': 'import' };
import type * as HyparquetCompressors from 'hyparquet-compressors' with { 'resolution-mode': 'import' };
import { checkColumnNames, DatasetReadError, makeTable, ReadLimits, rowLimit } from '../../lib/data/cells';
import type { Cell, Table } from '../../lib/data/table';

/** Decompressors by Parquet codec name (`ZSTD`, `GZIP`, ...), as hyparquet takes them; SNAPPY is built in. */
export type ParquetCompressors = Hyparquet.Compressors;

export interface ParquetReadOptions extends ReadLimits {
  /** Extra codecs; without one, a file using that codec fails with an error naming it. */
  compressors?: ParquetCompressors;
}

type HyparquetModule = typeof Hyparquet;
type CompressorsModule = typeof HyparquetCompressors;

/**
 * hyparquet and hyparquet-compressors ship only as ES modules. Node >= 20.19 can `require` them (and jest transforms
 * them to CommonJS, see jest.config.js); older Node 20 releases cannot, so fall back to a real dynamic `import()`,
 * which TypeScript's node16 module mode keeps as-is in CommonJS output.
 */
async function loadEsm<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    return importer();
  }
}

let loaded: Promise<{ hyparquet: HyparquetModule; codecs: ParquetCompressors }> | undefined;

/** hyparquet plus every codec hyparquet-compressors decodes (ZSTD, LZ4, GZIP, BROTLI; SNAPPY is built in). */
function loadHyparquet() {
  loaded ??= (async () => {
    const [hyparquet, extra] = await Promise.all([
      loadEsm<HyparquetModule>('hyparquet', () => import('hyparquet')),
      loadEsm<CompressorsModule>('hyparquet-compressors', () => import('hyparquet-compressors')),
    ]);
    return { hyparquet, codecs: extra.compressors };
  })();
  return loaded;
}

function toArrayBuffer(content: Uint8Array): ArrayBuffer {
  // A Buffer may be a view into Node's shared pool: copy out exactly its bytes.
  return content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer;
}

async function readMetadata(content: Uint8Array, source: string) {
  const { hyparquet, codecs } = await loadHyparquet();
  const file = toArrayBuffer(content);
  try {
    return { hyparquet, codecs, file, metadata: hyparquet.parquetMetadata(file) };
  } catch (err) {
    throw new DatasetReadError(`dataset "${source}" is not a Parquet file: ${(err as Error).message}`);
  }
}

/** Row count from the Parquet footer, without decoding any data. */
export async function countParquetRows(content: Uint8Array, source: string): Promise<number> {
  const { metadata } = await readMetadata(content, source);
  return Number(metadata.num_rows);
}

/**
 * Reads the top-level columns of a Parquet file into a table, decoding only the row groups that hold the first
 * `maxRows` rows. Integers (64-bit ones through Number) and floats become numbers, strings stay strings, booleans
 * become "true"/"false", timestamps and dates become ISO strings.
 */
export async function readParquetTable(
  content: Uint8Array,
  source: string,
  options: ParquetReadOptions = {},
): Promise<Table> {
  const maxRows = rowLimit(source, options.maxRows);
  const { hyparquet, codecs, file, metadata } = await readMetadata(content, source);
  const totalRows = Number(metadata.num_rows);
  const rowEnd = Math.min(totalRows, maxRows);

  // Flat files only: a nested group (struct, list, map) has children and is not a table cell.
  const nested = metadata.schema.slice(1).find((element) => element.num_children);
  if (nested) {
    throw new DatasetReadError(
      `dataset "${source}": column "${nested.name}" is nested (a struct, list or map); only flat columns can be read`,
    );
  }
  const columns = metadata.schema.slice(1).map((element) => element.name);
  checkColumnNames(source, columns);

  const data: Record<string, Cell[]> = Object.fromEntries(columns.map((c) => [c, new Array<Cell>(rowEnd).fill(null)]));
  if (rowEnd > 0) {
    try {
      await hyparquet.parquetRead({
        file,
        metadata,
        columns,
        rowStart: 0,
        rowEnd,
        compressors: { ...codecs, ...options.compressors },
        // Chunks arrive column by column; no row objects are built.
        onChunk: ({ columnName, columnData, rowStart, rowEnd: chunkEnd }) => {
          const out = data[columnName];
          const end = Math.min(chunkEnd, rowEnd);
          for (let row = rowStart; row < end; row++) out[row] = parquetCell(columnData[row - rowStart], columnName);
        },
      });
    } catch (err) {
      if (err instanceof DatasetReadError) throw err;
      const message = (err as Error).message;
      const codec = /unsupported compression codec: (\w+)/.exec(message)?.[1];
      throw new DatasetReadError(
        codec
          ? `dataset "${source}" is compressed with ${codec}, which this reader cannot decompress; ` +
              `pass a ${codec} decompressor in the reader's compressors option, or re-save the file with SNAPPY ` +
              'or no compression'
          : `dataset "${source}": cannot read Parquet data: ${message}`,
      );
    }
  }
  return makeTable(columns, data);
}

function parquetCell(value: unknown, column: string): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'string':
      return value;
    case 'boolean':
      return String(value);
    default:
      if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : null;
      throw new Error(`column "${column}" holds a ${value?.constructor?.name ?? typeof value}, not a table cell`);
  }
}
