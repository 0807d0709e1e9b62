import {
  DatasetConfigError,
  datasetConfigSchema,
  formatFromExtension,
  parseDatasetConfig,
} from '../../lib/data/schema-config';

const problems = (input: unknown): string[] => {
  try {
    parseDatasetConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetConfigError);
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('expected the config to be rejected');
};

describe('dataset config schema', () => {
  it('infers the format from the extension', () => {
    expect(parseDatasetConfig({ source: 'vega-datasets:flights-3m.parquet', target: 'delay' })).toEqual({
      source: 'vega-datasets:flights-3m.parquet',
      format: 'parquet',
      target: 'delay',
    });
    expect(formatFromExtension('data/Weather.CSV')).toBe('csv');
    expect(formatFromExtension('flights.feather')).toBe('arrow');
    expect(formatFromExtension('data/noext')).toBeUndefined();
  });

  it('keeps an explicit format, features of both forms and a time column', () => {
    const config = datasetConfigSchema.parse({
      source: 'data/export.txt',
      format: 'csv',
      target: 'temp_max',
      features: ['wind', { name: 'weather', type: 'categorical' }],
      timeColumn: 'date',
    });
    expect(config.format).toBe('csv');
    expect(config.features).toEqual(['wind', { name: 'weather', type: 'categorical' }]);
    expect(config.timeColumn).toBe('date');
  });

  it('names each bad field', () => {
    expect(problems({ source: 'data/export.txt', target: 'y' })).toEqual([
      'format: cannot tell the format of "data/export.txt" from its extension; set format to one of csv, json, parquet, arrow',
    ]);
    expect(problems({ source: 'a.csv', format: 'xlsx', target: 'y' })).toEqual([
      'format: use one of csv, json, parquet, arrow',
    ]);
    expect(problems({ format: 'csv' })).toEqual([
      'source: required: a file path or vega-datasets:<file>',
      'target: required: the column to predict',
    ]);
    expect(
      problems({
        source: 'a.csv',
        target: 'y',
        features: ['x', { name: 'z', type: 'number' }, 'y', '', 'x'],
      }),
    ).toEqual([
      'features[1]: use a column name, or { name, type } with type numeric, categorical or datetime',
      'features[3]: give a column name',
    ]);
    expect(problems({ source: 'a.csv', target: 'y', features: ['x', 'y', 'x'] })).toEqual([
      'features[1]: "y" is the target; remove it from features',
      'features[2]: "x" is already listed as features[0]; list each column once',
    ]);
    expect(problems({ source: 'a.csv', target: 'y', features: [] })).toEqual([
      'features: list at least one feature column, or leave features out',
    ]);
    expect(problems({ source: 'a.csv', target: 'y', label: 'y' })).toEqual([
      expect.stringMatching(/^\(root\): .*label/),
    ]);
  });

  it('can prefix field paths for a section of a larger config', () => {
    expect(() => parseDatasetConfig({ source: 'a.csv', target: 'y', features: [7] }, 'dataset')).toThrow(
      'dataset.features[0]: use a column name',
    );
  });
});
