import fs from 'node:fs';
import { startModelServer, type ModelServer } from '../../serving/server';
import { seededRandom } from '../helpers/random';
import { seattleModel, tempDir } from './fixtures';
import { call } from './http';

const COUNT = 2_000;
const random = seededRandom(20240601);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);

type Input = { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };

function validInputs(n: number): Input[] {
  const numbers = () => Array.from({ length: n }, () => random() * 20);
  return [
    { name: 'date', shape: [n], datatype: 'FP32', data: Array.from({ length: n }, () => 15000 + int(2000)) },
    { name: 'precipitation', shape: [n], datatype: 'FP64', data: numbers() },
    { name: 'temp_min', shape: [n], datatype: 'FP32', data: numbers() },
    { name: 'wind', shape: [n], datatype: 'FP32', data: numbers() },
    { name: 'weather', shape: [n], datatype: 'BYTES', data: Array.from({ length: n }, () => pick(['sun', 'rain'])) },
  ];
}

const NOT_AN_OBJECT = [null, 0, -1, 'text', true, [], [1, 2]];
const HUGE = ['1e39', '-1e300', '1e400', '-1e999', '3.5e38'];

/** One malformed request: [path, body text]. Every mutation makes the request invalid. */
function malformed(): [string, string] {
  const infer = '/v2/models/seattle/infer';
  const n = 1 + int(4);
  const inputs = validInputs(n);
  const victim = inputs[int(inputs.length)];
  const numeric = inputs.filter((i) => i.datatype !== 'BYTES');
  const body = (value: unknown) => JSON.stringify(value);
  switch (int(12)) {
    case 0: {
      const text = body({ id: 'fuzz', inputs });
      return [infer, text.slice(0, int(text.length))]; // truncated JSON (possibly empty)
    }
    case 1:
      victim.shape = pick([[], [n, 2], [n + 1], [-1], [1.5], [String(n)], 'n', null, [n, 1, 1], [1e20], {}, [0]]);
      return [infer, body({ inputs })];
    case 2: {
      const wrongType = victim.datatype === 'BYTES' ? pick(['FP32', 'FP64', 'INT64']) : 'BYTES';
      victim.datatype = pick(['FP16', 'INT8', 'fp32', 'STRING', '', 7, null, true, wrongType]);
      return [infer, body({ inputs })];
    }
    case 3:
      delete (victim as Record<string, unknown>)[pick(['name', 'shape', 'datatype', 'data'])];
      return [infer, body({ inputs })];
    case 4:
      return [infer, body({ inputs: inputs.filter((i) => i !== victim) })];
    case 5: {
      // Huge numbers, written into the JSON text so even literals beyond float64 (parsed as Infinity) arrive.
      const target = pick(numeric);
      (target.data as number[])[int(n)] = 123456.5;
      return [infer, body({ inputs }).replace('123456.5', pick(HUGE))];
    }
    case 6: {
      const data = victim.data as unknown[];
      data[int(n)] = victim.datatype === 'BYTES' ? pick([5, true, {}, [], [1]]) : pick(['7', true, {}, [], 'NaN']);
      if (random() < 0.3 && victim.datatype !== 'BYTES') {
        victim.datatype = 'INT64';
        data[int(n)] = pick([0.5, 2 ** 60, -1.25]);
        data.fill(1.5);
      }
      return [infer, body({ inputs })];
    }
    case 7:
      return [
        infer,
        body(pick([pick(NOT_AN_OBJECT), { inputs: pick([...NOT_AN_OBJECT, {}, 'x']) }, { inputs, id: 7 }])),
      ];
    case 8:
      inputs[int(inputs.length)] = pick(NOT_AN_OBJECT) as Input;
      return [infer, body({ inputs })];
    case 9: {
      const outputs = pick([[{ name: 'label' }], 'prediction', [{}], [null], { name: 'prediction' }]);
      return [pick([infer, '/v2/models/seattle/versions/1/infer']), body({ inputs, outputs })];
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
      const text = body(bad).replace('"rows":[{}', '"rows":[{"__proto__":{"polluted":true}}');
      return [pick(['/v2/models/seattle/predict', '/v2/models/seattle/versions/1/predict']), text];
    }
    default: {
      const garbage = Array.from({ length: int(200) }, () => String.fromCharCode(int(0x7f))).join('');
      return [pick([infer, '/v2/models/seattle/predict', '/v2/models/other/infer']), pick([garbage, `{${garbage}`])];
    }
  }
}

let server: ModelServer;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  server = await startModelServer({ modelFile: seattleModel(dir).file, modelName: 'seattle', modelVersion: '1' });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it(`answers ${COUNT} malformed requests with a 4xx and an error message, and still serves afterwards`, async () => {
  const requests = Array.from({ length: COUNT }, malformed);
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (let i = 0; i < COUNT; i += 25) {
    await Promise.all(
      requests.slice(i, i + 25).map(async ([path, text]) => {
        const reply = await call(server.url, path, {
          method: 'POST',
          headers: { 'content-type': random() < 0.9 ? 'application/json' : 'text/plain' },
          body: text,
        });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const ok =
          reply.status >= 400 &&
          reply.status < 500 &&
          typeof reply.body?.error === 'string' &&
          reply.body.error.length > 10;
        if (!ok) problems.push(`${path} ${text.slice(0, 300)} → ${reply.status} ${reply.text.slice(0, 200)}`);
      }),
    );
  }
  expect(problems.slice(0, 5)).toEqual([]);
  expect(performance.now() - started).toBeLessThan(20_000);
  expect([...statuses.keys()].every((s) => s === 400 || s === 404)).toBe(true);
  expect({} as Record<string, unknown>).not.toHaveProperty('polluted');

  const valid = await call(server.url, '/v2/models/seattle/infer', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: validInputs(2) }),
  });
  expect(valid.status).toBe(200);
  expect(valid.body.outputs[0].data).toHaveLength(2);
  expect((await call(server.url, '/v2/health/ready')).status).toBe(200);
  const metrics = (await call(server.url, '/metrics')).text;
  expect(metrics).not.toMatch(/status="5\d\d"/);
});
