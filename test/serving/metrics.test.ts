import { Histogram, Registry } from 'prom-client';
import { CountingHistogram, createServingMetrics, DURATION_BUCKETS } from '../../serving/metrics';

describe('serving metrics', () => {
  it('exports a counting histogram exactly as prom-client exports the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const config = {
      name: 'x_seconds',
      help: 'h',
      labelNames: ['model', 'version'] as const,
      buckets: DURATION_BUCKETS,
    };
    const reference = new Histogram({ ...config, registers: [theirs] });
    const counting = new CountingHistogram({ ...config, registers: [ours] });
    const held = counting.countsFor({ model: 's', version: '1' });
    for (const value of [0.00003, 0.00005, 0.0001, 0.0007, 0.02, 100, 0.3]) {
      reference.observe({ model: 's', version: '1' }, value);
      held.observe(value);
    }
    reference.observe({ model: 'unknown', version: '1' }, 0.001);
    counting.observe({ model: 'unknown', version: '1' }, 0.001);
    counting.countsFor({ model: 'idle', version: '1' }); // held, never observed: not exported
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(() => counting.observe({ model: 's', version: '1' }, NaN)).toThrow(TypeError);
  });

  it('adds pending request counts to the counter when scraped', async () => {
    const metrics = createServingMetrics();
    const ok = metrics.requestCounter({ model: 'm', version: '1', status: '200' });
    for (let i = 0; i < 5; i++) ok();
    metrics.requests.inc({ model: 'm', version: '1', status: '400' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('mlops_inference_requests_total{model="m",version="1",status="200"} 5');
    expect(text).toContain('mlops_inference_requests_total{model="m",version="1",status="400"} 1');
    ok();
    expect(await metrics.registry.metrics()).toContain(
      'mlops_inference_requests_total{model="m",version="1",status="200"} 6',
    );
  });
});
