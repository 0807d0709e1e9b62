import { setTimeout as delay } from 'node:timers/promises';
import { MicroBatcher } from '../../serving/batcher';

/** Items are arrays of numbers (rows); the runner doubles every value and records each batch it got. */
function doubler(options: {
  maxBatchSize: number;
  runMs?: number;
  windowMs?: number;
  fail?: (items: number[][]) => boolean;
}) {
  const batches: number[][][] = [];
  const batcher = new MicroBatcher<number[], number[]>({
    maxBatchSize: options.maxBatchSize,
    windowMs: options.windowMs,
    size: (item) => item.length,
    run: async (items) => {
      batches.push(items);
      await delay(options.runMs ?? 5);
      if (options.fail?.(items)) throw new Error('bad item in batch');
      return items.map((item) => item.map((v) => v * 2));
    },
  });
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('runs a lone request at once, alone', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 100 });
    const started = performance.now();
    await expect(batcher.submit([1, 2])).resolves.toEqual([2, 4]);
    expect(performance.now() - started).toBeLessThan(100);
    expect(batches).toEqual([[[1, 2]]]);
    expect(batcher.pending).toBe(0);
  });

  it('combines 50 concurrent requests into few runs and routes each result back to its request', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 40 });
    const items = Array.from({ length: 50 }, (_, i) => Array.from({ length: (i % 3) + 1 }, (_, j) => i * 10 + j));
    const results = await Promise.all(items.map((item) => batcher.submit(item)));
    results.forEach((result, i) => expect(result).toEqual(items[i].map((v) => v * 2)));
    expect(batches.length).toBeLessThan(10);
    expect(batches.flat()).toEqual(items); // every item ran exactly once, in arrival order
    for (const batch of batches) expect(batch.flat().length).toBeLessThanOrEqual(40);
  });

  it('queues requests arriving while a batch runs and sends them together when it finishes', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 1000, runMs: 30 });
    const first = batcher.submit([0]);
    await delay(5); // the first batch is running now
    const later = Array.from({ length: 20 }, (_, i) => batcher.submit([i + 1]));
    await Promise.all([first, ...later]);
    expect(batches.map((b) => b.length)).toEqual([1, 20]);
    await expect(later[7]).resolves.toEqual([16]);
  });

  it('runs an item larger than maxBatchSize alone', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 2 });
    const results = await Promise.all([batcher.submit([1]), batcher.submit([1, 2, 3]), batcher.submit([4])]);
    expect(results).toEqual([[2], [2, 4, 6], [8]]);
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('waits up to windowMs for more items when idle', async () => {
    const { batcher, batches } = doubler({ maxBatchSize: 100, windowMs: 20 });
    const a = batcher.submit([1]);
    await delay(5);
    const b = batcher.submit([2]);
    await Promise.all([a, b]);
    expect(batches).toEqual([[[1], [2]]]);
  });

  it('fails only the bad request when a combined run fails', async () => {
    const { batcher } = doubler({ maxBatchSize: 100, fail: (items) => items.some((i) => i[0] < 0) });
    const outcomes = await Promise.allSettled([batcher.submit([1]), batcher.submit([-1]), batcher.submit([3])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseFulfilledResult<number[]>).value).toEqual([6]);
  });
});
