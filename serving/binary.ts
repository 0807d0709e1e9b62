import os from 'node:os';
import { float32Value } from './columns';
import { badRequest, ServingError } from './errors';

/**
 * The Open Inference Protocol's binary tensor data extension (Triton's and KServe's `binary_tensor_data`): the body is
 * a JSON header of `Inference-Header-Content-Length` bytes followed by raw tensors, little-endian, row-major, in the
 * order of the inputs that carry `parameters.binary_data_size`; a BYTES element is a 4-byte little-endian length and
 * its bytes. Responses answer outputs asked for as binary the same way.
 */
export const BINARY_EXTENSION = 'binary_tensor_data';
export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

const BIG_ENDIAN_HOST = os.endianness() === 'BE';
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes per element of the fixed-size datatypes a numeric input accepts. */
export const ELEMENT_BYTES: Record<string, number> = { FP32: 4, FP64: 8, INT64: 8 };

/** A request body split into its JSON header text and the binary tensor data after it (none without the header). */
export interface SplitBody {
  json: string;
  binary?: Buffer;
}

export function splitBody(body: Buffer, headerLength: string | string[] | undefined): SplitBody {
  if (headerLength === undefined) return { json: body.toString('utf8') };
  const text = Array.isArray(headerLength) ? headerLength.join(',') : headerLength;
  const length = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(length)) {
    throw badRequest(
      `the Inference-Header-Content-Length header must be the byte length of the JSON header, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  if (length > body.length) {
    throw badRequest(
      `the Inference-Header-Content-Length header says ${length} bytes of JSON but the body has only ${body.length} bytes`,
    );
  }
  return { json: body.toString('utf8', 0, length), binary: body.subarray(length) };
}

/** Parses a JSON request body (or binary request's JSON header) with the messages clients see for bad JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (text.trim() === '') throw new ServingError(400, 'request body is empty; send a JSON object', 'invalid_json');
    throw new ServingError(
      400,
      `request body is not valid JSON (${(err as Error).message}); send a JSON object`,
      'invalid_json',
    );
  }
}

/** A copy of the bytes as native-order elements (a copy also makes them aligned and independent of the body). */
function copyElements(bytes: Buffer, elementBytes: 4 | 8): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  const view = Buffer.from(out);
  bytes.copy(view);
  if (BIG_ENDIAN_HOST) {
    if (elementBytes === 4) view.swap32();
    else view.swap64();
  }
  return out;
}

/**
 * A numeric input's binary tensor as the float32 column the model takes: NaN is a missing value (the model imputes
 * it); values float32 cannot hold and INT64 values beyond ±2^53 are refused, as in JSON.
 */
export function binaryNumericColumn(datatype: string, bytes: Buffer, field: string): Float32Array {
  if (datatype === 'FP32') {
    const column = new Float32Array(copyElements(bytes, 4));
    for (let i = 0; i < column.length; i++) {
      const v = column[i];
      if (v === Infinity || v === -Infinity) {
        throw badRequest(
          `${field}[${i}] is ${v}, outside the float32 range the model computes in; send NaN for missing`,
        );
      }
    }
    return column;
  }
  const column = new Float32Array(bytes.length / 8);
  if (datatype === 'FP64') {
    const values = new Float64Array(copyElements(bytes, 8));
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value !== value) {
        column[i] = NaN;
        continue;
      }
      const v = float32Value(value);
      if (v === undefined)
        throw badRequest(`${field}[${i}] is ${value}, outside the float32 range the model computes in`);
      column[i] = v;
    }
    return column;
  }
  const values = new BigInt64Array(copyElements(bytes, 8));
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value < MIN_SAFE || value > MAX_SAFE) {
      throw badRequest(`${field}[${i}] is ${value}, not an integer within ±2^53; use datatype FP64 or FP32`);
    }
    column[i] = Number(value);
  }
  return column;
}

/** A BYTES input's binary tensor: `rows` elements of a uint32 length and UTF-8 bytes; '' is a missing value. */
export function binaryStringColumn(bytes: Buffer, rows: number, field: string): string[] {
  const column = new Array<string>(rows);
  // One decode of the whole tensor, then substrings: a Buffer#toString per element costs several times more. Only
  // when every byte is ASCII, where Latin-1 and UTF-8 agree; otherwise each element is decoded as UTF-8.
  const text = bytes.toString('latin1');
  const ascii = !NON_ASCII.test(text);
  let offset = 0;
  for (let i = 0; i < rows; i++) {
    if (offset + 4 > bytes.length) {
      throw badRequest(
        `${field} binary data ends at element ${i} of ${rows}; each BYTES element is a 4-byte little-endian length and its bytes`,
      );
    }
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    if (offset + length > bytes.length) {
      throw badRequest(
        `${field}[${i}] says ${length} bytes but only ${bytes.length - offset} are left in its binary_data_size`,
      );
    }
    column[i] = ascii ? text.substring(offset, offset + length) : bytes.toString('utf8', offset, offset + length);
    offset += length;
  }
  if (offset !== bytes.length) {
    throw badRequest(
      `${field} has ${bytes.length - offset} bytes left after its ${rows} BYTES elements; binary_data_size must cover exactly the elements`,
    );
  }
  return column;
}

type OutputData = Float32Array | Float64Array | BigInt64Array | Int32Array | string[];

/** An output tensor's raw bytes: little-endian elements, or length-prefixed UTF-8 strings for BYTES. */
export function outputBytes(data: OutputData): Buffer {
  if (Array.isArray(data)) {
    const parts = data.map((s) => Buffer.from(s, 'utf8'));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.writeUInt32LE(part.length, offset);
      part.copy(out, offset + 4);
      offset += 4 + part.length;
    }
    return out;
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // a view: no copy on little-endian hosts
  if (!BIG_ENDIAN_HOST) return view;
  const copy = Buffer.from(view);
  return data.BYTES_PER_ELEMENT === 4 ? copy.swap32() : copy.swap64();
}
