import {
  collectDefaultMetrics,
  Counter,
  exponentialBuckets,
  Histogram,
  Registry,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObject,
  type MetricObjectWithValues,
  type MetricValueWithName,
  type MetricType,
} from 'prom-client';

/** 50 µs × 2^k, k = 0..17: 50 µs … 6.6 s, fine-grained below a millisecond where a small model's requests sit. */
export const DURATION_BUCKETS = exponentialBuckets(50e-6, 2, 18);
/** 1, 2, 4 … 16384 rows. */
export const ROW_BUCKETS = exponentialBuckets(1, 2, 15);

export type ServingMetrics = ReturnType<typeof createServingMetrics>;

/** One label set's histogram as plain numbers: per-bucket (not cumulative) counts, sum and count. */
export class HistogramCounts {
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.buckets = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    if (i < bounds.length) this.buckets[i]++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A prom-client histogram whose observations are plain additions to per-label-set counts, exported in prom-client's
 * format when scraped: prom-client's own observe hashes and checks the labels on every call, a cost per request.
 */
export class CountingHistogram<T extends string> extends Histogram<T> {
  private readonly bounds: Float64Array;
  private readonly names: readonly T[];
  private readonly sets = new Map<string, { labels: LabelValues<T>; counts: HistogramCounts }>();
  private readonly metric: Omit<MetricObject, 'collect'>;

  constructor(config: HistogramConfiguration<T>) {
    super(config);
    this.bounds = Float64Array.from(config.buckets ?? []);
    this.names = config.labelNames ?? [];
    // prom-client's constructor puts its own observe on the instance.
    this.observe = CountingHistogram.prototype.observe;
    // prom-client types the type as an enum its JavaScript does not export.
    this.metric = {
      name: config.name,
      help: config.help,
      type: 'histogram' as unknown as MetricType,
      aggregator: 'sum',
    };
  }

  /** The counts of one label set; hold on to it to observe without any label lookup. */
  countsFor(labels: LabelValues<T>): HistogramCounts {
    let key = '';
    for (const name of this.names) {
      if (!(name in labels)) throw new Error(`Missing label "${name}" for metric ${this.metric.name}`);
      key += `${String(labels[name])}\u0000`;
    }
    let set = this.sets.get(key);
    if (!set) {
      set = { labels: { ...labels }, counts: new HistogramCounts(this.bounds) };
      this.sets.set(key, set);
    }
    return set.counts;
  }

  override observe(labels: LabelValues<T> | number | object, value?: number): void {
    if (typeof labels === 'number') this.countsFor({} as LabelValues<T>).observe(labels);
    else this.countsFor(labels as LabelValues<T>).observe(value as number);
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.sets as typeof this.sets | undefined)?.clear();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const values: MetricValueWithName<T>[] = [];
    const { name } = this.metric;
    const bucketName = `${name}_bucket`;
    for (const { labels, counts } of this.sets.values()) {
      if (counts.count === 0) continue; // held but not yet observed: prom-client shows no such label set either
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts.buckets[i];
        values.push({ metricName: bucketName, labels: { le: this.bounds[i], ...labels }, value: cumulative });
      }
      values.push(
        { metricName: bucketName, labels: { le: '+Inf', ...labels }, value: counts.count },
        { metricName: `${name}_sum`, labels: { ...labels }, value: counts.sum },
        { metricName: `${name}_count`, labels: { ...labels }, value: counts.count },
      );
    }
    return { ...this.metric, collect: () => undefined, values };
  }

  /** The registry prefers this to get() when a metric has it (prom-client's histogram does). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.get();
  }
}

/** The server's own registry (no global state, so one process can run several servers). */
export function createServingMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['model', 'version'] as const;
  const pendingRequests: { labels: LabelValues<'model' | 'version' | 'status'>; pending: { count: number } }[] = [];
  const requests = new Counter({
    name: 'mlops_inference_requests_total',
    help: 'Inference requests (infer and predict), by HTTP status.',
    labelNames: [...labelNames, 'status'],
    registers: [registry],
    collect() {
      for (const { labels, pending } of pendingRequests) {
        if (pending.count > 0) this.inc(labels, pending.count);
        pending.count = 0;
      }
    },
  });
  return {
    registry,
    requests,
    /**
     * Counting one label set of `requests` on the hot path: a plain addition, added to the counter when scraped. The
     * first request goes to the counter at once, so label sets keep the order in which they first occurred.
     */
    requestCounter(labels: LabelValues<'model' | 'version' | 'status'>): () => void {
      const pending = { count: 0 };
      pendingRequests.push({ labels, pending });
      let seen = false;
      return () => {
        if (seen) pending.count++;
        else {
          seen = true;
          requests.inc(labels);
        }
      };
    },
    failures: new Counter({
      name: 'mlops_inference_failures_total',
      help: 'Inference requests that failed, by reason.',
      labelNames: [...labelNames, 'reason'],
      registers: [registry],
    }),
    duration: new CountingHistogram({
      name: 'mlops_inference_request_duration_seconds',
      help: 'Time from receiving an inference request to sending the response.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    rows: new CountingHistogram({
      name: 'mlops_inference_request_rows',
      help: 'Rows per successful inference request.',
      labelNames,
      buckets: ROW_BUCKETS,
      registers: [registry],
    }),
    batchRows: new CountingHistogram({
      name: 'mlops_inference_batch_rows',
      help: 'Rows per model run after micro-batching concurrent requests.',
      labelNames,
      buckets: ROW_BUCKETS,
      registers: [registry],
    }),
    batchRequests: new CountingHistogram({
      name: 'mlops_inference_batch_requests',
      help: 'Requests combined into one model run by micro-batching.',
      labelNames,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}
