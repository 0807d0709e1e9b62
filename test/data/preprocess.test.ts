import { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { fitPreprocessor, rawInputColumns, toEpochDays, transformRows } from '../../lib/data/preprocess';
import type { Cell, FeatureSpec, Table } from '../../lib/data/table';
import { ONNX_ML_DOMAIN, preprocessingGraph } from '../../lib/models/onnx-preprocess';

const csv = fs.readFileSync(
  path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv'),
  'utf8',
);
const records = parse(csv, { columns: true }) as Record<string, string>[];

/** seattle-weather as a typed table, with a few values knocked out to exercise imputation. */
function seattleTable(): Table {
  const columns = Object.keys(records[0]);
  const data: Record<string, Cell[]> = Object.fromEntries(
    columns.map((c) => [c, records.map((r) => (['date', 'weather'].includes(c) ? r[c] : Number(r[c])))]),
  );
  data.wind[3] = null;
  data.weather[5] = null;
  data.date[7] = null;
  data.weather[1400] = 'hail'; // a category only the validation rows have
  return { columns, rowCount: records.length, data };
}

const features: FeatureSpec[] = [
  { name: 'date', type: 'datetime' },
  { name: 'precipitation', type: 'numeric' },
  { name: 'wind', type: 'numeric' },
  { name: 'weather', type: 'categorical' },
];
const table = seattleTable();
const trainRows = Array.from({ length: 1200 }, (_, i) => i);
const validationRows = Array.from({ length: table.rowCount - 1200 }, (_, i) => 1200 + i);
const pre = fitPreprocessor(table, features, trainRows);

describe('preprocessing fitted on training rows', () => {
  it('names its output columns and learns categories from training rows only', () => {
    expect(pre.outputNames).toEqual([
      'date:doy_sin',
      'date:doy_cos',
      'precipitation',
      'wind',
      'weather=',
      'weather=drizzle',
      'weather=fog',
      'weather=rain',
      'weather=snow',
      'weather=sun',
    ]);
  });

  it('standardises numeric columns on the training rows and imputes the training mean', () => {
    const x = transformRows(pre, table, trainRows);
    const wind = x.map((row) => row[3]);
    const mean = wind.reduce((a, b) => a + b, 0) / wind.length;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(x[3][3]).toBe(0); // missing wind → training mean → 0 after centring
  });

  it('one-hot encodes categories; a missing value is its own category and an unseen one is all zeros', () => {
    const [missing, unseen, rain] = transformRows(pre, table, [5, 1400, 1]).map((row) => row.slice(4));
    expect(missing).toEqual([1, 0, 0, 0, 0, 0]);
    expect(unseen).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rain).toEqual([0, 0, 0, 1, 0, 0]);
  });

  it('puts Dec 31 next to Jan 1 on the day-of-year circle', () => {
    const at = (date: string) => {
      const t: Table = { columns: ['date'], rowCount: 1, data: { date: [date] } };
      return transformRows({ steps: [pre.steps[0]], outputNames: [] }, t, [0])[0];
    };
    const [dec31, jan1, jul1] = [at('2013-12-31'), at('2014-01-01'), at('2014-07-01')];
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(dist(dec31, jan1)).toBeLessThan(0.02);
    expect(dist(jan1, jul1)).toBeGreaterThan(1.9);
    expect(dec31[0] ** 2 + dec31[1] ** 2).toBeCloseTo(1, 12);
  });

  it('parses dates as UTC days since 1970', () => {
    expect(toEpochDays('1970-01-02')).toBe(1);
    expect(toEpochDays(null)).toBeNaN();
    expect(toEpochDays('not a date')).toBeNaN();
  });

  it('refuses a constant numeric feature, naming it', () => {
    const t: Table = { columns: ['c'], rowCount: 3, data: { c: [0.1, 0.1, 0.1] } };
    expect(() => fitPreprocessor(t, [{ name: 'c', type: 'numeric' }], [0, 1, 2])).toThrow('feature "c" is constant');
  });
});

describe('preprocessing exported to ONNX', () => {
  it('computes in onnxruntime what the TypeScript reference computes, from raw inputs, within 1e-5', async () => {
    const piece = preprocessingGraph(pre);
    const model = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [
          { domain: '', version: 17 },
          { domain: ONNX_ML_DOMAIN, version: 3 },
        ],
        graph: {
          name: 'preprocess',
          input: piece.inputs,
          output: [{ name: piece.outputName, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
          initializer: piece.initializers,
          node: piece.nodes,
        },
      }),
    ).finish();
    const session = await InferenceSession.create(model);
    const rows = [...trainRows.slice(0, 10), 3, 5, 7, ...validationRows];
    const raw = rawInputColumns(pre, table, rows);
    const feeds = Object.fromEntries(
      Object.entries(raw).map(([name, values]) => [
        name,
        typeof values[0] === 'string'
          ? new Tensor('string', values as string[], [values.length])
          : new Tensor('float32', Float32Array.from(values as number[]), [values.length]),
      ]),
    );
    const output = (await session.run(feeds))[piece.outputName];
    expect(output.dims).toEqual([rows.length, pre.outputNames.length]);
    const expected = transformRows(pre, table, rows);
    const got = output.data as Float32Array;
    let maxDiff = 0;
    expected.forEach((row, i) =>
      row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[i * row.length + j])))),
    );
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});
