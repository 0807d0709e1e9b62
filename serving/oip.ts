import { randomUUID } from 'node:crypto';
import { binaryNumericColumn, binaryStringColumn, ELEMENT_BYTES, outputBytes } from './binary';
import { describe, float32Value, hasOwn, isRecord, type Column, type FeatureBatch } from './columns';
import { badRequest, tooLarge } from './errors';
import type { ServedModel } from './model';
import type { BatchOutputs } from './inference';

/** A parsed Open Inference Protocol v2 infer request. */
export interface InferRequest {
  id: string;
  /** The id as JSON text, as JSON.stringify writes it (made once, where it is known to need no escapes). */
  idJson: string;
  batch: FeatureBatch;
  /** Outputs the client asked for (all when it did not say), each as JSON data or as binary tensor data. */
  outputs: RequestedOutput[];
}

export interface RequestedOutput {
  name: string;
  binary: boolean;
  /** The output's JSON in the response up to its shape's values: `{"name":…,"shape":[`. */
  head: string;
}

function requestedOutput(name: string, binary: boolean): RequestedOutput {
  return { name, binary, head: `{"name":${JSON.stringify(name)},"shape":[` };
}

const NUMERIC_DATATYPES = ['FP32', 'FP64', 'INT64'];

/** How errors name input `index` (called `name`); built only for an error, not for every input of every request. */
function inputField(index: number, name?: string): string {
  return name === undefined ? `inputs[${index}]` : `inputs[${index}] ("${name}")`;
}

function shapeOf(input: Record<string, unknown>, index: number, name: string): number[] {
  const shape = input.shape;
  let valid = Array.isArray(shape);
  for (let i = 0; valid && i < (shape as unknown[]).length; i++) {
    const d = (shape as unknown[])[i];
    valid = Number.isSafeInteger(d) && (d as number) >= 0;
  }
  if (!valid) {
    throw badRequest(
      `${inputField(index, name)}.shape must be an array of non-negative integers such as [3], got ${describe(shape)}`,
    );
  }
  return shape as number[];
}

function numericColumn(name: string, datatype: string, data: unknown[], index: number): Float32Array {
  const column = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value === null) {
      column[i] = NaN; // missing: the model imputes it
      continue;
    }
    if (typeof value !== 'number') {
      throw badRequest(
        `${inputField(index, name)}.data[${i}] is ${describe(value)}; "${name}" needs numbers (or null for missing)`,
      );
    }
    if (datatype === 'INT64' && !Number.isSafeInteger(value)) {
      throw badRequest(
        `${inputField(index, name)}.data[${i}] is ${value}, not an integer within ±2^53; use datatype FP64 or FP32`,
      );
    }
    const v = float32Value(value);
    if (v === undefined) {
      throw badRequest(
        `${inputField(index, name)}.data[${i}] is ${value}, outside the float32 range the model computes in`,
      );
    }
    column[i] = v;
  }
  return column;
}

function stringColumn(name: string, data: unknown[], index: number): string[] {
  const column = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value === null) column[i] = '';
    else if (typeof value === 'string') column[i] = value;
    else
      throw badRequest(
        `${inputField(index, name)}.data[${i}] is ${describe(value)}; "${name}" needs strings (or null for missing)`,
      );
  }
  return column;
}

/** OIP data may be nested one level ([[1], [2]] for shape [2, 1]); `flat()` is slow, so only nested data pays for it. */
function flatData(data: unknown[]): unknown[] {
  for (let i = 0; i < data.length; i++) if (Array.isArray(data[i])) return data.flat();
  return data;
}

/** The binary tensor data after the JSON header, and how much of it earlier inputs took. */
interface BinaryCursor {
  data: Buffer | undefined;
  offset: number;
}

/** The next binarySize bytes of the binary tensor data as a column of n rows. */
function binaryColumn(
  cursor: BinaryCursor,
  input: Record<string, unknown>,
  named: string,
  kind: string,
  datatype: string,
  n: number,
  binarySize: number,
): Column {
  const binary = cursor.data;
  if (hasOwn(input, 'data')) {
    throw badRequest(`${named} has both data and parameters.binary_data_size; send its values one way`);
  }
  if (!binary) {
    throw badRequest(
      `${named}.parameters.binary_data_size is set but the request has no binary data; send the JSON header's byte length as the Inference-Header-Content-Length header and the tensor bytes after the JSON`,
    );
  }
  const elementBytes = ELEMENT_BYTES[datatype];
  if (elementBytes !== undefined && binarySize !== n * elementBytes) {
    throw badRequest(
      `${named}.parameters.binary_data_size is ${binarySize} bytes but ${n} ${datatype} values take ${n * elementBytes}`,
    );
  }
  const left = binary.length - cursor.offset;
  if (binarySize > left) {
    throw badRequest(
      `${named}.parameters.binary_data_size is ${binarySize} bytes but only ${left} bytes of binary data are left after the earlier inputs; the body is truncated or a size is wrong`,
    );
  }
  const bytes = binary.subarray(cursor.offset, cursor.offset + binarySize);
  cursor.offset += binarySize;
  return kind === 'categorical' ? binaryStringColumn(bytes, n, named) : binaryNumericColumn(datatype, bytes, named);
}

/** Per model: its inputs by name and the outputs a request gets when it names none (JSON, or all binary). */
interface ModelPlan {
  /** Each input by name, with its place in the model's order. */
  features: Map<string, ServedModel['features'][number] & { index: number }>;
  allOutputs: { json: RequestedOutput[]; binary: RequestedOutput[] };
  /** The response's JSON up to the id. */
  responsePrefix: string;
}

const plans = new WeakMap<ServedModel, ModelPlan>();

function planFor(model: ServedModel): ModelPlan {
  let plan = plans.get(model);
  if (!plan) {
    const names = model.outputs.map((o) => o.name);
    plan = {
      features: new Map(model.features.map((f, index) => [f.name, { ...f, index }])),
      allOutputs: {
        json: names.map((name) => requestedOutput(name, false)),
        binary: names.map((name) => requestedOutput(name, true)),
      },
      responsePrefix: `{"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)},"id":`,
    };
    plans.set(model, plan);
  }
  return plan;
}

/** The outputs a request gets when it names none: every output, as JSON data or all as binary. */
export function allOutputs(model: ServedModel, binary: boolean): RequestedOutput[] {
  return planFor(model).allOutputs[binary ? 'binary' : 'json'];
}

/** An input's `parameters.binary_data_size`, or undefined when its values are JSON `data`. */
function binaryDataSize(input: Record<string, unknown>, index: number, name: string): number | undefined {
  if (!hasOwn(input, 'parameters') || input.parameters === undefined) return undefined;
  const parameters = input.parameters;
  if (!isRecord(parameters))
    throw badRequest(`${inputField(index, name)}.parameters must be an object, got ${describe(parameters)}`);
  if (!hasOwn(parameters, 'binary_data_size')) return undefined;
  const size = parameters.binary_data_size;
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw badRequest(
      `${inputField(index, name)}.parameters.binary_data_size must be a byte count (an integer ≥ 0), got ${describe(size)}`,
    );
  }
  return size as number;
}

/**
 * Validates an OIP infer body against the model's inputs; every error names the field and how to fix it. `binary` is
 * the tensor data after the JSON header (binary tensor data extension), consumed in the order of the inputs that
 * give `parameters.binary_data_size`.
 */
export function parseInferRequest(body: unknown, model: ServedModel, maxRows: number, binary?: Buffer): InferRequest {
  if (!isRecord(body)) throw badRequest(`the request body must be a JSON object with "inputs", got ${describe(body)}`);
  if (hasOwn(body, 'id') && typeof body.id !== 'string')
    throw badRequest(`"id" must be a string, got ${describe(body.id)}`);
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw badRequest(
      `"inputs" must be a non-empty array of {name, shape, datatype, data}, got ${describe(body.inputs)}`,
    );
  }
  const plan = planFor(model);
  const features = plan.features;
  const columns = new Array<Column | undefined>(model.features.length);
  let given = 0;
  let rows: number | undefined;
  const cursor: BinaryCursor = { data: binary, offset: 0 };
  const inputs = body.inputs as unknown[];
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index];
    if (!isRecord(input))
      throw badRequest(`${inputField(index)} must be an object {name, shape, datatype, data}, got ${describe(input)}`);
    if (typeof input.name !== 'string')
      throw badRequest(`${inputField(index)}.name must be a string, got ${describe(input.name)}`);
    const feature = features.get(input.name);
    if (!feature) {
      throw badRequest(
        `${inputField(index)}.name "${input.name}" is not an input of model "${model.name}"; its inputs are ${[...features.keys()].map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    if (columns[feature.index] !== undefined)
      throw badRequest(`${inputField(index)}: input "${input.name}" is given twice`);
    const shape = shapeOf(input, index, input.name);
    if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) {
      throw badRequest(
        `${inputField(index, input.name)}.shape ${JSON.stringify(shape)} does not match the model's [-1]; send [n] with one value per row`,
      );
    }
    const n = shape[0];
    if (n === 0)
      throw badRequest(
        `${inputField(index, input.name)}.shape ${JSON.stringify(shape)} has no rows; send at least one`,
      );
    if (n > maxRows)
      throw tooLarge(
        `${inputField(index, input.name)} has ${n} rows, over the limit of ${maxRows} per request; split the request`,
      );
    if (rows !== undefined && n !== rows) {
      throw badRequest(
        `${inputField(index, input.name)}.shape says ${n} rows but earlier inputs have ${rows}; every input needs one value per row`,
      );
    }
    rows = n;
    const datatype = input.datatype;
    const accepted = feature.kind === 'categorical' ? ['BYTES'] : NUMERIC_DATATYPES;
    if (typeof datatype !== 'string' || !accepted.includes(datatype)) {
      throw badRequest(
        `${inputField(index, input.name)}.datatype is ${describe(datatype)}; "${input.name}" (${feature.kind}) takes ${accepted.join(', ')}`,
      );
    }
    const binarySize = binaryDataSize(input, index, input.name);
    given++;
    if (binarySize !== undefined) {
      columns[feature.index] = binaryColumn(
        cursor,
        input,
        inputField(index, input.name),
        feature.kind,
        datatype,
        n,
        binarySize,
      );
      continue;
    }
    if (!Array.isArray(input.data))
      throw badRequest(
        `${inputField(index, input.name)}.data must be an array of ${n} values, got ${describe(input.data)}`,
      );
    const data = flatData(input.data as unknown[]);
    if (data.length !== n) {
      throw badRequest(
        `${inputField(index, input.name)}.data has ${data.length} values but shape ${JSON.stringify(shape)} needs ${n}`,
      );
    }
    columns[feature.index] =
      feature.kind === 'categorical'
        ? stringColumn(input.name, data, index)
        : numericColumn(input.name, datatype, data, index);
  }
  if (binary && cursor.offset !== binary.length) {
    throw badRequest(
      `the body has ${binary.length} bytes of binary tensor data after the JSON header but the inputs' parameters.binary_data_size add up to ${cursor.offset}`,
    );
  }
  if (given !== model.features.length) {
    const missing = model.features.filter((_, i) => columns[i] === undefined).map((f) => `"${f.name}" (${f.kind})`);
    throw badRequest(`"inputs" lacks ${missing.join(', ')}; send every model input (null values for missing)`);
  }
  const id = typeof body.id === 'string' ? body.id : randomUUID();
  return {
    id,
    idJson: typeof body.id === 'string' ? JSON.stringify(id) : `"${id}"`,
    batch: { columns: columns as Column[], rows: rows! },
    outputs: requestedOutputs(body, model, plan),
  };
}

/** A `parameters.<key>` flag: undefined when absent; a boolean, else a 400 naming the field. */
function flag(owner: Record<string, unknown>, key: string, field: string): boolean | undefined {
  if (!hasOwn(owner, 'parameters') || owner.parameters === undefined) return undefined;
  const parameters = owner.parameters;
  if (!isRecord(parameters)) throw badRequest(`${field}parameters must be an object, got ${describe(parameters)}`);
  if (!hasOwn(parameters, key) || parameters[key] === undefined) return undefined;
  const value = parameters[key];
  if (typeof value !== 'boolean')
    throw badRequest(`${field}parameters.${key} must be true or false, got ${describe(value)}`);
  return value;
}

/** The outputs asked for; binary when the output's `binary_data` or else the request's `binary_data_output` says so. */
function requestedOutputs(body: Record<string, unknown>, model: ServedModel, plan: ModelPlan): RequestedOutput[] {
  const allBinary = flag(body, 'binary_data_output', '') ?? false;
  if (!hasOwn(body, 'outputs') || body.outputs === undefined) return plan.allOutputs[allBinary ? 'binary' : 'json'];
  const names = model.outputs.map((o) => o.name);
  if (!Array.isArray(body.outputs))
    throw badRequest(`"outputs" must be an array of {name}, got ${describe(body.outputs)}`);
  return body.outputs.map((output: unknown, i) => {
    const name = isRecord(output) ? output.name : undefined;
    if (typeof name !== 'string' || !names.includes(name)) {
      throw badRequest(
        `outputs[${i}].name must be one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(name)}`,
      );
    }
    return requestedOutput(name, flag(output as Record<string, unknown>, 'binary_data', `outputs[${i}].`) ?? allBinary);
  });
}

const OUTPUT_DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', int64: 'INT64', string: 'BYTES' };

/** An encoded infer response: JSON text, or (when an output is binary) the JSON header and tensor bytes after it. */
export type EncodedResponse = { json: string } | { binary: Buffer; headerLength: number };

/** A shape's values as JSON: joining an array costs several times more than writing one or two numbers. */
function dimsJson(dims: number[]): string {
  return dims.length === 1 ? `${dims[0]}` : dims.length === 2 ? `${dims[0]},${dims[1]}` : dims.join(',');
}

/** JSON array elements as JSON.stringify writes them (non-finite numbers as null, int64 as numbers). */
function jsonData(data: ArrayLike<number | bigint | string>): string {
  let text = '';
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const item =
      typeof v === 'number'
        ? Number.isFinite(v)
          ? String(v)
          : 'null'
        : typeof v === 'bigint'
          ? String(Number(v))
          : JSON.stringify(v);
    text = i === 0 ? item : `${text},${item}`;
  }
  return text;
}

/**
 * The OIP infer response, written straight to text (the same JSON as JSON.stringify of the response object, without
 * building it). Outputs asked for as binary carry `parameters.binary_data_size` and their bytes follow the JSON.
 */
export function encodeInferResponse(model: ServedModel, request: InferRequest, outputs: BatchOutputs): EncodedResponse {
  let json = `${planFor(model).responsePrefix}${request.idJson},"outputs":[`;
  let tensors: Buffer[] | undefined;
  for (let i = 0; i < request.outputs.length; i++) {
    const { name, binary, head } = request.outputs[i];
    const out = outputs[name];
    const datatype = OUTPUT_DATATYPES[out.type] ?? out.type.toUpperCase();
    json += `${i ? ',' : ''}${head}${dimsJson(out.dims)}],"datatype":"${datatype}",`;
    if (binary) {
      const bytes = outputBytes(out.data);
      (tensors ??= []).push(bytes);
      json += `"parameters":{"binary_data_size":${bytes.length}}}`;
    } else {
      json += `"data":[${jsonData(out.data as ArrayLike<number | bigint | string>)}]}`;
    }
  }
  json += ']}';
  if (!tensors) return { json };
  const header = Buffer.from(json, 'utf8');
  return { binary: Buffer.concat([header, ...tensors]), headerLength: header.length };
}
