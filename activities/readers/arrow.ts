import { DataType, Precision, RecordBatchReader, type Vector } from 'apache-arrow';
import { checkColumnNames, DatasetReadError, makeTable, ReadLimits, rowLimit } from '../../lib/data/cells';
import type { Cell, Table } from '../../lib/data/table';

/**
 * Reads an Arrow IPC file or stream batch by batch, stopping once `maxRows` rows are read, so a large file is
 * never turned into cells whole. Integers and floats become numbers (64-bit integers through Number), strings and
 * dictionary-encoded strings stay strings, booleans become "true"/"false", dates and timestamps become ISO strings.
 */
export function readArrowTable(content: Uint8Array, source: string, limits: ReadLimits = {}): Table {
  const maxRows = rowLimit(source, limits.maxRows);
  let reader;
  try {
    reader = RecordBatchReader.from(content);
    reader.open();
  } catch (err) {
    throw new DatasetReadError(`dataset "${source}" is not an Arrow IPC file or stream: ${(err as Error).message}`);
  }
  const fields = reader.schema.fields;
  const columns = fields.map((f) => f.name);
  checkColumnNames(source, columns);
  const data: Record<string, Cell[]> = Object.fromEntries(columns.map((c) => [c, []]));
  let rows = 0;
  try {
    for (const batch of reader) {
      if (rows >= maxRows) break;
      const take = Math.min(batch.numRows, maxRows - rows);
      fields.forEach((field, index) => {
        const vector = batch.getChildAt(index);
        if (vector === null) throw new Error(`column "${field.name}" is missing from a record batch`);
        appendVector(data[field.name], vector, take, field.name);
      });
      rows += take;
    }
  } catch (err) {
    if (err instanceof DatasetReadError) throw err;
    throw new DatasetReadError(`dataset "${source}": cannot read Arrow data: ${(err as Error).message}`);
  } finally {
    reader.cancel();
  }
  return makeTable(columns, data);
}

/** Row count from the batch headers, without converting any cells. */
export function countArrowRows(content: Uint8Array, source: string): number {
  try {
    let rows = 0;
    for (const batch of RecordBatchReader.from(content)) rows += batch.numRows;
    return rows;
  } catch (err) {
    throw new DatasetReadError(`dataset "${source}" is not an Arrow IPC file or stream: ${(err as Error).message}`);
  }
}

function appendVector(out: Cell[], vector: Vector, count: number, column: string): void {
  const type = vector.type;
  const convert = converter(type, column);
  const plainNumbers =
    (DataType.isInt(type) && type.bitWidth < 64) || (DataType.isFloat(type) && type.precision !== Precision.HALF);
  if (vector.nullCount === 0 && plainNumbers) {
    // Fast path: a typed array of numbers (not 64-bit integers, not half floats) with no nulls.
    const values = vector.toArray() as ArrayLike<number>;
    for (let i = 0; i < count; i++) out.push(Number.isFinite(values[i]) ? values[i] : null);
    return;
  }
  for (let i = 0; i < count; i++) {
    const value: unknown = vector.get(i);
    out.push(value === null || value === undefined ? null : convert(value));
  }
}

function converter(type: DataType, column: string): (value: unknown) => Cell {
  if (DataType.isInt(type) || DataType.isFloat(type)) {
    return (v) => {
      const n = Number(v as number | bigint);
      return Number.isFinite(n) ? n : null;
    };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return (v) => v as string;
  if (DataType.isDictionary(type)) return converter(type.dictionary, column);
  if (DataType.isBool(type)) return (v) => String(v);
  if (DataType.isDate(type) || DataType.isTimestamp(type)) {
    return (v) => {
      const ms = v instanceof Date ? v.getTime() : Number(v as number | bigint);
      return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
    };
  }
  throw new Error(`column "${column}" has Arrow type ${String(type)}, which cannot be read as a table cell`);
}
