import fs from 'node:fs';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { DatasetReadError } from '../../lib/data/cells';
import { parseCsvTable } from '../../lib/data/parse-csv';

describe('parseCsvTable', () => {
  it('reads quoted fields holding commas, quotes and newlines', () => {
    const csv = 'name,notes,score\n"Smith, J","said ""hi""\nthen left",3.5\nLee,plain,4\n';
    const table = parseCsvTable(csv, 'quoted.csv');
    expect(table.columns).toEqual(['name', 'notes', 'score']);
    expect(table.rowCount).toBe(2);
    expect(table.data.name).toEqual(['Smith, J', 'Lee']);
    expect(table.data.notes).toEqual(['said "hi"\nthen left', 'plain']);
    expect(table.data.score).toEqual([3.5, 4]);
  });

  it('turns empty, NA and null cells into null and keeps the column numeric', () => {
    const table = parseCsvTable('a,b\n1,x\n,y\nNA,\nnull,NULL\n-2.5e3,z\n', 'missing.csv');
    expect(table.data.a).toEqual([1, null, null, null, -2500]);
    expect(table.data.b).toEqual(['x', 'y', null, null, 'z']);
  });

  it('does not read hex, binary or Infinity as numbers', () => {
    const table = parseCsvTable('id,n\n0x1F,1\n0b101,2\nInfinity,3\n', 'hex.csv');
    expect(table.data.id).toEqual(['0x1F', '0b101', 'Infinity']);
    expect(table.data.n).toEqual([1, 2, 3]);
  });

  it('keeps a column of strings whole when only some cells look numeric', () => {
    const table = parseCsvTable('code\n007\nabc\n12\n', 'codes.csv');
    expect(table.data.code).toEqual(['007', 'abc', '12']);
  });

  it('stops at maxRows', () => {
    const table = parseCsvTable('a\n1\n2\n3\n4\n', 'rows.csv', { maxRows: 2 });
    expect(table.rowCount).toBe(2);
    expect(table.data.a).toEqual([1, 2]);
  });

  it('reads seattle-weather.csv with numbers as numbers and dates as strings', () => {
    const source = 'vega-datasets:seattle-weather.csv';
    const table = parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
    expect(table.columns).toEqual(['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather']);
    expect(table.rowCount).toBe(1461);
    expect(table.data.temp_max[0]).toBe(12.8);
    expect(table.data.date[0]).toBe('2012-01-01');
    expect(table.data.weather[0]).toBe('drizzle');
  });

  it.each([
    ['a,b\n1,2\n3\n', /"ragged\.csv" is not valid CSV/],
    ['', /"ragged\.csv" is empty/],
    ['a,a\n1,2\n', /column name "a" appears twice/],
    ['a,"unterminated\n1,2\n', /"ragged\.csv" is not valid CSV/],
  ])('names the source and the problem for %j', (csv, message) => {
    expect(() => parseCsvTable(csv, 'ragged.csv')).toThrow(DatasetReadError);
    expect(() => parseCsvTable(csv, 'ragged.csv')).toThrow(message);
  });
});
