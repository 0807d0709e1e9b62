import { Counter, Gauge, Registry } from 'prom-client';

/** One compared or skipped window, as the monitor exports it. */
export interface DriftSample {
  modelName: string;
  version: number | null;
  metric: string;
  rows: number;
  score: number;
  /** Feature → score in `metric`. */
  features: Record<string, number>;
  skipped?: string;
  alarm: boolean;
}

/**
 * The drift gauges a worker process serves on its `/metrics` endpoint. Labels stay bounded: a model's series of the
 * version it no longer monitors are removed when the serving version changes.
 */
export class DriftMetrics {
  readonly registry = new Registry();
  private readonly score = new Gauge({
    name: 'mlops_drift_score',
    help: "Drift score of the model's latest compared window against the training reference",
    labelNames: ['model', 'version', 'metric'] as const,
    registers: [this.registry],
  });
  private readonly feature = new Gauge({
    name: 'mlops_feature_drift',
    help: "A feature's drift in the model's latest compared window",
    labelNames: ['model', 'version', 'feature', 'metric'] as const,
    registers: [this.registry],
  });
  private readonly rows = new Gauge({
    name: 'mlops_drift_window_rows',
    help: "Rows of the model's latest window (compared or skipped)",
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });
  private readonly windows = new Counter({
    name: 'mlops_drift_windows_total',
    help: 'Windows read by the drift monitor, by status (compared or skipped)',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });
  private readonly alarms = new Counter({
    name: 'mlops_drift_alarms_total',
    help: 'Windows that raised a drift alarm (score above epsilon for N consecutive windows)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly exported = new Map<string, { version: string; metric: string; features: string[] }>();

  record(sample: DriftSample): void {
    const model = sample.modelName;
    const version = sample.version === null ? 'none' : String(sample.version);
    this.windows.inc({ model, status: sample.skipped ? 'skipped' : 'compared' });
    if (sample.alarm) this.alarms.inc({ model });
    const previous = this.exported.get(model);
    const sameVersion = previous?.version === version;
    if (previous && !sameVersion) {
      this.score.remove({ model, version: previous.version, metric: previous.metric });
      this.rows.remove({ model, version: previous.version });
      for (const feature of previous.features) {
        this.feature.remove({ model, version: previous.version, feature, metric: previous.metric });
      }
    }
    this.rows.set({ model, version }, sample.rows);
    if (sample.skipped) {
      // Remembered even without scores, so its rows gauge goes too when the version changes.
      if (!sameVersion) this.exported.set(model, { version, metric: sample.metric, features: [] });
      return;
    }
    this.score.set({ model, version, metric: sample.metric }, sample.score);
    for (const [feature, value] of Object.entries(sample.features)) {
      this.feature.set({ model, version, feature, metric: sample.metric }, value);
    }
    this.exported.set(model, { version, metric: sample.metric, features: Object.keys(sample.features) });
  }
}
