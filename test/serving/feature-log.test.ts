import fs from 'node:fs';
import path from 'node:path';
import { FeatureLog } from '../../serving/feature-log';
import type { ServedModel } from '../../serving/model';
import { seededRandom } from '../helpers/random';
import { tempDir } from './fixtures';

const model = {
  name: 'toy',
  version: '5',
  features: [
    { name: 'x', kind: 'numeric' },
    { name: 'when', kind: 'datetime' },
    { name: 'colour', kind: 'categorical' },
  ],
} as ServedModel;

function batch(rows: number, offset = 0) {
  return {
    rows,
    // x, when, colour
    columns: [
      Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? NaN : offset + i)),
      Float32Array.from({ length: rows }, () => 16_000),
      Array.from({ length: rows }, (_, i) => (i % 2 ? 'red' : '')),
    ],
  };
}

describe('FeatureLog', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('feature-log-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends complete JSON lines per row, with raw-style values and null for missing, from concurrent batches', async () => {
    const log = new FeatureLog({ dir });
    for (let b = 0; b < 200; b++)
      log.record(
        model,
        batch(50, b * 1000),
        Array.from({ length: 50 }, (_, i) => b * 1000 + i),
      );
    await log.flush();
    const text = fs.readFileSync(path.join(dir, 'toy', '5.jsonl'), 'utf8');
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(10_000);
    expect(lines[1]).toEqual({
      timestamp: expect.any(String),
      features: { x: 1, when: '2013-10-22T00:00:00.000Z', colour: 'red' },
      prediction: 1,
    });
    expect(lines[0].features).toEqual({ x: null, when: '2013-10-22T00:00:00.000Z', colour: null });
    // Batches stay whole and in order: no line of one batch lands inside another.
    expect(lines.map((l) => l.prediction)).toEqual(lines.map((_, i) => Math.floor(i / 50) * 1000 + (i % 50)));
    expect(log.fileFor(model)).toBe(path.join(dir, 'toy', '5.jsonl'));
  });

  it('logs a sample of rows at the configured rate, and nothing at rate 0', async () => {
    const half = new FeatureLog({ dir, sampleRate: 0.5, random: seededRandom(1) });
    half.record(model, batch(1000), Array(1000).fill(0));
    await half.flush();
    const count = fs
      .readFileSync(path.join(dir, 'toy', '5.jsonl'), 'utf8')
      .trimEnd()
      .split('\n').length;
    expect(count).toBeGreaterThan(400);
    expect(count).toBeLessThan(600);

    const none = new FeatureLog({ dir: path.join(dir, 'none'), sampleRate: 0 });
    none.record(model, batch(10), Array(10).fill(0));
    await none.flush();
    expect(fs.existsSync(path.join(dir, 'none'))).toBe(false);
    expect(() => new FeatureLog({ dir, sampleRate: 2 })).toThrow(/within 0..1, got 2/);
  });
});
