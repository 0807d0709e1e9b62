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
      dataset: {
        source: 'vega-datasets:seattle-weather.csv',
        format: 'csv',
        target: 'temp_max',
        features: [
          { name: 'date', type: 'datetime' },
          { name: 'precipitation', type: 'numeric' },
          { name: 'temp_min', type: 'numeric' },
          { name: 'wind', type: 'numeric' },
          { name: 'weather', type: 'categorical' },
        ],
      },
      split: { method: 'random', validationFraction: 0.2, seed: 42 },
      model: { type: 'ridge', hyperparameters: {}, seed: 42 },
      sweep: {
        maxTrials: 20,
        parallelism: 2,
        maxFailedTrials: 5,
        initialTrials: 8,
        trialTimeout: '10 minutes',
        medianStoppingGraceEpochs: 10,
        trialsPerRun: 100,
        seed: 0,
      },
      deploy: {
        enabled: true,
        target: 'local',
        rollout: [10, 50, 100],
        stepSeconds: 30,
        canary: { maxErrorRate: 0.01, maxP99LatencyMs: 250, probeRequests: 20 },
        smoke: { tolerance: 1e-4, rows: 32 },
        resources: { requestsPerSecond: 10, minCpu: 0.1, maxCpuPerReplica: 1, cpuStep: 0.001 },
        readyTimeoutSeconds: 60,
        drainTimeoutSeconds: 30,
      },
      monitor: {
        enabled: true,
        interval: '1 minute',
        minWindowRows: 200,
        maxWindowRows: 10_000,
        epsilon: 0.1,
        consecutiveWindows: 3,
        metric: 'kl',
        smoothing: 1e-4,
        aggregate: 'max',
        historyLimit: 500,
        windowsPerRun: 200,
        retrain: { enabled: true },
      },
      retrain: {
        margin: 0.02,
        holdoutFraction: 0.3,
        reference: 'feedback',
        minFeedbackRows: 50,
        feedback: {},
        sweep: { maxTrials: 6, initialTrials: 3 },
      },
    });
  });

  it('treats undefined and null like {}', () => {
    expect(parseLifecycleConfig(undefined)).toEqual(parseLifecycleConfig({}));
    expect(parseLifecycleConfig(null)).toEqual(parseLifecycleConfig({}));
  });

  it('keeps given values and defaults the rest of a partial nested object', () => {
    const config = parseLifecycleConfig({ split: { seed: 7 }, model: { hyperparameters: { l2: 0 } } });
    expect(config.split).toEqual({ method: 'random', validationFraction: 0.2, seed: 7 });
    expect(config.model).toEqual({ type: 'ridge', hyperparameters: { l2: 0 }, seed: 42 });
  });

  it('does not share default arrays between parses', () => {
    parseLifecycleConfig({}).dataset.features!.push('extra');
    expect(parseLifecycleConfig({}).dataset.features).toHaveLength(5);
  });

  it('rejects an unknown key, naming it', () => {
    expect(errorFor({ epochs: 3 })).toContain('epochs');
  });

  it.each([
    [{ split: { validationFraction: 1.5 } }, 'split.validationFraction'],
    [{ split: { validationFraction: 0 } }, 'split.validationFraction'],
    [{ split: { seed: 1.5 } }, 'split.seed'],
    [{ model: { seed: -1 } }, 'model.seed'],
    [{ model: { type: 'forest' } }, 'model.type'],
    [{ dataset: { source: 'x.csv', target: 'y', features: ['y', 'wind'] } }, 'dataset.features.0'],
    [{ dataset: { source: 'x.csv', target: 'y', features: [] } }, 'dataset.features'],
    [{ dataset: { source: 'x.csv' } }, 'dataset.target'],
    [{ dataset: { source: 'x.txt', target: 'y' } }, 'dataset.format'],
    [{ split: { method: 'time' } }, 'dataset.timeColumn'],
    [{ modelName: 'Bad Name/..' }, 'modelName'],
    [{ dataset: { source: '' } }, 'dataset.source'],
  ])('rejects %j with a message naming %s', (input, field) => {
    const message = errorFor(input);
    expect(message).toMatch(/^Invalid lifecycle config:/);
    expect(message).toContain(`  ${field}: `);
  });

  it('lists every bad field in one error', () => {
    const message = errorFor({ modelName: 'UPPER', model: { seed: -1 } });
    expect(message).toContain('modelName: ');
    expect(message).toContain('model.seed: ');
  });
});
