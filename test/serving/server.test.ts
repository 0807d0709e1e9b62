import fs from 'node:fs';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { toEpochDays } from '../../lib/data/preprocess';
import { startModelServer, type ModelServer } from '../../serving/server';
import { penguinsModel, seattleModel, tempDir, type ModelFixture } from './fixtures';
import { binaryBody, call, post, postBinary, runDirect, tensorBytes, type BinaryInput } from './http';

let dir: string;
let seattle: ModelFixture;
let penguins: ModelFixture;
let seattleServer: ModelServer;
let penguinsServer: ModelServer;
let seattleSession: InferenceSession;
let penguinsSession: InferenceSession;
let base: string;

const SEATTLE = {
  date: ['2012-01-01', '2013-07-15', '2015-12-31'],
  precipitation: [0, 10.9, 2.5],
  temp_min: [5, 15, -2],
  wind: [4.7, 2, 8],
  weather: ['drizzle', 'sun', 'snow'],
};
const seattleEpochDays = SEATTLE.date.map((d) => toEpochDays(d));

function seattleInputs(numeric: 'FP32' | 'FP64' | 'INT64') {
  const values = (v: number[]) => (numeric === 'INT64' ? v.map(Math.round) : v);
  return [
    { name: 'date', shape: [3], datatype: numeric, data: seattleEpochDays },
    { name: 'precipitation', shape: [3], datatype: numeric, data: values(SEATTLE.precipitation) },
    { name: 'temp_min', shape: [3], datatype: numeric, data: values(SEATTLE.temp_min) },
    { name: 'wind', shape: [3], datatype: numeric, data: values(SEATTLE.wind) },
    { name: 'weather', shape: [3], datatype: 'BYTES', data: SEATTLE.weather },
  ];
}

beforeAll(async () => {
  dir = tempDir();
  seattle = seattleModel(dir);
  penguins = penguinsModel(dir);
  seattleServer = await startModelServer({ modelFile: seattle.file, modelName: 'seattle', modelVersion: '3' });
  penguinsServer = await startModelServer({ modelFile: penguins.file, modelName: 'penguins', modelVersion: '1' });
  seattleSession = await InferenceSession.create(seattle.file);
  penguinsSession = await InferenceSession.create(penguins.file);
  base = seattleServer.url;
});

afterAll(async () => {
  await Promise.all([seattleServer?.close(), penguinsServer?.close()]);
  await Promise.all([seattleSession?.release(), penguinsSession?.release()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Open Inference Protocol endpoints', () => {
  it('answers health, server metadata and model readiness', async () => {
    expect(seattleServer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await call(base, '/v2/health/live')).toMatchObject({ status: 200, body: { live: true } });
    expect(await call(base, '/v2/health/ready')).toMatchObject({ status: 200, body: { ready: true } });
    expect(await call(base, '/v2')).toMatchObject({
      status: 200,
      body: { name: 'temporal-mlops', extensions: ['binary_tensor_data'] },
    });
    expect(await call(base, '/v2/models/seattle/ready')).toMatchObject({ status: 200, body: { ready: true } });
    expect((await call(base, '/v2/models/seattle/versions/3/ready')).status).toBe(200);
  });

  it('describes the model: one input per raw feature, outputs with a dynamic batch dimension', async () => {
    const reply = await call(base, '/v2/models/seattle');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: 'seattle',
      versions: ['3'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'date', datatype: 'FP32', shape: [-1] },
        { name: 'precipitation', datatype: 'FP32', shape: [-1] },
        { name: 'temp_min', datatype: 'FP32', shape: [-1] },
        { name: 'wind', datatype: 'FP32', shape: [-1] },
        { name: 'weather', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
      parameters: { task: 'regression', target_name: 'temp_max', model_type: 'linear' },
    });
    expect(reply.body.parameters.features).toContainEqual({ name: 'date', kind: 'datetime' });
    expect((await call(base, '/v2/models/seattle/versions/3')).body).toEqual(reply.body);

    const classifier = await call(penguinsServer.url, '/v2/models/penguins');
    expect(classifier.body.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      { name: 'label', datatype: 'INT64', shape: [-1] },
    ]);
    expect(classifier.body.parameters).toMatchObject({ task: 'classification', classes: penguins.classes });
  });

  it.each(['FP32', 'FP64', 'INT64'] as const)(
    'infers from %s numeric inputs exactly as onnxruntime does',
    async (type) => {
      const inputs = seattleInputs(type);
      const reply = await post(base, '/v2/models/seattle/infer', { id: `req-${type}`, inputs });
      expect(reply.status).toBe(200);
      const expected = await runDirect(
        seattleSession,
        Object.fromEntries(inputs.map((i) => [i.name, i.data as (number | string)[]])),
      );
      expect(reply.body).toEqual({
        model_name: 'seattle',
        model_version: '3',
        id: `req-${type}`,
        outputs: [{ name: 'prediction', shape: [3, 1], datatype: 'FP32', data: expected.prediction }],
      });
    },
  );

  it('accepts the versioned infer route, null as missing, and makes up an id when none is sent', async () => {
    const inputs = seattleInputs('FP32');
    inputs[3].data = [null as unknown as number, 2, 8];
    const reply = await post(base, '/v2/models/seattle/versions/3/infer', { inputs });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toEqual(expect.any(String));
    const expected = await runDirect(seattleSession, {
      ...Object.fromEntries(inputs.map((i) => [i.name, i.data as (number | string)[]])),
      wind: [NaN, 2, 8],
    });
    expect(reply.body.outputs[0].data).toEqual(expected.prediction);
  });

  it('serves a classifier: probabilities and labels as onnxruntime computes them, only the outputs asked for', async () => {
    const columns = {
      Island: ['Torgersen', 'Biscoe', 'Dream'],
      'Beak Length (mm)': [39.1, 46.1, 49.5],
      'Beak Depth (mm)': [18.7, 13.2, 19],
      'Flipper Length (mm)': [181, 211, 200],
      'Body Mass (g)': [3750, 4500, 3800],
      Sex: ['MALE', 'FEMALE', 'MALE'],
    };
    const inputs = Object.entries(columns).map(([name, data]) => ({
      name,
      shape: [3],
      datatype: typeof data[0] === 'string' ? 'BYTES' : 'FP64',
      data,
    }));
    const url = penguinsServer.url;
    const reply = await post(url, '/v2/models/penguins/infer', { inputs });
    const expected = await runDirect(penguinsSession, columns);
    expect(reply.body.outputs).toEqual([
      { name: 'probabilities', shape: [3, 3], datatype: 'FP32', data: expected.probabilities },
      { name: 'label', shape: [3], datatype: 'INT64', data: expected.label },
    ]);
    expect(expected.label).toEqual([0, 2, 1]); // Adelie, Gentoo, Chinstrap
    const labelsOnly = await post(url, '/v2/models/penguins/infer', { inputs, outputs: [{ name: 'label' }] });
    expect(labelsOnly.body.outputs).toEqual([{ name: 'label', shape: [3], datatype: 'INT64', data: [0, 2, 1] }]);
  });
});

describe('binary tensor data extension', () => {
  const INFER = '/v2/models/seattle/infer';
  const binaryInputs = (numeric: 'FP32' | 'FP64' | 'INT64'): BinaryInput[] =>
    seattleInputs(numeric).map((i) => ({
      name: i.name,
      datatype: i.datatype as BinaryInput['datatype'],
      data: i.data as (number | string)[],
    }));
  const expectedPrediction = async (inputs: BinaryInput[]) =>
    (await runDirect(seattleSession, Object.fromEntries(inputs.map((i) => [i.name, i.data])))).prediction;

  it.each(['FP32', 'FP64', 'INT64'] as const)(
    'reads %s and BYTES tensors after the JSON header and answers JSON, or raw FP32 when asked',
    async (type) => {
      const inputs = binaryInputs(type);
      const expected = await expectedPrediction(inputs);
      const { header, body } = binaryBody(inputs, { id: `bin-${type}` });
      const json = await postBinary(base, INFER, body, header.length);
      expect(json.status).toBe(200);
      expect(json.headerLength).toBeUndefined();
      expect(json.json).toEqual({
        model_name: 'seattle',
        model_version: '3',
        id: `bin-${type}`,
        outputs: [{ name: 'prediction', shape: [3, 1], datatype: 'FP32', data: expected }],
      });

      const asked = binaryBody(inputs, { parameters: { binary_data_output: true } });
      const reply = await postBinary(base, '/v2/models/seattle/versions/3/infer', asked.body, asked.header.length);
      expect(reply.status).toBe(200);
      expect(reply.json.outputs).toEqual([
        { name: 'prediction', shape: [3, 1], datatype: 'FP32', parameters: { binary_data_size: 12 } },
      ]);
      expect(reply.binary.length).toBe(12);
      expect(Array.from(new Float32Array(Uint8Array.from(reply.binary).buffer))).toEqual(expected);
    },
  );

  it('mixes JSON and binary inputs, takes NaN and empty strings as missing, and answers per output', async () => {
    const binary: BinaryInput[] = [
      { name: 'wind', datatype: 'FP32', data: [NaN, 2, 8] },
      { name: 'weather', datatype: 'BYTES', data: ['drizzle', '', 'snow'] },
    ];
    const tensors = binary.map(tensorBytes);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          ...seattleInputs('FP32').filter((i) => i.name !== 'wind' && i.name !== 'weather'),
          ...binary.map((b, i) => ({
            name: b.name,
            shape: [3],
            datatype: b.datatype,
            parameters: { binary_data_size: tensors[i].length },
          })),
        ],
        outputs: [{ name: 'prediction', parameters: { binary_data: true } }],
      }),
    );
    const reply = await postBinary(base, INFER, Buffer.concat([header, ...tensors]), header.length);
    expect(reply.status).toBe(200);
    const expected = await runDirect(seattleSession, {
      date: seattleEpochDays,
      precipitation: SEATTLE.precipitation,
      temp_min: SEATTLE.temp_min,
      wind: [NaN, 2, 8],
      weather: ['drizzle', '', 'snow'],
    });
    expect(Array.from(new Float32Array(Uint8Array.from(reply.binary).buffer))).toEqual(expected.prediction);

    // A classifier: probabilities as raw FP32, labels as raw INT64, or only the labels as JSON.
    const columns: BinaryInput[] = [
      { name: 'Island', datatype: 'BYTES', data: ['Torgersen', 'Biscoe', 'Dream'] },
      { name: 'Beak Length (mm)', datatype: 'FP64', data: [39.1, 46.1, 49.5] },
      { name: 'Beak Depth (mm)', datatype: 'FP64', data: [18.7, 13.2, 19] },
      { name: 'Flipper Length (mm)', datatype: 'INT64', data: [181, 211, 200] },
      { name: 'Body Mass (g)', datatype: 'FP32', data: [3750, 4500, 3800] },
      { name: 'Sex', datatype: 'BYTES', data: ['MALE', 'FEMALE', 'MALE'] },
    ];
    const direct = await runDirect(penguinsSession, Object.fromEntries(columns.map((c) => [c.name, c.data])));
    const all = binaryBody(columns, { parameters: { binary_data_output: true } });
    const both = await postBinary(penguinsServer.url, '/v2/models/penguins/infer', all.body, all.header.length);
    expect(both.json.outputs).toEqual([
      { name: 'probabilities', shape: [3, 3], datatype: 'FP32', parameters: { binary_data_size: 36 } },
      { name: 'label', shape: [3], datatype: 'INT64', parameters: { binary_data_size: 24 } },
    ]);
    const bytes = Uint8Array.from(both.binary).buffer;
    expect(Array.from(new Float32Array(bytes, 0, 9))).toEqual(direct.probabilities);
    expect([0, 1, 2].map((i) => Number(both.binary.readBigInt64LE(36 + 8 * i)))).toEqual([0, 2, 1]);
    const labels = binaryBody(columns, {
      parameters: { binary_data_output: true },
      outputs: [{ name: 'label', parameters: { binary_data: false } }],
    });
    const json = await postBinary(penguinsServer.url, '/v2/models/penguins/infer', labels.body, labels.header.length);
    expect(json.headerLength).toBeUndefined();
    expect(json.json.outputs).toEqual([{ name: 'label', shape: [3], datatype: 'INT64', data: [0, 2, 1] }]);
  });

  const valid = () => binaryBody(binaryInputs('FP32'));
  const withInput = (name: string, change: (input: Record<string, unknown>) => void, tensors?: Buffer[]) => {
    const { header, tensors: original } = valid();
    const parsed = JSON.parse(header.toString());
    change(parsed.inputs.find((i: { name: string }) => i.name === name));
    const text = Buffer.from(JSON.stringify(parsed));
    return { body: Buffer.concat([text, ...(tensors ?? original)]), length: text.length };
  };
  const cases: [string, () => { body: Buffer; length: number | string }, RegExp][] = [
    [
      'header length not a number',
      () => ({ body: valid().body, length: 'twelve' }),
      /Inference-Header-Content-Length header must be the byte length of the JSON header, got "twelve"/,
    ],
    [
      'header length past the body',
      () => ({ body: valid().body, length: valid().body.length + 1 }),
      /says \d+ bytes of JSON but the body has only \d+ bytes/,
    ],
    [
      'header length cutting the JSON',
      () => ({ body: valid().body, length: valid().header.length - 3 }),
      /not valid JSON/,
    ],
    [
      'size not matching shape and datatype',
      () => withInput('wind', (i) => (i.parameters = { binary_data_size: 8 })),
      /"wind"\)\.parameters\.binary_data_size is 8 bytes but 3 FP32 values take 12/,
    ],
    [
      'truncated body',
      () => {
        const { header, body } = valid();
        return { body: body.subarray(0, body.length - 5), length: header.length };
      },
      /"weather"\)\.parameters\.binary_data_size is \d+ bytes but only \d+ bytes of binary data are left.*truncated/,
    ],
    [
      'bytes left over',
      () => {
        const { header, body } = valid();
        return { body: Buffer.concat([body, Buffer.alloc(4)]), length: header.length };
      },
      /has \d+ bytes of binary tensor data after the JSON header but the inputs' parameters\.binary_data_size add up to \d+/,
    ],
    [
      'data and binary_data_size both',
      () => withInput('wind', (i) => (i.data = [1, 2, 3])),
      /"wind"\) has both data and parameters\.binary_data_size/,
    ],
    [
      'binary_data_size not a byte count',
      () => withInput('wind', (i) => (i.parameters = { binary_data_size: -12 })),
      /binary_data_size must be a byte count \(an integer ≥ 0\), got number -12/,
    ],
    [
      'BYTES element longer than its tensor',
      () => {
        const { tensors } = valid();
        const weather = Buffer.from(tensors[4]);
        weather.writeUInt32LE(1000, 0);
        return withInput('weather', () => undefined, [...tensors.slice(0, 4), weather]);
      },
      /"weather"\)\[0\] says 1000 bytes but only \d+ are left/,
    ],
    [
      'infinite FP32 value',
      () => {
        const { tensors } = valid();
        const wind = Buffer.from(Float32Array.from([1, Infinity, 3]).buffer);
        return withInput('wind', () => undefined, [...tensors.slice(0, 3), wind, tensors[4]]);
      },
      /"wind"\)\[1\] is Infinity, outside the float32 range/,
    ],
    [
      'binary_data_output not a boolean',
      () => {
        const { header, tensors } = valid();
        const text = Buffer.from(
          JSON.stringify({ ...JSON.parse(header.toString()), parameters: { binary_data_output: 'yes' } }),
        );
        return { body: Buffer.concat([text, ...tensors]), length: text.length };
      },
      /parameters\.binary_data_output must be true or false, got the string "yes"/,
    ],
  ];

  it.each(cases)('400s %s with a clear message', async (_name, build, message) => {
    const { body, length } = build();
    const reply = await postBinary(base, INFER, body, length);
    expect(reply.status).toBe(400);
    expect(Object.keys(reply.json)).toEqual(['error']);
    expect(reply.json.error).toMatch(message);
  });

  it('400s binary_data_size without binary data, and binary data sent to predict', async () => {
    const { header } = valid();
    const noBinary = await post(base, INFER, header.toString());
    expect(noBinary.status).toBe(400);
    expect(noBinary.body.error).toMatch(/binary_data_size is set but the request has no binary data; send the JSON/);
    const rows = Buffer.from(JSON.stringify({ rows: [{}] }));
    const predict = await postBinary(
      base,
      '/v2/models/seattle/predict',
      Buffer.concat([rows, Buffer.alloc(4)]),
      rows.length,
    );
    expect(predict.status).toBe(400);
    expect(predict.json.error).toMatch(/predict endpoint takes JSON rows only/);
  });
});

describe('POST /v2/models/{name}/predict with raw rows', () => {
  it('takes ISO dates, categories and missing values (null or absent) and matches onnxruntime', async () => {
    const rows = [
      { date: '2012-01-01', precipitation: 0, temp_min: 5, wind: 4.7, weather: 'drizzle' },
      { date: '2013-07-15T12:00:00Z', precipitation: null, temp_min: 15, wind: 2, weather: 'sun' },
      { date: null, precipitation: 2.5, temp_min: -2, weather: null },
      { date: '2014-03-03T10:00+02:00', precipitation: 1, temp_min: 3, wind: 3, weather: 'hail' }, // unseen category
    ];
    const reply = await post(base, '/v2/models/seattle/predict', { rows });
    expect(reply.status).toBe(200);
    const expected = await runDirect(seattleSession, {
      date: rows.map((r) => toEpochDays(r.date)),
      precipitation: rows.map((r) => r.precipitation ?? NaN),
      temp_min: rows.map((r) => r.temp_min),
      wind: rows.map((r) => r.wind ?? NaN),
      weather: rows.map((r) => r.weather ?? ''),
    });
    expect(reply.body).toEqual({ model_name: 'seattle', model_version: '3', predictions: expected.prediction });
    expect(reply.body.predictions[1]).toBeGreaterThan(reply.body.predictions[0]); // July is warmer than January
  });

  it('returns a label and class probabilities per row for a classifier', async () => {
    const reply = await post(penguinsServer.url, '/v2/models/penguins/versions/1/predict', {
      rows: [
        {
          Island: 'Biscoe',
          'Beak Length (mm)': 46.1,
          'Beak Depth (mm)': 13.2,
          'Flipper Length (mm)': 211,
          'Body Mass (g)': 4500,
          Sex: 'FEMALE',
        },
        { Island: 'Torgersen', 'Beak Length (mm)': 39.1, 'Beak Depth (mm)': 18.7, Sex: null },
      ],
    });
    expect(reply.status).toBe(200);
    const [gentoo, adelie] = reply.body.predictions;
    expect(gentoo.label).toBe('Gentoo');
    expect(adelie.label).toBe('Adelie');
    for (const p of reply.body.predictions) {
      expect(Object.keys(p.probabilities)).toEqual(penguins.classes);
      const values = Object.values(p.probabilities) as number[];
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.probabilities[p.label]).toBe(Math.max(...values));
    }
  });
});

describe('errors', () => {
  const valid = () => ({ inputs: seattleInputs('FP32') });
  const cases: [string, string, unknown, number, RegExp][] = [
    ['unknown model', '/v2/models/nope/infer', valid(), 404, /model "nope" is not served here.*"seattle"/],
    ['unknown version', '/v2/models/seattle/versions/9/infer', valid(), 404, /version "9" is not served/],
    ['non-JSON body', '/v2/models/seattle/infer', '{"inputs": [', 400, /not valid JSON/],
    ['empty body', '/v2/models/seattle/predict', '', 400, /body is empty/],
    ['body not an object', '/v2/models/seattle/infer', [1, 2], 400, /JSON object with "inputs", got an array/],
    ['no inputs', '/v2/models/seattle/infer', { id: 'x' }, 400, /"inputs" must be a non-empty array/],
    [
      'wrong shape',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'wind' ? { ...i, shape: [1, 3] } : i)) },
      400,
      /inputs\[3\] \("wind"\)\.shape \[1,3\] does not match the model's \[-1\]; send \[n\]/,
    ],
    [
      'shape disagreeing with data',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'wind' ? { ...i, data: [1, 2] } : i)) },
      400,
      /"wind"\)\.data has 2 values but shape \[3\] needs 3/,
    ],
    [
      'inputs with different row counts',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'wind' ? { ...i, shape: [2], data: [1, 2] } : i)) },
      400,
      /"wind"\)\.shape says 2 rows but earlier inputs have 3/,
    ],
    [
      'wrong datatype for a categorical input',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'weather' ? { ...i, datatype: 'FP32' } : i)) },
      400,
      /"weather"\)\.datatype is the string "FP32"; "weather" \(categorical\) takes BYTES/,
    ],
    [
      'BYTES for a numeric input',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'wind' ? { ...i, datatype: 'BYTES' } : i)) },
      400,
      /"wind" \(numeric\) takes FP32, FP64, INT64/,
    ],
    [
      'a string among numbers',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').map((i) => (i.name === 'wind' ? { ...i, data: [1, 'x', 3] } : i)) },
      400,
      /"wind"\)\.data\[1\] is the string "x"; "wind" needs numbers/,
    ],
    [
      'a fraction as INT64',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('INT64').map((i) => (i.name === 'wind' ? { ...i, data: [1, 2.5, 3] } : i)) },
      400,
      /data\[1\] is 2.5, not an integer/,
    ],
    [
      'a number beyond float32',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP64').map((i) => (i.name === 'wind' ? { ...i, data: [1, 1e300, 3] } : i)) },
      400,
      /data\[1\] is 1e\+300, outside the float32 range/,
    ],
    [
      'missing input',
      '/v2/models/seattle/infer',
      { inputs: seattleInputs('FP32').filter((i) => i.name !== 'temp_min') },
      400,
      /"inputs" lacks "temp_min" \(numeric\); send every model input/,
    ],
    [
      'unknown input',
      '/v2/models/seattle/infer',
      { inputs: [...seattleInputs('FP32'), { name: 'humidity', shape: [3], datatype: 'FP32', data: [1, 2, 3] }] },
      400,
      /inputs\[5\]\.name "humidity" is not an input of model "seattle"; its inputs are "date"/,
    ],
    [
      'unknown output',
      '/v2/models/seattle/infer',
      { ...valid(), outputs: [{ name: 'probabilities' }] },
      400,
      /outputs\[0\]\.name must be one of "prediction"/,
    ],
    ['predict without rows', '/v2/models/seattle/predict', { data: [] }, 400, /\{"rows": \[/],
    [
      'predict with an unknown feature',
      '/v2/models/seattle/predict',
      { rows: [{ tem_min: 3 }] },
      400,
      /rows\[0\] has unknown feature "tem_min"/,
    ],
    [
      'predict with a bad date',
      '/v2/models/seattle/predict',
      { rows: [{ date: '2012-02-30' }] },
      400,
      /rows\[0\]\["date"\] is the string "2012-02-30", not an ISO date/,
    ],
    [
      'predict with text for a number',
      '/v2/models/seattle/predict',
      { rows: [{}, { wind: '3' }] },
      400,
      /rows\[1\]\["wind"\] is the string "3"; "wind" is numeric: send a number or null/,
    ],
  ];

  it.each(cases)('%s', async (_name, route, body, status, message) => {
    const reply = await post(base, route, body);
    expect(reply.status).toBe(status);
    expect(Object.keys(reply.body)).toEqual(['error']);
    expect(reply.body.error).toMatch(message);
  });

  it('404s unknown routes and unknown models on metadata routes', async () => {
    expect(await call(base, '/v1/models/seattle')).toMatchObject({
      status: 404,
      body: { error: expect.stringMatching(/no route GET/) },
    });
    expect((await call(base, '/v2/models/nope')).status).toBe(404);
    expect((await call(base, '/v2/models/nope/ready')).status).toBe(404);
  });

  it('413s a body over the size limit and a request over the row limit', async () => {
    const big = await post(base, '/v2/models/seattle/predict', { rows: [{ weather: 'x'.repeat(1100 * 1024) }] });
    expect(big).toMatchObject({
      status: 413,
      body: { error: expect.stringMatching(/over the limit of 1048576 bytes/) },
    });
    const rows = Array.from({ length: 10_001 }, () => ({}));
    const many = await post(base, '/v2/models/seattle/predict', { rows });
    expect(many).toMatchObject({
      status: 413,
      body: { error: expect.stringMatching(/10001 rows, over the limit of 10000/) },
    });
    const inputs = seattleInputs('FP32').map((i) => ({ ...i, shape: [10_001], data: Array(10_001).fill(i.data[0]) }));
    expect((await post(base, '/v2/models/seattle/infer', { inputs })).status).toBe(413);

    const small = await startModelServer({
      modelFile: seattle.file,
      modelName: 'seattle',
      modelVersion: '1',
      maxBodyBytes: 200,
      maxRows: 2,
    });
    try {
      expect((await post(small.url, '/v2/models/seattle/predict', { rows: [{}, {}, {}] })).body.error).toMatch(
        /3 rows, over the limit of 2/,
      );
      expect(
        (await post(small.url, '/v2/models/seattle/predict', { rows: [{ weather: 'y'.repeat(300) }] })).body.error,
      ).toMatch(/over the limit of 200 bytes/);
      expect((await post(small.url, '/v2/models/seattle/predict', { rows: [{}, {}] })).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('readiness', () => {
  it('answers 503 until the model is loaded, then serves it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = await startModelServer({
      modelName: 'seattle',
      modelVersion: '1',
      loadModelBytes: async () => {
        await gate;
        return fs.readFileSync(seattle.file);
      },
      waitForReady: false,
    });
    try {
      expect(server.isReady()).toBe(false);
      expect((await call(server.url, '/v2/health/live')).status).toBe(200);
      expect((await call(server.url, '/v2/health/ready')).status).toBe(503);
      expect((await call(server.url, '/v2/models/seattle/ready')).status).toBe(503);
      expect((await call(server.url, '/v2/models/seattle')).status).toBe(503);
      const early = await post(server.url, '/v2/models/seattle/predict', { rows: [{}] });
      expect(early).toMatchObject({
        status: 503,
        body: { error: expect.stringMatching(/not ready \(loading\); retry/) },
      });
      release();
      await server.ready;
      expect((await call(server.url, '/v2/health/ready')).status).toBe(200);
      expect((await post(server.url, '/v2/models/seattle/predict', { rows: [{}] })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('rejects when the model file cannot be loaded', async () => {
    await expect(
      startModelServer({ modelFile: path.join(dir, 'missing.onnx'), modelName: 'seattle', modelVersion: '1' }),
    ).rejects.toThrow(/cannot read model file .*missing\.onnx: ENOENT/);
    await expect(
      startModelServer({ modelFile: seattle.file, modelName: 'Bad Name', modelVersion: '1' }),
    ).rejects.toThrow(/model name "Bad Name" must match/);
  });
});

describe('metrics', () => {
  it('exposes request counts, failures, sub-millisecond latency buckets, rows and process metrics', async () => {
    const server = await startModelServer({ modelFile: seattle.file, modelName: 'seattle', modelVersion: '7' });
    try {
      for (let i = 0; i < 3; i++)
        expect((await post(server.url, '/v2/models/seattle/predict', { rows: [{}, {}] })).status).toBe(200);
      await post(server.url, '/v2/models/seattle/infer', { inputs: [] });
      await post(server.url, '/v2/models/seattle/infer', '{');
      const reply = await call(server.url, '/metrics');
      expect(reply.status).toBe(200);
      const text = reply.text;
      expect(text).toContain('mlops_inference_requests_total{model="seattle",version="7",status="200"} 3');
      expect(text).toContain('mlops_inference_requests_total{model="seattle",version="7",status="400"} 2');
      expect(text).toContain('mlops_inference_failures_total{model="seattle",version="7",reason="bad_request"} 1');
      expect(text).toContain('mlops_inference_failures_total{model="seattle",version="7",reason="invalid_json"} 1');
      expect(text).toContain('# TYPE mlops_inference_request_duration_seconds histogram');
      for (const le of ['0.00005', '0.0001', '0.0002', '0.0004', '0.0008']) {
        expect(text).toContain(
          `mlops_inference_request_duration_seconds_bucket{le="${le}",model="seattle",version="7"}`,
        );
      }
      expect(text).toContain('mlops_inference_request_duration_seconds_count{model="seattle",version="7"} 5');
      expect(text).toContain('mlops_inference_request_rows_sum{model="seattle",version="7"} 6');
      expect(text).toContain('mlops_inference_batch_rows_count{model="seattle",version="7"} 3');
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    } finally {
      await server.close();
    }
  });
});

describe('micro-batching and the feature log', () => {
  it('routes 50 concurrent requests back correctly and logs every served row as a complete JSON line', async () => {
    const logDir = tempDir('feature-log-');
    const server = await startModelServer({
      modelFile: seattle.file,
      modelName: 'seattle',
      modelVersion: '2',
      featureLogDir: logDir,
    });
    try {
      const requests = Array.from({ length: 50 }, (_, i) =>
        Array.from({ length: (i % 4) + 1 }, (_, j) => ({
          date: `2013-${String((i % 12) + 1).padStart(2, '0')}-${String(j + 1).padStart(2, '0')}`,
          precipitation: (i * j) % 7,
          temp_min: i / 5 - j,
          wind: j === 2 ? null : 1 + (i % 5),
          weather: ['sun', 'rain', 'fog', 'snow', 'drizzle'][(i + j) % 5],
        })),
      );
      const replies = await Promise.all(
        requests.map((rows) => post(server.url, '/v2/models/seattle/predict', { rows })),
      );
      for (const [i, rows] of requests.entries()) {
        expect(replies[i].status).toBe(200);
        const expected = await runDirect(seattleSession, {
          date: rows.map((r) => toEpochDays(r.date)),
          precipitation: rows.map((r) => r.precipitation),
          temp_min: rows.map((r) => r.temp_min),
          wind: rows.map((r) => r.wind ?? NaN),
          weather: rows.map((r) => r.weather),
        });
        expect(replies[i].body.predictions).toHaveLength(rows.length);
        replies[i].body.predictions.forEach((p: number, k: number) => expect(p).toBeCloseTo(expected.prediction[k], 4));
      }
      const metrics = (await call(server.url, '/metrics')).text;
      const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(metrics)![1]);
      expect(value('mlops_inference_batch_requests_sum')).toBe(50); // every request ran exactly once
      expect(value('mlops_inference_batch_rows_sum')).toBe(123);
      expect(value('mlops_inference_batch_requests_count')).toBeLessThanOrEqual(50); // model runs
    } finally {
      await server.close(); // flushes the feature log
    }
    const file = path.join(logDir, 'seattle', '2.jsonl');
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(123); // 50 requests of 1, 2, 3, 4, 1, 2, ... rows
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['timestamp', 'features', 'prediction']);
      expect(Date.parse(line.timestamp)).not.toBeNaN();
      expect(Object.keys(line.features)).toEqual(['date', 'precipitation', 'temp_min', 'wind', 'weather']);
      expect(typeof line.prediction).toBe('number');
    }
    expect(lines.filter((l) => l.features.wind === null)).toHaveLength(24); // the third row of the 24 requests with 3 or 4 rows
    expect(lines.some((l) => l.features.date === '2013-01-01T00:00:00.000Z' && l.features.weather === 'sun')).toBe(
      true,
    );
    fs.rmSync(logDir, { recursive: true, force: true });
  });
});
