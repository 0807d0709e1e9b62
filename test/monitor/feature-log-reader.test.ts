import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFeatureLogWindow } from '../../activities/feature-log-reader';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feature-log-reader-'));
  file = path.join(dir, 'model', '1.jsonl');
  fs.mkdirSync(path.dirname(file));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const line = (
  x: number | null,
  colour: string | null = 'red',
  timestamp = `2026-01-01T00:00:${String(x).padStart(2, '0')}Z`,
) => `${JSON.stringify({ timestamp, features: { x, colour }, prediction: 1 })}\n`;

describe('readFeatureLogWindow', () => {
  it('reads rows from a byte offset as columns, and each row once across windows', async () => {
    fs.writeFileSync(file, [1, 2, 3, 4, 5].map((x) => line(x)).join(''));
    const first = await readFeatureLogWindow(file, 0, 3, ['x', 'colour']);
    expect(first).toMatchObject({ rows: 3, fileFound: true, partialLine: false, malformedLines: 0 });
    expect(first.columns).toEqual({ x: [1, 2, 3], colour: ['red', 'red', 'red'] });
    expect(first.offset).toBe(Buffer.byteLength([1, 2, 3].map((x) => line(x)).join('')));
    const second = await readFeatureLogWindow(file, first.offset, 3, ['x']);
    expect(second.columns).toEqual({ x: [4, 5] });
    expect(second.offset).toBe(fs.statSync(file).size);
    expect(second.firstTimestamp).toBe('2026-01-01T00:00:04Z');
    const third = await readFeatureLogWindow(file, second.offset, 3, ['x']);
    expect(third).toMatchObject({ rows: 0, offset: second.offset, columns: { x: [] } });
  });

  it('leaves a truncated last line for the next window, which reads it once it is complete', async () => {
    const whole = line(7, 'blue');
    fs.writeFileSync(file, line(6) + whole.slice(0, 12));
    const first = await readFeatureLogWindow(file, 0, 100, ['x', 'colour']);
    expect(first).toMatchObject({ rows: 1, partialLine: true, columns: { x: [6], colour: ['red'] } });
    expect(first.offset).toBe(Buffer.byteLength(line(6)));
    // Still incomplete: nothing consumed.
    const again = await readFeatureLogWindow(file, first.offset, 100, ['x', 'colour']);
    expect(again).toMatchObject({ rows: 0, partialLine: true, offset: first.offset });
    fs.appendFileSync(file, whole.slice(12));
    const completed = await readFeatureLogWindow(file, first.offset, 100, ['x', 'colour']);
    expect(completed).toMatchObject({ rows: 1, partialLine: false, columns: { x: [7], colour: ['blue'] } });
    expect(completed.offset).toBe(fs.statSync(file).size);
  });

  it('a missing file is an empty window at offset 0', async () => {
    const window = await readFeatureLogWindow(path.join(dir, 'model', '9.jsonl'), 0, 100, ['x']);
    expect(window).toMatchObject({ rows: 0, offset: 0, fileFound: false, columns: { x: [] } });
  });

  it('missing, null and non-scalar values are null; malformed complete lines are skipped and counted', async () => {
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ features: { x: 1 } }),
        '{"features": {"x": NaN, "colour": "red"}}',
        'not json',
        JSON.stringify({ features: { x: { nested: 1 }, colour: null } }),
        JSON.stringify([1, 2]),
        JSON.stringify({ timestamp: 'x' }),
        '',
        JSON.stringify({ features: { x: 2.5, colour: 'green', extra: 'ignored' } }),
      ].join('\n') + '\n',
    );
    const window = await readFeatureLogWindow(file, 0, 100, ['x', 'colour']);
    expect(window.columns).toEqual({ x: [1, null, 2.5], colour: [null, null, 'green'] });
    expect(window).toMatchObject({ rows: 3, malformedLines: 4, partialLine: false });
    expect(window.offset).toBe(fs.statSync(file).size);
  });

  it('reads multi-byte text and lines across read chunks at exact byte offsets', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => line(i, i % 2 ? 'ünïcödé' : '雪'));
    fs.writeFileSync(file, lines.join(''));
    let offset = 0;
    const xs: (number | string | null)[] = [];
    for (let w = 0; w < 4; w++) {
      const window = await readFeatureLogWindow(file, offset, 6000, ['x', 'colour']);
      xs.push(...window.columns.x);
      expect(window.columns.colour.every((c) => c === 'ünïcödé' || c === '雪')).toBe(true);
      offset = window.offset;
    }
    expect(xs).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(offset).toBe(fs.statSync(file).size);
  });

  it('a log shorter than the offset (replaced) is read again from the start', async () => {
    fs.writeFileSync(file, line(1) + line(2));
    const window = await readFeatureLogWindow(file, 10_000, 100, ['x']);
    expect(window).toMatchObject({ rows: 2, restarted: true, columns: { x: [1, 2] } });
  });
});
