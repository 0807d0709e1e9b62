import { Tensor } from 'onnxruntime-node';
import type { Column, FeatureBatch } from './columns';
import type { ServedModel } from './model';

/** One output tensor for one request's rows. */
export interface OutputSlice {
  type: string;
  dims: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | string[];
}

export type BatchOutputs = Record<string, OutputSlice>;

function concat(columns: Column[], rows: number): Column {
  if (columns.length === 1) return columns[0];
  if (Array.isArray(columns[0])) {
    // A plain loop: Array.prototype.flat is several times slower on thousands of strings.
    const out = new Array<string>(rows);
    let offset = 0;
    for (const column of columns as string[][]) for (let i = 0; i < column.length; i++) out[offset++] = column[i];
    return out;
  }
  const out = new Float32Array(rows);
  let offset = 0;
  for (const column of columns as Float32Array[]) {
    out.set(column, offset);
    offset += column.length;
  }
  return out;
}

/**
 * Runs several requests' rows as one `session.run`: concatenates each feature's columns, then cuts every output
 * back into per-request slices along the batch (first) dimension, in the order the requests were given.
 */
export async function runBatches(model: ServedModel, batches: FeatureBatch[]): Promise<BatchOutputs[]> {
  let total = 0;
  for (const batch of batches) total += batch.rows;
  const feeds: Record<string, Tensor> = {};
  const columns = new Array<Column>(batches.length);
  for (let f = 0; f < model.features.length; f++) {
    const { name, kind } = model.features[f];
    for (let i = 0; i < batches.length; i++) columns[i] = batches[i].columns[f];
    const column = concat(columns, total);
    feeds[name] =
      kind === 'categorical'
        ? new Tensor('string', column as string[], [total])
        : new Tensor('float32', column as Float32Array, [total]);
  }
  const results = await model.session.run(feeds);
  const slices = new Array<BatchOutputs>(batches.length);
  for (let i = 0; i < batches.length; i++) slices[i] = {};
  for (const name in results) {
    const tensor = results[name];
    const width = total === 0 ? 0 : tensor.size / total;
    const data = tensor.data as OutputSlice['data'];
    const rest = tensor.dims.slice(1);
    let row = 0;
    for (let i = 0; i < batches.length; i++) {
      const rows = batches[i].rows;
      const start = row * width;
      const end = (row + rows) * width;
      slices[i][name] = {
        type: tensor.type,
        // Spreading `rest` costs more than the rest of a slice: outputs are one or two dimensions.
        dims: rest.length === 0 ? [rows] : rest.length === 1 ? [rows, rest[0]] : [rows, ...rest],
        // Views, not copies: each request's rows of the batch's output.
        data: batches.length === 1 ? data : Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end),
      };
      row += rows;
    }
  }
  return slices;
}
