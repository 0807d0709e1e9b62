/** Reading a model server's Prometheus text and judging a canary step against thresholds. Pure: no I/O. */

export interface InferenceCounters {
  requests: number;
  failures: number;
  /** Requests in the latency histogram (its +Inf bucket). */
  observed: number;
  /** Cumulative latency histogram: requests that took at most `le` seconds (finite bounds only: JSON-safe). */
  buckets: { le: number; count: number }[];
}

export interface CanaryThresholds {
  maxErrorRate: number;
  maxP99LatencyMs: number;
}

export interface CanaryVerdict {
  ok: boolean;
  requests: number;
  failures: number;
  errorRate: number;
  /** Upper bound of the histogram bucket holding the 99th percentile (null without requests). */
  p99LatencyMs: number | null;
  reason?: string;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(LABEL)) labels[m[1]] = m[2];
  return labels;
}

/** Sums the inference counters and latency buckets of one model version from `/metrics` text. */
export function parseInferenceCounters(text: string, model: string, version: string): InferenceCounters {
  const counters: InferenceCounters = { requests: 0, failures: 0, observed: 0, buckets: [] };
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = labelsOf(m[2]);
    if (labels.model !== model || labels.version !== version) continue;
    const value = Number(m[3]);
    if (m[1] === 'mlops_inference_requests_total') counters.requests += value;
    else if (m[1] === 'mlops_inference_failures_total') counters.failures += value;
    else if (m[1] === 'mlops_inference_request_duration_seconds_bucket') {
      if (labels.le === '+Inf') counters.observed += value;
      else buckets.set(Number(labels.le), (buckets.get(Number(labels.le)) ?? 0) + value);
    }
  }
  counters.buckets = [...buckets.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return counters;
}

/** What happened between two readings of the same server (counters only grow). */
export function countersSince(before: InferenceCounters, after: InferenceCounters): InferenceCounters {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    requests: after.requests - before.requests,
    failures: after.failures - before.failures,
    observed: after.observed - before.observed,
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
  };
}

/**
 * The upper bound (seconds) of the first bucket whose cumulative count reaches quantile q: Infinity when that is
 * beyond the largest bound, null without observations.
 */
export function histogramQuantile(counters: Pick<InferenceCounters, 'observed' | 'buckets'>, q: number): number | null {
  if (counters.observed <= 0) return null;
  const rank = q * counters.observed;
  return counters.buckets.find((b) => b.count >= rank)?.le ?? Infinity;
}

/** A step passes when the new version's error rate and p99 latency are within the thresholds. */
export function judgeCanary(delta: InferenceCounters, thresholds: CanaryThresholds): CanaryVerdict {
  const errorRate = delta.requests > 0 ? delta.failures / delta.requests : 0;
  const p99 = histogramQuantile(delta, 0.99);
  const p99LatencyMs = p99 === null ? null : p99 * 1000;
  const verdict: CanaryVerdict = {
    ok: true,
    requests: delta.requests,
    failures: delta.failures,
    errorRate,
    p99LatencyMs,
  };
  if (errorRate > thresholds.maxErrorRate) {
    verdict.ok = false;
    verdict.reason = `error rate ${(errorRate * 100).toFixed(1)}% (${delta.failures}/${delta.requests}) is above the limit of ${(thresholds.maxErrorRate * 100).toFixed(1)}%`;
  } else if (p99LatencyMs !== null && p99LatencyMs > thresholds.maxP99LatencyMs) {
    verdict.ok = false;
    const bound = Number.isFinite(p99LatencyMs)
      ? `in the ≤ ${p99LatencyMs.toFixed(2)} ms bucket`
      : 'beyond the largest bucket';
    verdict.reason = `p99 latency (${bound}) is above the limit of ${thresholds.maxP99LatencyMs} ms`;
  }
  return verdict;
}
