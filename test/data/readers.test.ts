import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fingerprintDataset, datasetHash } from '../../activities/dataset-hash';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { countRows, readTable } from '../../activities/readers';
import { inferSchema } from '../../lib/data/schema';

const read = (name: string) => fs.readFileSync(resolveDatasetPath(`vega-datasets:${name}`));

describe('readTable: parquet', () => {
  const source = 'vega-datasets:flights-3m.parquet';
  let content: Buffer;
  beforeAll(() => {
    content = read('flights-3m.parquet');
  });

  it('counts rows from the footer', async () => {
    await expect(countRows(content, 'parquet', source)).resolves.toBe(3_000_000);
  });

  it('reads the first maxRows rows of the ZSTD-compressed flights-3m.parquet with typed columns', async () => {
    const table = await readTable(content, 'parquet', source, { maxRows: 1000 });
    expect(table.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(table.rowCount).toBe(1000);
    for (const column of table.columns) expect(table.data[column]).toHaveLength(1000);
    expect(table.data.delay.every((v) => v === null || typeof v === 'number')).toBe(true);
    expect(table.data.distance.every((v) => typeof v === 'number')).toBe(true);
    expect(table.data.origin.every((v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v))).toBe(true);
    expect(table.data.date[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(inferSchema(table, 'delay').features).toEqual([
      { name: 'date', type: 'datetime' },
      { name: 'distance', type: 'numeric' },
      { name: 'origin', type: 'categorical' },
      { name: 'destination', type: 'categorical' },
    ]);
  });

  it('rejects bytes that are not Parquet', async () => {
    await expect(readTable(Buffer.from('a,b\n1,2\n'), 'parquet', 'x.parquet')).rejects.toThrow(
      /dataset "x\.parquet" is not a Parquet file/,
    );
  });
});

describe('readTable: arrow', () => {
  const source = 'vega-datasets:flights-200k.arrow';

  it('reads the first maxRows rows of flights-200k.arrow as numbers', async () => {
    const table = await readTable(read('flights-200k.arrow'), 'arrow', source, { maxRows: 5000 });
    expect(table.columns).toEqual(['delay', 'distance', 'time']);
    expect(table.rowCount).toBe(5000);
    expect(table.data.distance[0]).toBe(1452);
    for (const column of table.columns) {
      expect(table.data[column]).toHaveLength(5000);
      expect(table.data[column].every((v) => typeof v === 'number')).toBe(true);
    }
  });

  it('reads the whole file without maxRows and counts rows without decoding', async () => {
    const content = read('flights-200k.arrow');
    const table = await readTable(content, 'arrow', source);
    expect(table.rowCount).toBe(200_000);
    await expect(countRows(content, 'arrow', source)).resolves.toBe(200_000);
  });

  it('rejects bytes that are not Arrow', async () => {
    await expect(readTable(Buffer.from('not arrow at all'), 'arrow', 'x.arrow')).rejects.toThrow(
      /dataset "x\.arrow" is not an Arrow IPC file or stream/,
    );
  });
});

describe('readTable dispatch', () => {
  it('chooses the parser by format', async () => {
    const csv = await readTable(Buffer.from('a,b\n1,x\n'), 'csv', 'in.csv');
    const json = await readTable(Buffer.from('[{"a":1,"b":"x"}]'), 'json', 'in.json');
    expect(csv).toEqual(json);
    expect(csv).toEqual({ columns: ['a', 'b'], rowCount: 1, data: { a: [1], b: ['x'] } });
  });

  it('names the source for an unknown format', async () => {
    await expect(readTable(Buffer.from(''), 'xlsx' as never, 'book.xlsx')).rejects.toThrow(
      'dataset "book.xlsx": unknown format "xlsx"; use one of csv, json, parquet, arrow',
    );
  });

  it('rejects a bad maxRows', async () => {
    await expect(readTable(Buffer.from('a\n1\n'), 'csv', 'in.csv', { maxRows: -1 })).rejects.toThrow(
      /maxRows must be a non-negative integer/,
    );
  });
});

describe('dataset hash', () => {
  it('is the SHA-256 of the bytes, with size and row count', async () => {
    const content = read('seattle-weather.csv');
    const fingerprint = await fingerprintDataset(content, 'csv', 'vega-datasets:seattle-weather.csv');
    expect(fingerprint).toEqual({
      hash: execFileSync('sha256sum', [resolveDatasetPath('vega-datasets:seattle-weather.csv')])
        .toString()
        .split(' ')[0],
      bytes: content.byteLength,
      rows: 1461,
    });
    expect(datasetHash(Buffer.from(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
