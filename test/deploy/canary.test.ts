import { countersSince, histogramQuantile, judgeCanary, parseInferenceCounters } from '../../lib/deploy/canary';
import { goldenMismatches } from '../../lib/deploy/golden';
import { createServingMetrics } from '../../serving/metrics';

const labels = { model: 'm', version: '3' };

async function reading(observe: (m: ReturnType<typeof createServingMetrics>) => void) {
  const metrics = createServingMetrics();
  observe(metrics);
  return metrics;
}

describe('canary judgement from the model server metrics', () => {
  it('reads requests, failures and latency of one version, and diffs two readings as JSON would carry them', async () => {
    const metrics = await reading((m) => {
      m.requests.inc({ ...labels, status: '200' }, 7);
      m.requests.inc({ model: 'm', version: '2', status: '200' }, 100); // another version: ignored
      m.duration.observe(labels, 0.0003);
    });
    const before = JSON.parse(JSON.stringify(parseInferenceCounters(await metrics.registry.metrics(), 'm', '3')));
    expect(before).toMatchObject({ requests: 7, failures: 0, observed: 1 });
    metrics.requests.inc({ ...labels, status: '200' }, 98);
    metrics.requests.inc({ ...labels, status: '500' }, 2);
    metrics.failures.inc({ ...labels, reason: 'inference_error' }, 2);
    for (let i = 0; i < 99; i++) metrics.duration.observe(labels, 0.0007);
    metrics.duration.observe(labels, 0.02);
    const delta = countersSince(before, parseInferenceCounters(await metrics.registry.metrics(), 'm', '3'));
    expect(delta).toMatchObject({ requests: 100, failures: 2, observed: 100 });
    // 99 of 100 took 0.7 ms: the p99 is the 0.8 ms bucket's bound (50 µs × 2^4).
    expect(histogramQuantile(delta, 0.99)).toBeCloseTo(0.0008, 10);
    expect(histogramQuantile(delta, 1)).toBeCloseTo(0.0256, 10);
    expect(histogramQuantile({ observed: 0, buckets: [] }, 0.99)).toBeNull();

    expect(judgeCanary(delta, { maxErrorRate: 0.05, maxP99LatencyMs: 1 })).toMatchObject({ ok: true, errorRate: 0.02 });
    const errors = judgeCanary(delta, { maxErrorRate: 0.01, maxP99LatencyMs: 1 });
    expect(errors).toMatchObject({ ok: false, reason: 'error rate 2.0% (2/100) is above the limit of 1.0%' });
    const slow = judgeCanary(delta, { maxErrorRate: 0.05, maxP99LatencyMs: 0.5 });
    expect(slow.ok).toBe(false);
    expect(slow.reason).toBe('p99 latency (in the ≤ 0.80 ms bucket) is above the limit of 0.5 ms');
  });

  it('a step without requests passes: nothing to judge', () => {
    expect(
      judgeCanary({ requests: 0, failures: 0, observed: 0, buckets: [] }, { maxErrorRate: 0, maxP99LatencyMs: 1 }),
    ).toMatchObject({ ok: true, p99LatencyMs: null });
  });
});

describe('golden rows', () => {
  const golden = { rows: [{}, {}, {}], expected: [10, { label: 'Adelie' }, null] };
  it('match within the relative tolerance, labels exactly', () => {
    expect(goldenMismatches(golden, [10.0009, { label: 'Adelie' }, null], 1e-4)).toEqual([]);
    expect(goldenMismatches(golden, [10.01, { label: 'Gentoo' }, 3], 1e-4)).toEqual([
      'row 0: predicted 10.01, expected 10',
      'row 1: predicted "Gentoo", expected "Adelie"',
      'row 2: predicted 3, expected null',
    ]);
    expect(goldenMismatches(golden, [10], 1e-4)).toEqual(['expected 3 predictions, got 1']);
  });
});
