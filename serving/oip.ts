import { randomUUID } from 'node:crypto';
import { describe, float32Value, hasOwn, isRecord, type Column, type FeatureBatch } from './columns';
import { badRequest, tooLarge } from './errors';
import type { ServedModel } from './model';
import type { BatchOutputs } from './inference';

/** A parsed Open Inference Protocol v2 infer request. */
export interface InferRequest {
  id: string;
  batch: FeatureBatch;
  /** Output names the client asked for (all when it did not say). */
  outputs: string[];
}

const NUMERIC_DATATYPES = ['FP32', 'FP64', 'INT64'];

function shapeOf(input: Record<string, unknown>, field: string): number[] {
  const shape = input.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw badRequest(`${field}.shape must be an array of non-negative integers such as [3], got ${describe(shape)}`);
  }
  return shape as number[];
}

function numericColumn(name: string, datatype: string, data: unknown[], field: string): Float32Array {
  const column = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value === null) {
      column[i] = NaN; // missing: the model imputes it
      continue;
    }
    if (typeof value !== 'number') {
      throw badRequest(`${field}.data[${i}] is ${describe(value)}; "${name}" needs numbers (or null for missing)`);
    }
    if (datatype === 'INT64' && !Number.isSafeInteger(value)) {
      throw badRequest(`${field}.data[${i}] is ${value}, not an integer within ±2^53; use datatype FP64 or FP32`);
    }
    const v = float32Value(value);
    if (v === undefined) {
      throw badRequest(`${field}.data[${i}] is ${value}, outside the float32 range the model computes in`);
    }
    column[i] = v;
  }
  return column;
}

function stringColumn(name: string, data: unknown[], field: string): string[] {
  return data.map((value, i) => {
    if (value === null) return '';
    if (typeof value !== 'string') {
      throw badRequest(`${field}.data[${i}] is ${describe(value)}; "${name}" needs strings (or null for missing)`);
    }
    return value;
  });
}

/** OIP data may be nested one level ([[1], [2]] for shape [2, 1]); `flat()` is slow, so only nested data pays for it. */
function flatData(data: unknown[]): unknown[] {
  for (let i = 0; i < data.length; i++) if (Array.isArray(data[i])) return data.flat();
  return data;
}

/** Validates an OIP infer body against the model's inputs; every error names the field and how to fix it. */
export function parseInferRequest(body: unknown, model: ServedModel, maxRows: number): InferRequest {
  if (!isRecord(body)) throw badRequest(`the request body must be a JSON object with "inputs", got ${describe(body)}`);
  if (hasOwn(body, 'id') && typeof body.id !== 'string')
    throw badRequest(`"id" must be a string, got ${describe(body.id)}`);
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw badRequest(
      `"inputs" must be a non-empty array of {name, shape, datatype, data}, got ${describe(body.inputs)}`,
    );
  }
  const features = new Map(model.features.map((f) => [f.name, f]));
  const columns: Record<string, Column> = {};
  let rows: number | undefined;
  body.inputs.forEach((input: unknown, index) => {
    const field = `inputs[${index}]`;
    if (!isRecord(input))
      throw badRequest(`${field} must be an object {name, shape, datatype, data}, got ${describe(input)}`);
    if (typeof input.name !== 'string') throw badRequest(`${field}.name must be a string, got ${describe(input.name)}`);
    const feature = features.get(input.name);
    if (!feature) {
      throw badRequest(
        `${field}.name "${input.name}" is not an input of model "${model.name}"; its inputs are ${[...features.keys()].map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    if (hasOwn(columns, input.name)) throw badRequest(`${field}: input "${input.name}" is given twice`);
    const named = `${field} ("${input.name}")`;
    const shape = shapeOf(input, named);
    if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) {
      throw badRequest(
        `${named}.shape ${JSON.stringify(shape)} does not match the model's [-1]; send [n] with one value per row`,
      );
    }
    const n = shape[0];
    if (n === 0) throw badRequest(`${named}.shape ${JSON.stringify(shape)} has no rows; send at least one`);
    if (n > maxRows)
      throw tooLarge(`${named} has ${n} rows, over the limit of ${maxRows} per request; split the request`);
    if (rows !== undefined && n !== rows) {
      throw badRequest(
        `${named}.shape says ${n} rows but earlier inputs have ${rows}; every input needs one value per row`,
      );
    }
    rows = n;
    const datatype = input.datatype;
    const accepted = feature.kind === 'categorical' ? ['BYTES'] : NUMERIC_DATATYPES;
    if (typeof datatype !== 'string' || !accepted.includes(datatype)) {
      throw badRequest(
        `${named}.datatype is ${describe(datatype)}; "${input.name}" (${feature.kind}) takes ${accepted.join(', ')}`,
      );
    }
    if (!Array.isArray(input.data))
      throw badRequest(`${named}.data must be an array of ${n} values, got ${describe(input.data)}`);
    const data = flatData(input.data as unknown[]);
    if (data.length !== n) {
      throw badRequest(`${named}.data has ${data.length} values but shape ${JSON.stringify(shape)} needs ${n}`);
    }
    columns[input.name] =
      feature.kind === 'categorical'
        ? stringColumn(input.name, data, named)
        : numericColumn(input.name, datatype, data, named);
  });
  const missing = model.features.filter((f) => !hasOwn(columns, f.name)).map((f) => `"${f.name}" (${f.kind})`);
  if (missing.length)
    throw badRequest(`"inputs" lacks ${missing.join(', ')}; send every model input (null values for missing)`);
  return {
    id: typeof body.id === 'string' ? body.id : randomUUID(),
    batch: { columns, rows: rows! },
    outputs: requestedOutputs(body, model),
  };
}

function requestedOutputs(body: Record<string, unknown>, model: ServedModel): string[] {
  const names = model.outputs.map((o) => o.name);
  if (!hasOwn(body, 'outputs') || body.outputs === undefined) return names;
  if (!Array.isArray(body.outputs))
    throw badRequest(`"outputs" must be an array of {name}, got ${describe(body.outputs)}`);
  return body.outputs.map((output: unknown, i) => {
    const name = isRecord(output) ? output.name : undefined;
    if (typeof name !== 'string' || !names.includes(name)) {
      throw badRequest(
        `outputs[${i}].name must be one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(name)}`,
      );
    }
    return name;
  });
}

const OUTPUT_DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', int64: 'INT64', string: 'BYTES' };

/** The OIP infer response body. */
export function inferResponse(model: ServedModel, request: InferRequest, outputs: BatchOutputs) {
  return {
    model_name: model.name,
    model_version: model.version,
    id: request.id,
    outputs: request.outputs.map((name) => {
      const out = outputs[name];
      const data = Array.from(out.data as ArrayLike<number | bigint | string>, (v) =>
        typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v,
      );
      return { name, shape: out.dims, datatype: OUTPUT_DATATYPES[out.type] ?? out.type.toUpperCase(), data };
    }),
  };
}
