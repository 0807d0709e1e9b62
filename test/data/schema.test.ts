import fs from 'node:fs';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { parseCsvTable } from '../../lib/data/parse-csv';
import { parseJsonTable } from '../../lib/data/parse-json';
import {
  inferColumnType,
  inferSchema,
  parseIsoTime,
  resolveSchema,
  SchemaError,
  taskOf,
  timeValues,
} from '../../lib/data/schema';
import type { Table } from '../../lib/data/table';

const seattle = (): Table => {
  const source = 'vega-datasets:seattle-weather.csv';
  return parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
};
const penguins = (): Table => {
  const source = 'vega-datasets:penguins.json';
  return parseJsonTable(fs.readFileSync(resolveDatasetPath(source)), source);
};

describe('parseIsoTime', () => {
  it.each([
    ['2012-01-31', Date.UTC(2012, 0, 31)],
    ['2012-01-31T08:30', Date.UTC(2012, 0, 31, 8, 30)],
    ['2012-01-31 08:30:15.5', Date.UTC(2012, 0, 31, 8, 30, 15, 500)],
    ['2012-01-31T08:30:00Z', Date.UTC(2012, 0, 31, 8, 30)],
    ['2012-01-31T08:30:00+01:00', Date.UTC(2012, 0, 31, 7, 30)],
    ['2012-01-31T08:30:00-0230', Date.UTC(2012, 0, 31, 11, 0)],
  ])('reads %s', (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it.each(['2012-02-30', '2012-13-01', '2001/01/01 06:55', '12.8', 'rain', '2012-01-31T25:00', ''])(
    'rejects %j',
    (text) => {
      expect(parseIsoTime(text)).toBeUndefined();
    },
  );
});

describe('inferColumnType', () => {
  it('types columns by their present values', () => {
    expect(inferColumnType([1, null, 2.5])).toBe('numeric');
    expect(inferColumnType(['2012-01-01', null, '2012-01-02T10:00:00Z'])).toBe('datetime');
    expect(inferColumnType(['2012-01-01', 'soon'])).toBe('categorical');
    expect(inferColumnType(['a', 1])).toBe('categorical');
    expect(inferColumnType([null, null])).toBeUndefined();
  });
});

describe('inferSchema', () => {
  it('infers seattle-weather: date → datetime, weather → categorical, the rest numeric; numeric target → regression', () => {
    const schema = inferSchema(seattle(), 'temp_max');
    expect(schema).toEqual({
      features: [
        { name: 'date', type: 'datetime' },
        { name: 'precipitation', type: 'numeric' },
        { name: 'temp_min', type: 'numeric' },
        { name: 'wind', type: 'numeric' },
        { name: 'weather', type: 'categorical' },
      ],
      target: { name: 'temp_max', type: 'numeric' },
    });
    expect(taskOf(schema)).toBe('regression');
  });

  it('infers penguins (with nulls): species is a categorical target → classification', () => {
    const table = penguins();
    expect(table.data['Beak Length (mm)']).toContain(null);
    expect(table.data.Sex).toContain(null);
    const schema = inferSchema(table, 'Species');
    expect(schema.target).toEqual({ name: 'Species', type: 'categorical' });
    expect(taskOf(schema)).toBe('classification');
    expect(schema.features).toEqual([
      { name: 'Island', type: 'categorical' },
      { name: 'Beak Length (mm)', type: 'numeric' },
      { name: 'Beak Depth (mm)', type: 'numeric' },
      { name: 'Flipper Length (mm)', type: 'numeric' },
      { name: 'Body Mass (g)', type: 'numeric' },
      { name: 'Sex', type: 'categorical' },
    ]);
  });

  it('leaves out columns with no values', () => {
    const table: Table = {
      columns: ['x', 'empty', 'y'],
      rowCount: 2,
      data: { x: [1, 2], empty: [null, null], y: [3, 4] },
    };
    expect(inferSchema(table, 'y').features).toEqual([{ name: 'x', type: 'numeric' }]);
  });

  it('names the target when it is missing or holds dates', () => {
    expect(() => inferSchema(seattle(), 'temp')).toThrow(
      'target: column "temp" is not in the dataset (columns: date, precipitation, temp_max, temp_min, wind, weather)',
    );
    expect(() => inferSchema(seattle(), 'date')).toThrow(/target: column "date" holds dates/);
  });
});

describe('resolveSchema with a declared schema', () => {
  it('keeps the declared features in order and lets declared types win', () => {
    const schema = resolveSchema(seattle(), {
      target: 'temp_max',
      features: ['wind', { name: 'temp_min', type: 'categorical' }, { name: 'date', type: 'categorical' }],
    });
    expect(schema.features).toEqual([
      { name: 'wind', type: 'numeric' },
      { name: 'temp_min', type: 'categorical' },
      { name: 'date', type: 'categorical' },
    ]);
  });

  it('names every bad field and the fix', () => {
    let error: unknown;
    try {
      resolveSchema(seattle(), {
        target: 'temp_max',
        features: ['wind', 'temp_max', 'foo', { name: 'weather', type: 'numeric' }, { name: 'wind', type: 'datetime' }],
        timeColumn: 'weather',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).problems).toEqual([
      'features[1]: "temp_max" is the target; remove it from features',
      'features[2]: column "foo" is not in the dataset (columns: date, precipitation, temp_max, temp_min, wind, weather)',
      'features[3]: column "weather" is declared numeric but holds text (e.g. "drizzle" in row 1); declare it categorical or fix the data',
      'features[4]: column "wind" is declared datetime but holds 4.7 in row 1, which is not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss); declare another type or fix the data',
      'timeColumn: column "weather", row 1: "drizzle" is not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss) or a number',
    ]);
    expect((error as Error).message).toContain('features[2]: column "foo" is not in the dataset');
  });

  it('accepts a datetime time column', () => {
    expect(() => resolveSchema(seattle(), { target: 'temp_max', timeColumn: 'date' })).not.toThrow();
  });
});

describe('timeValues', () => {
  it('turns ISO dates into epoch milliseconds and names a missing time', () => {
    const table: Table = { columns: ['t'], rowCount: 3, data: { t: ['2012-01-02', '2012-01-01', null] } };
    expect(() => timeValues(table, 't')).toThrow(
      'column "t", row 3: time is missing; every row needs a time to be ordered',
    );
    table.data.t[2] = '2012-01-03T00:00:00Z';
    expect(timeValues(table, 't')).toEqual([Date.UTC(2012, 0, 2), Date.UTC(2012, 0, 1), Date.UTC(2012, 0, 3)]);
  });
});
