import { ConfigError, parseLifecycleConfig } from '../../config/project';

/** The ConfigError message for an input that must be rejected. */
function errorFor(input: unknown): string {
  try {
    parseLifecycleConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected parseLifecycleConfig to throw');
}

describe('parseLifecycleConfig', () => {
  it('fills every field with the Seattle defaults for {}', () => {
    expect(parseLifecycleConfig({})).toEqual({
      modelName: 'seattle-temp-max',
      dataset: { source: 'vega-datasets:seattle-weather.csv', format: 'csv' },
      target: 'temp_max',
      features: ['precipitation', 'temp_min', 'wind'],
      split: { validationFraction: 0.2, seed: 42 },
      model: { type: 'ridge', l2: 1 },
    });
  });

  it('treats undefined and null like {}', () => {
    expect(parseLifecycleConfig(undefined)).toEqual(parseLifecycleConfig({}));
    expect(parseLifecycleConfig(null)).toEqual(parseLifecycleConfig({}));
  });

  it('keeps given values and defaults the rest of a partial nested object', () => {
    const config = parseLifecycleConfig({ split: { seed: 7 }, model: { l2: 0 } });
    expect(config.split).toEqual({ validationFraction: 0.2, seed: 7 });
    expect(config.model).toEqual({ type: 'ridge', l2: 0 });
  });

  it('does not share default arrays between parses', () => {
    parseLifecycleConfig({}).features.push('weather');
    expect(parseLifecycleConfig({}).features).toEqual(['precipitation', 'temp_min', 'wind']);
  });

  it('rejects an unknown key, naming it', () => {
    expect(errorFor({ epochs: 3 })).toContain('epochs');
  });

  it.each([
    [{ split: { validationFraction: 1.5 } }, 'split.validationFraction'],
    [{ split: { validationFraction: 0 } }, 'split.validationFraction'],
    [{ split: { seed: 1.5 } }, 'split.seed'],
    [{ model: { l2: -1 } }, 'model.l2'],
    [{ model: { type: 'mlp' } }, 'model.type'],
    [{ features: ['temp_max', 'wind'] }, 'features'],
    [{ features: [] }, 'features'],
    [{ modelName: 'Bad Name/..' }, 'modelName'],
    [{ dataset: { source: '' } }, 'dataset.source'],
  ])('rejects %j with a message naming %s', (input, field) => {
    const message = errorFor(input);
    expect(message).toMatch(/^Invalid lifecycle config:/);
    expect(message).toContain(`  ${field}: `);
  });

  it('lists every bad field in one error', () => {
    const message = errorFor({ modelName: 'UPPER', model: { l2: -1 } });
    expect(message).toContain('modelName: ');
    expect(message).toContain('model.l2: ');
  });
});
