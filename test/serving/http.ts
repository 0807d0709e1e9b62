import { InferenceSession, Tensor } from 'onnxruntime-node';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function call(base: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** POSTs a JSON value, or a string as it is (for malformed bodies). */
export function post(base: string, path: string, body: unknown): Promise<Reply> {
  return call(base, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Runs the ONNX file directly: numeric columns as float32, string columns as strings. */
export async function runDirect(
  session: InferenceSession,
  columns: Record<string, (number | string)[]>,
): Promise<Record<string, number[]>> {
  const feeds = Object.fromEntries(
    Object.entries(columns).map(([name, values]) => [
      name,
      typeof values[0] === 'string'
        ? new Tensor('string', values as string[], [values.length])
        : new Tensor('float32', Float32Array.from(values as number[]), [values.length]),
    ]),
  );
  const out = await session.run(feeds);
  return Object.fromEntries(
    Object.entries(out).map(([name, t]) => [
      name,
      Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v)),
    ]),
  );
}

export interface BinaryInput {
  name: string;
  datatype: 'FP32' | 'FP64' | 'INT64' | 'BYTES';
  data: (number | string)[];
}

/** An input tensor's raw bytes as the binary tensor data extension lays them out (little-endian; BYTES length-prefixed). */
export function tensorBytes({ datatype, data }: BinaryInput): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(
      data.flatMap((s) => {
        const bytes = Buffer.from(String(s), 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(bytes.length);
        return [length, bytes];
      }),
    );
  }
  const numbers = data as number[];
  const array =
    datatype === 'FP32'
      ? Float32Array.from(numbers)
      : datatype === 'FP64'
        ? Float64Array.from(numbers)
        : BigInt64Array.from(numbers, (v) => BigInt(v));
  return Buffer.from(array.buffer);
}

/** A binary request: JSON header (inputs with parameters.binary_data_size, plus `extra`) followed by the tensors. */
export function binaryBody(inputs: BinaryInput[], extra: Record<string, unknown> = {}) {
  const tensors = inputs.map(tensorBytes);
  const header = Buffer.from(
    JSON.stringify({
      ...extra,
      inputs: inputs.map((input, i) => ({
        name: input.name,
        shape: [input.data.length],
        datatype: input.datatype,
        parameters: { binary_data_size: tensors[i].length },
      })),
    }),
  );
  return { header, tensors, body: Buffer.concat([header, ...tensors]) };
}

export interface BinaryReply {
  status: number;
  headerLength?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  /** The bytes after the JSON header. */
  binary: Buffer;
}

/** POSTs a binary request (or any body with the Inference-Header-Content-Length header given) and splits the answer. */
export async function postBinary(
  base: string,
  path: string,
  body: Buffer,
  headerLength: number | string,
): Promise<BinaryReply> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const header = response.headers.get('inference-header-content-length');
  const length = header === null ? bytes.length : Number(header);
  return {
    status: response.status,
    ...(header === null ? {} : { headerLength: length }),
    json: JSON.parse(bytes.toString('utf8', 0, length)),
    binary: bytes.subarray(length),
  };
}
