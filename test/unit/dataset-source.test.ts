import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDatasetFile, resolveDatasetPath } from '../../activities/dataset-source';

describe('resolveDatasetPath', () => {
  it('resolves vega-datasets:seattle-weather.csv to the packaged CSV', () => {
    const file = resolveDatasetPath('vega-datasets:seattle-weather.csv');
    expect(path.basename(file)).toBe('seattle-weather.csv');
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe('date,precipitation,temp_max,temp_min,wind,weather');
  });

  it.each(['vega-datasets:../../etc/passwd', 'vega-datasets:/etc/passwd', 'vega-datasets:', 'vega-datasets:a b.csv'])(
    'rejects %j',
    (source) => {
      expect(() => resolveDatasetPath(source)).toThrow(/dataset\.source/);
    },
  );

  it('resolves other sources as file paths', () => {
    expect(resolveDatasetPath('/srv/data.csv')).toBe('/srv/data.csv');
    expect(resolveDatasetPath('data.csv')).toBe(path.resolve('data.csv'));
  });
});

describe('readDatasetFile', () => {
  it('reads the packaged Seattle dataset', async () => {
    const text = (await readDatasetFile('vega-datasets:seattle-weather.csv')).toString('utf8');
    expect(text.startsWith('date,precipitation,temp_max,temp_min,wind,weather\n')).toBe(true);
    expect(text.trim().split('\n').length).toBeGreaterThan(1000);
  });

  it('reads a file path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-source-'));
    try {
      fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b\n1,2\n');
      expect((await readDatasetFile(path.join(dir, 'd.csv'))).toString('utf8')).toBe('a,b\n1,2\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([path.join(os.tmpdir(), 'no-such-dir-mlops', 'missing.csv'), 'vega-datasets:no-such-file.csv'])(
    'says which dataset.source was not found: %s',
    async (source) => {
      await expect(readDatasetFile(source)).rejects.toThrow(/dataset\.source .* was not found/);
    },
  );
});
