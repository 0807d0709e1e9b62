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
