import { DriftMetrics } from '../../activities/drift-metrics';
import { MonitorConfigError, parseMonitorSettings } from '../../config/monitor';
import { parseLifecycleConfig } from '../../config/project';
import { freePort } from '../../runtime/ports';
import { DEFAULT_DRIFT_METRICS_PORT, driftMetricsAddress, serveMetrics } from '../../workers/metrics-server';
import { killAll, spawnCli, waitFor } from '../helpers/processes';

afterAll(() => killAll());

describe('monitor settings', () => {
  it('fill in defaults, and take seconds for tests', () => {
    expect(parseMonitorSettings({ interval: '2 seconds' })).toMatchObject({
      enabled: true,
      interval: '2 seconds',
      epsilon: 0.1,
      consecutiveWindows: 3,
      metric: 'kl',
      retrain: { enabled: true },
    });
    expect(parseLifecycleConfig({ monitor: { epsilon: 0.3 } }).monitor.epsilon).toBe(0.3);
  });

  it.each([
    [{ epsilon: -1 }, 'monitor.epsilon'],
    [{ consecutiveWindows: 0 }, 'monitor.consecutiveWindows'],
    [{ interval: 'soon' }, 'monitor.interval: use a duration such as "1 minute"'],
    [{ metric: 'hellinger' }, 'monitor.metric'],
    [{ minWindowRows: 500, maxWindowRows: 100 }, 'monitor.minWindowRows: minWindowRows is above maxWindowRows'],
    [{ retrain: { enabled: 'yes' } }, 'monitor.retrain.enabled'],
    [{ windows: 3 }, 'monitor.(root)'],
  ])('%j is rejected naming the field', (input, message) => {
    expect(() => parseMonitorSettings(input)).toThrow(MonitorConfigError);
    expect(() => parseMonitorSettings(input)).toThrow(message);
  });

  it('a bad monitor section of the project config names monitor.<field>', () => {
    expect(() => parseLifecycleConfig({ monitor: { historyLimit: 0 } })).toThrow('monitor.historyLimit');
    // The history travels in continue-as-new inputs and query answers: bounded well under the 2 MB payload limit.
    expect(() => parseLifecycleConfig({ monitor: { historyLimit: 1001 } })).toThrow('monitor.historyLimit');
  });
});

describe('drift metrics', () => {
  it('keep the latest window per model and drop the series of a version no longer served', async () => {
    const metrics = new DriftMetrics();
    const sample = { modelName: 'm', metric: 'kl', rows: 300, features: { x: 0.2, y: 0.05 }, alarm: false };
    metrics.record({ ...sample, version: 1, score: 0.2 });
    metrics.record({ ...sample, version: 1, score: 0, rows: 3, features: {}, skipped: 'few rows' });
    let text = await metrics.registry.metrics();
    expect(text).toContain('mlops_drift_score{model="m",version="1",metric="kl"} 0.2');
    expect(text).toContain('mlops_drift_window_rows{model="m",version="1"} 3');
    expect(text).toContain('mlops_drift_windows_total{model="m",status="skipped"} 1');
    metrics.record({ ...sample, version: 2, score: 0.7, features: { x: 0.7 }, alarm: true });
    text = await metrics.registry.metrics();
    expect(text).not.toContain('version="1"');
    expect(text).toContain('mlops_feature_drift{model="m",version="2",feature="x",metric="kl"} 0.7');
    expect(text).toContain('mlops_drift_alarms_total{model="m"} 1');
  });

  it('drop the rows gauge of a version whose windows were all skipped', async () => {
    const metrics = new DriftMetrics();
    const skipped = { modelName: 'm', metric: 'kl', rows: 0, score: 0, features: {}, alarm: false };
    metrics.record({ ...skipped, version: null, skipped: 'no version serves' });
    metrics.record({ ...skipped, version: 1, rows: 3, skipped: 'few rows' });
    metrics.record({ ...skipped, version: 2, rows: 300, score: 0.2, features: { x: 0.2 } });
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('version="none"');
    expect(text).not.toContain('version="1"');
    expect(text).toContain('mlops_drift_window_rows{model="m",version="2"} 300');
  });

  it('the endpoint address: port 9465 on 127.0.0.1 by default, 0 disables, a bad port is named', async () => {
    expect(driftMetricsAddress({})).toEqual({ host: '127.0.0.1', port: DEFAULT_DRIFT_METRICS_PORT });
    expect(driftMetricsAddress({ MLOPS_WORKER_METRICS_PORT: '0' })).toBeUndefined();
    expect(driftMetricsAddress({ MLOPS_WORKER_METRICS_PORT: '9999', MLOPS_WORKER_METRICS_HOST: '0.0.0.0' })).toEqual({
      host: '0.0.0.0',
      port: 9999,
    });
    expect(() => driftMetricsAddress({ MLOPS_WORKER_METRICS_PORT: 'x' })).toThrow('MLOPS_WORKER_METRICS_PORT');
    const server = await serveMetrics(new DriftMetrics().registry, { host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('mlops worker serves the drift gauges on MLOPS_WORKER_METRICS_PORT', async () => {
    const port = await freePort();
    const worker = spawnCli(
      ['worker', '--role', 'workflows', '--task-queue', 'drift-metrics-worker', '--metrics-address', ''],
      {
        MLOPS_WORKER_METRICS_PORT: String(port),
      },
    );
    await waitFor(
      'the worker',
      () => (worker.output().includes('Worker (workflows) polling') ? true : undefined),
      90_000,
    );
    expect(worker.output()).toContain(`drift metrics at http://127.0.0.1:${port}/metrics`);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('# TYPE mlops_drift_score gauge');
    expect(text).toContain('# TYPE mlops_drift_alarms_total counter');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  }, 120_000);
});
