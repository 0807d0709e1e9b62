import fs from 'node:fs';
import http from 'node:http';
import { startModelServer, type ModelServer } from '../../serving/server';
import { seededRandom } from '../helpers/random';
import { seattleModel, tempDir } from './fixtures';
import { binaryBody, call, type BinaryInput } from './http';

const MALFORMED = 10_000;
/** One valid request after every VALID_EVERY malformed ones: the server must keep answering them correctly. */
const VALID_EVERY = 10;
const CONCURRENCY = 16;
/** Small limits, so oversized bodies and row counts are cheap to send. */
const MAX_BODY_BYTES = 32 * 1024;
const MAX_ROWS = 64;

const random = seededRandom(20240601);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);

type Input = { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** What the mutation did, for the failure report. */
  kind: string;
}

function validInputs(n: number): Input[] {
  const numbers = () => Array.from({ length: n }, () => random() * 20);
  return [
    { name: 'date', shape: [n], datatype: 'FP32', data: Array.from({ length: n }, () => 15000 + int(2000)) },
    { name: 'precipitation', shape: [n], datatype: 'FP64', data: numbers() },
    { name: 'temp_min', shape: [n], datatype: 'FP32', data: numbers() },
    { name: 'wind', shape: [n], datatype: 'INT64', data: Array.from({ length: n }, () => int(10)) },
    { name: 'weather', shape: [n], datatype: 'BYTES', data: Array.from({ length: n }, () => pick(['sun', 'rain'])) },
  ];
}

function validRows(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, () => ({
    date: pick(['2012-01-31', '2014-07-04T08:30Z', null]),
    precipitation: random() * 10,
    temp_min: random() * 15,
    wind: pick([random() * 8, null]),
    weather: pick(['sun', 'rain', 'fog', null]),
  }));
}

const INFER = '/v2/models/seattle/infer';
const PREDICT = '/v2/models/seattle/predict';
const JSON_TYPE = { 'content-type': 'application/json' };
const NOT_AN_OBJECT = [null, 0, -1, 'text', true, [], [1, 2]];
const HUGE = ['1e39', '-1e300', '1e400', '-1e999', '3.5e38'];
const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'image/png',
  '',
];

/** One malformed request; every mutation makes it invalid. */
function malformed(): FuzzRequest {
  const n = 1 + int(4);
  const inputs = validInputs(n);
  const victim = inputs[int(inputs.length)];
  const numeric = inputs.filter((i) => i.datatype !== 'BYTES');
  const json = (kind: string, value: unknown, path = INFER): FuzzRequest => ({
    method: 'POST',
    path,
    headers: JSON_TYPE,
    body: typeof value === 'string' ? value : JSON.stringify(value),
    kind,
  });
  switch (int(21)) {
    case 0: {
      const text = JSON.stringify({ id: 'fuzz', inputs });
      return json('truncated JSON', text.slice(0, int(text.length)));
    }
    case 1:
      victim.shape = pick([[], [n, 2], [n + 1], [-1], [1.5], [String(n)], 'n', null, [n, 1, 1], [1e20], {}, [0]]);
      return json('wrong shape', { inputs });
    case 2: {
      const wrongType = victim.datatype === 'BYTES' ? pick(['FP32', 'FP64', 'INT64']) : 'BYTES';
      victim.datatype = pick(['FP16', 'INT8', 'fp32', 'STRING', '', 7, null, true, wrongType]);
      return json('wrong datatype', { inputs });
    }
    case 3:
      delete (victim as Record<string, unknown>)[pick(['name', 'shape', 'datatype', 'data'])];
      return json('input field missing', { inputs });
    case 4:
      return json('input missing', { inputs: inputs.filter((i) => i !== victim) });
    case 5: {
      // Written into the JSON text, so even literals beyond float64 (parsed as Infinity) arrive.
      const target = pick(numeric);
      (target.data as number[])[int(n)] = 123456.5;
      return json('huge number', JSON.stringify({ inputs }).replace('123456.5', pick(HUGE)));
    }
    case 6: {
      const data = victim.data as unknown[];
      data[int(n)] =
        victim.datatype === 'BYTES' ? pick([5, true, {}, [], [1]]) : pick(['7', true, {}, [], 'NaN', [[1]]]);
      if (random() < 0.3 && victim.datatype !== 'BYTES') {
        victim.datatype = 'INT64';
        data.fill(pick([0.5, 2 ** 60, -1.25]));
      }
      return json('wrong value type', { inputs });
    }
    case 7:
      return json(
        'not an infer object',
        pick([pick(NOT_AN_OBJECT), { inputs: pick([...NOT_AN_OBJECT, {}, 'x']) }, { inputs, id: 7 }]),
      );
    case 8:
      inputs[int(inputs.length)] = pick(NOT_AN_OBJECT) as Input;
      return json('input not an object', { inputs });
    case 9: {
      const outputs = pick([[{ name: 'label' }], 'prediction', [{}], [null], { name: 'prediction' }]);
      return json('bad outputs', { inputs, outputs }, pick([INFER, '/v2/models/seattle/versions/1/infer']));
    }
    case 10: {
      const rows: unknown[] = Array.from({ length: n }, () => ({ wind: random() * 10, weather: 'sun' }));
      const bad = pick<() => unknown>([
        () => ({ rows: pick([...NOT_AN_OBJECT, {}]) }),
        () => ({ rows: [] }),
        () => ((rows[int(n)] = pick(NOT_AN_OBJECT)), { rows }),
        () => ((rows[int(n)] = { date: pick(['2012-13-01', 'yesterday', '', '2012-02-30', 5e40, true]) }), { rows }),
        () => ((rows[int(n)] = { wind: pick(['3', true, {}, [], 1e39]) }), { rows }),
        () => ((rows[int(n)] = { weather: pick([true, {}, [], ['sun']]) }), { rows }),
        () => ((rows[int(n)] = { Wind: 3 }), { rows }),
        () => ((rows[int(n)] = { __proto__: 1, constructor: 2 }), { rows }),
      ])();
      const text = JSON.stringify(bad).replace('"rows":[{}', '"rows":[{"__proto__":{"polluted":true}}');
      return json('bad rows', text, pick([PREDICT, '/v2/models/seattle/versions/1/predict']));
    }
    case 11: {
      const garbage = Array.from({ length: int(200) }, () => String.fromCharCode(int(0x7f))).join('');
      return json('garbage', pick([garbage, `{${garbage}`]), pick([INFER, PREDICT]));
    }
    case 12: {
      // Over the body limit: a well-formed request padded past it.
      const padding = 'x'.repeat(MAX_BODY_BYTES + int(MAX_BODY_BYTES));
      return json('oversized body', { id: padding, inputs }, pick([INFER, PREDICT]));
    }
    case 13: {
      const rows = MAX_ROWS + 1 + int(MAX_ROWS);
      return random() < 0.5
        ? json('too many rows', { inputs: validInputs(rows) })
        : json('too many rows', { rows: validRows(rows) }, PREDICT);
    }
    case 14: {
      // A valid body sent to a model or version this server does not serve.
      const path = pick([
        '/v2/models/other/infer',
        '/v2/models/Seattle/infer',
        '/v2/models/seattle/versions/2/infer',
        '/v2/models/seattle/versions/01/infer',
        `/v2/models/${'a'.repeat(300)}/infer`,
        '/v2/models/%00/infer',
        '/v2/models/se%2Fattle/infer',
        '/v2/models/seattle%20/versions/1/infer',
        '/v2/models/s%C3%A9attle/predict',
        '/v2/models/seattle/versions/%FF/predict',
      ]);
      return json('unknown model or version', path.endsWith('predict') ? { rows: validRows(n) } : { inputs }, path);
    }
    case 15: {
      // Content types a client should not send, with bodies that are not an infer request either.
      const body = pick<string | Buffer>([
        'inputs=1&shape=2',
        '--x\r\nContent-Disposition: form-data; name="inputs"\r\n\r\n1\r\n--x--',
        Buffer.from(JSON.stringify({ inputs }), 'utf16le'),
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        '',
        `\uFEFF${JSON.stringify({ inputs })}`,
      ]);
      const contentType = pick(ODD_CONTENT_TYPES);
      return {
        method: 'POST',
        path: pick([INFER, PREDICT]),
        headers: contentType ? { 'content-type': contentType } : {},
        body,
        kind: 'wrong content type',
      };
    }
    case 16:
      // Methods and paths that are not routes.
      return {
        method: pick(['GET', 'PUT', 'DELETE', 'PATCH']),
        path: pick([
          INFER,
          PREDICT,
          '/v2/models/seattle/versions/1/infer',
          '/v2/health',
          '/v2/models',
          '/v1/models/seattle:predict',
        ]),
        headers: {},
        kind: 'no such route',
      };
    case 17: {
      const twice = { ...victim };
      return json(
        'inconsistent inputs',
        pick([
          { inputs: [...inputs, twice] },
          { inputs: [...inputs, { name: 'humidity', shape: [n], datatype: 'FP32', data: Array(n).fill(1) }] },
          { inputs: inputs.map((i, k) => (k === 0 ? { ...i, shape: [n + 1], data: Array(n + 1).fill(1) } : i)) },
        ]),
      );
    }
    case 18: {
      // Deep nesting: the parser must fail cleanly, not overflow the server's stack.
      const depth = 1000 + int(10_000);
      return json('deep nesting', pick(['['.repeat(depth), `{"inputs":${'['.repeat(depth)}${']'.repeat(depth)}}`]));
    }
    case 19:
      return malformedBinary(inputs as BinaryInput[], n);
    default:
      return json(
        'non-JSON literals',
        JSON.stringify({ inputs }).replace(
          /\d+(\.\d+)?/,
          pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '01']),
        ),
      );
  }
}

/** A binary tensor data request (JSON header, then raw tensors) broken in one way. */
function malformedBinary(inputs: BinaryInput[], n: number): FuzzRequest {
  const { header, tensors, body } = binaryBody(
    inputs,
    random() < 0.5 ? { parameters: { binary_data_output: true } } : {},
  );
  const parsed = JSON.parse(header.toString()) as { inputs: { parameters: { binary_data_size: number } }[] };
  const request = (kind: string, bytes: Buffer, headerLength: string | number = header.length): FuzzRequest => ({
    method: 'POST',
    path: pick([INFER, '/v2/models/seattle/versions/1/infer']),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    body: bytes,
    kind: `binary: ${kind}`,
  });
  const victim = int(inputs.length);
  switch (int(6)) {
    case 0:
      return request(
        'wrong header length',
        body,
        pick([
          header.length - 1 - int(header.length),
          header.length + 1 + int(body.length),
          '-1',
          'x',
          '1.5',
          '',
          '1e3',
        ]),
      );
    case 1: {
      // A size that disagrees with the shape and datatype, with or without the bytes to match it.
      const delta = pick([-1, 1, 4, -4, 8]);
      parsed.inputs[victim].parameters.binary_data_size += delta;
      const text = Buffer.from(JSON.stringify(parsed));
      const bytes = tensors.map((t, i) =>
        i === victim && random() < 0.5
          ? delta > 0
            ? Buffer.concat([t, Buffer.alloc(delta)])
            : t.subarray(0, t.length + delta)
          : t,
      );
      return request('size mismatch', Buffer.concat([text, ...bytes]), text.length);
    }
    case 2:
      return request('truncated body', body.subarray(0, header.length + int(body.length - header.length)));
    case 3:
      return request('bytes left over', Buffer.concat([body, Buffer.alloc(1 + int(16))]));
    case 4: {
      // Non-finite values in a float tensor, or a BYTES element whose length runs past its tensor.
      const weather = inputs.findIndex((i) => i.datatype === 'BYTES');
      const target = pick(inputs.filter((i) => i.datatype === 'FP32' || i.datatype === 'FP64'));
      if (random() < 0.5) {
        target.data[int(n)] = pick([Infinity, -Infinity, 1e39]); // 1e39 is Infinity as FP32, beyond float32 as FP64
        const broken = binaryBody(inputs);
        return request('value beyond float32', broken.body, broken.header.length);
      }
      const broken = Buffer.from(tensors[weather]);
      broken.writeUInt32LE(broken.length + int(1000), 0);
      return request(
        'BYTES length past its tensor',
        Buffer.concat([header, ...tensors.slice(0, weather), broken, ...tensors.slice(weather + 1)]),
      );
    }
    default: {
      // binary_data_size beside data, or not a byte count.
      const input = parsed.inputs[victim] as Record<string, unknown> & { parameters: Record<string, unknown> };
      if (random() < 0.5) input.data = inputs[victim].data;
      else input.parameters.binary_data_size = pick([-4, 1.5, '12', null, [12]]);
      const text = Buffer.from(JSON.stringify(parsed));
      return request('bad binary_data_size', Buffer.concat([text, ...tensors]), text.length);
    }
  }
}

function valid(): { request: FuzzRequest; rows: number } {
  const n = 1 + int(8);
  const infer = random() < 0.5;
  if (random() < 0.25) {
    const { header, body } = binaryBody(validInputs(n) as BinaryInput[]);
    const headers = {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': `${header.length}`,
    };
    return { request: { method: 'POST', path: INFER, headers, body, kind: 'valid binary' }, rows: n };
  }
  return {
    request: {
      method: 'POST',
      path: infer ? pick([INFER, '/v2/models/seattle/versions/1/infer']) : PREDICT,
      headers: JSON_TYPE,
      body: JSON.stringify(infer ? { inputs: validInputs(n) } : { rows: validRows(n) }),
      kind: 'valid',
    },
    rows: n,
  };
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(base: URL, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

let server: ModelServer;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  server = await startModelServer({
    modelFile: seattleModel(dir).file,
    modelName: 'seattle',
    modelVersion: '1',
    maxBodyBytes: MAX_BODY_BYTES,
    maxRows: MAX_ROWS,
  });
});

afterAll(async () => {
  agent.destroy();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it(`answers ${MALFORMED} malformed requests with a 4xx and an {"error"} message, serving valid ones in between`, async () => {
  const base = new URL(server.url);
  const plan: { request: FuzzRequest; rows?: number }[] = [];
  for (let i = 0; i < MALFORMED; i++) {
    plan.push({ request: malformed() });
    if (i % VALID_EVERY === VALID_EVERY - 1) plan.push(valid());
  }
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  let validServed = 0;
  let next = 0;
  const client = async () => {
    while (next < plan.length) {
      const { request, rows } = plan[next++];
      const answer = await send(base, request);
      const body = parse(answer.text);
      const shown = `${request.kind}: ${request.method} ${request.path.slice(0, 80)} ${String(request.body ?? '').slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`;
      if (rows !== undefined) {
        const outputs = body?.outputs as { data: unknown[] }[] | undefined;
        const served = outputs ? outputs[0]?.data : (body?.predictions as unknown[] | undefined);
        if (answer.status === 200 && served?.length === rows && served.every((v) => typeof v === 'number'))
          validServed++;
        else problems.push(`valid request not served: ${shown}`);
        continue;
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
      const error = body?.error;
      const clear =
        answer.status >= 400 &&
        answer.status < 500 &&
        answer.contentType.startsWith('application/json') &&
        typeof error === 'string' &&
        error.length > 15 &&
        !/\[object |NaN rows/.test(error);
      if (!clear) problems.push(shown);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));

  expect(problems.slice(0, 5)).toEqual([]);
  expect(validServed).toBe(MALFORMED / VALID_EVERY);
  // Every kind of malformation was exercised, and each of the expected statuses came up.
  expect(kinds.size).toBe(20 + 7); // 7 kinds of malformed binary requests
  expect([...statuses.keys()].sort()).toEqual([400, 404, 413, 414]);
  expect({} as Record<string, unknown>).not.toHaveProperty('polluted');

  expect((await call(server.url, '/v2/health/ready')).status).toBe(200);
  const metrics = (await call(server.url, '/metrics')).text;
  expect(metrics).not.toMatch(/status="5\d\d"/);
  const failures = [...metrics.matchAll(/^mlops_inference_failures_total\{[^}]*reason="(\w+)"\} (\d+)/gm)];
  const reasons = new Set(failures.map((m) => m[1]));
  for (const reason of ['invalid_json', 'bad_request', 'payload_too_large', 'not_found'])
    expect(reasons).toContain(reason);
  expect(reasons).not.toContain('inference_error');
});
