import fs from 'node:fs';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { DatasetReadError } from '../../lib/data/cells';
import { parseJsonTable } from '../../lib/data/parse-json';

describe('parseJsonTable', () => {
  it('reads an array of records into columns; missing keys and nulls become null', () => {
    const json = JSON.stringify([
      { a: 1, b: 'x', flag: true },
      { a: null, b: '' },
      { b: 'z', c: 2.5 },
    ]);
    const table = parseJsonTable(Buffer.from(json), 'records.json');
    expect(table.columns).toEqual(['a', 'b', 'flag', 'c']);
    expect(table.rowCount).toBe(3);
    expect(table.data).toEqual({
      a: [1, null, null],
      b: ['x', null, 'z'],
      flag: ['true', null, null],
      c: [null, null, 2.5],
    });
  });

  it('unifies a column that mixes numbers and strings', () => {
    const table = parseJsonTable('[{"a": 1, "b": 1}, {"a": "2", "b": "two"}]', 'mixed.json');
    expect(table.data.a).toEqual([1, 2]);
    expect(table.data.b).toEqual(['1', 'two']);
  });

  it('reads vega-datasets flights-2k.json with maxRows', () => {
    const source = 'vega-datasets:flights-2k.json';
    const table = parseJsonTable(fs.readFileSync(resolveDatasetPath(source)), source, { maxRows: 100 });
    expect(table.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(table.rowCount).toBe(100);
    expect(table.data.date[0]).toBe('2001/01/01 06:55');
    expect(table.data.delay[0]).toBe(-19);
    expect(table.data.origin[0]).toBe('LAX');
  });

  it.each([
    ['{"a": 1}', /expected a JSON array of records/],
    ['[1, 2]', /record 1 is a number, expected an object/],
    ['[{"a": {"b": 1}}]', /record 1, column "a" holds an object/],
    ['[{"a": 1}', /"bad\.json" is not valid JSON/],
  ])('names the source and the problem for %s', (json, message) => {
    expect(() => parseJsonTable(json, 'bad.json')).toThrow(DatasetReadError);
    expect(() => parseJsonTable(json, 'bad.json')).toThrow(message);
  });
});
