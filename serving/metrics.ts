import { collectDefaultMetrics, Counter, exponentialBuckets, Histogram, Registry } from 'prom-client';

/** 50 µs × 2^k, k = 0..17: 50 µs … 6.6 s, fine-grained below a millisecond where a small model's requests sit. */
export const DURATION_BUCKETS = exponentialBuckets(50e-6, 2, 18);
/** 1, 2, 4 … 16384 rows. */
export const ROW_BUCKETS = exponentialBuckets(1, 2, 15);

export type ServingMetrics = ReturnType<typeof createServingMetrics>;

/** The server's own registry (no global state, so one process can run several servers). */
export function createServingMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['model', 'version'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'mlops_inference_requests_total',
      help: 'Inference requests (infer and predict), by HTTP status.',
      labelNames: [...labelNames, 'status'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'mlops_inference_failures_total',
      help: 'Inference requests that failed, by reason.',
      labelNames: [...labelNames, 'reason'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'mlops_inference_request_duration_seconds',
      help: 'Time from receiving an inference request to sending the response.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    rows: new Histogram({
      name: 'mlops_inference_request_rows',
      help: 'Rows per successful inference request.',
      labelNames,
      buckets: ROW_BUCKETS,
      registers: [registry],
    }),
    batchRows: new Histogram({
      name: 'mlops_inference_batch_rows',
      help: 'Rows per model run after micro-batching concurrent requests.',
      labelNames,
      buckets: ROW_BUCKETS,
      registers: [registry],
    }),
    batchRequests: new Histogram({
      name: 'mlops_inference_batch_requests',
      help: 'Requests combined into one model run by micro-batching.',
      labelNames,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}
