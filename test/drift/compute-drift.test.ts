import { binCounts, referenceHistogram, type ReferenceHistogram } from '../../lib/data/histogram';
import type { Cell } from '../../lib/data/table';
import {
  addToBins,
  binValues,
  computeDrift,
  DEFAULT_DRIFT_OPTIONS,
  DriftReferenceError,
  featureDrift,
  INITIAL_ALARM_STATE,
  klDivergence,
  LOOKUP_MIN_VALUES,
  nextAlarmState,
} from '../../lib/drift';
import { mulberry32, normals } from './random';

const numeric = (name: string, cells: Cell[]) => referenceHistogram({ name, type: 'numeric' }, cells);

describe('binning', () => {
  it('puts every value in the same bin as binCounts (edges, ties, under/overflow, one edge)', () => {
    const rand = mulberry32(1);
    const cases: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [-3.5, -1, 0, 0.25, 7], [2, 5], [4]];
    for (const edges of cases) {
      const values = [
        ...edges,
        ...edges.map((e) => e - 1e-9),
        ...edges.map((e) => e + 1e-9),
        ...Array.from({ length: 2000 }, () => -5 + rand() * 20),
        ...Array.from({ length: 50 }, () => Math.round(-5 + rand() * 20)),
      ];
      const { counts, missing } = binValues(values, edges);
      expect(counts).toEqual(binCounts(values, edges));
      expect(missing).toBe(0);
    }
  });

  it('the lookup-table path (large inputs) bins exactly as binCounts too', () => {
    const rand = mulberry32(11);
    const n = LOOKUP_MIN_VALUES + 20_000;
    const cases: number[][] = [
      // Integer data with ties at every edge, heavy tails (as flight delays).
      [-1116, -15, -10, -7, -4, 0, 3, 9, 17, 37, 1688],
      // Inner edges closer than a cell (several edges per cell: binary search in those cells).
      [0, 1e-9, 2e-9, 3e-9, 0.5, 1],
      // Edges at cell boundaries of a power-of-two span.
      [0, 1024, 2048, 3072, 4096],
      [-1e300, 0, 1e300],
    ];
    for (const edges of cases) {
      const values = Array.from({ length: n }, (_, i) => {
        const pick = rand();
        if (pick < 0.3) return edges[i % edges.length];
        if (pick < 0.4) return edges[i % edges.length] + (rand() - 0.5) * 1e-9;
        const lo = edges[0];
        const hi = edges[edges.length - 1];
        return pick < 0.7 ? lo + rand() * (hi - lo) : Math.round(-50 + rand() * 100);
      });
      const { counts } = binValues(values, edges);
      expect(counts).toEqual(binCounts(values, edges));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    }
  });

  it('bins a training column into exactly its reference counts', () => {
    const values = normals(mulberry32(2), 5000, 10, 3);
    const ref = numeric('x', values);
    if (ref.type === 'categorical') throw new Error('expected numeric');
    expect(ref.edges).toHaveLength(11);
    expect(binValues(values, ref.edges).counts).toEqual(ref.counts);
  });

  it('counts NaN and ±Infinity as missing, not as a bin', () => {
    const counts = new Float64Array(3);
    expect(addToBins([NaN, 1, Infinity, -Infinity, 3], [0, 2], counts)).toBe(3);
    expect(Array.from(counts)).toEqual([0, 1, 1]);
  });
});

describe('computeDrift', () => {
  const rand = mulberry32(7);
  const train = normals(rand, 20_000);
  const reference: Record<string, ReferenceHistogram> = { x: numeric('x', train) };

  it('defaults are the documented ones', () => {
    expect(DEFAULT_DRIFT_OPTIONS).toEqual({
      metric: 'kl',
      smoothing: 1e-4,
      minWindowRows: 200,
      aggregate: 'max',
      scoreDatetime: false,
    });
  });

  it('the training data itself has zero drift; a fresh sample of the same distribution stays far below 0.1', () => {
    const same = computeDrift(reference, { x: train });
    expect(same.skipped).toBeUndefined();
    expect(same.score).toBeCloseTo(0, 12);
    expect(same.features[0].psi).toBeCloseTo(0, 12);
    expect(same.features[0].js).toBeCloseTo(0, 12);
    const fresh = computeDrift(reference, { x: normals(rand, 1000) });
    expect(fresh.score).toBeLessThan(0.03);
  });

  it('a shifted normal gives a large KL, PSI and JS', () => {
    const report = computeDrift(reference, { x: normals(rand, 1000, 1.5) });
    const f = report.features[0];
    expect(f.kl).toBeGreaterThan(1);
    expect(f.psi).toBeGreaterThan(1);
    expect(f.js).toBeGreaterThan(0.2);
    // Half a standard deviation is clearly visible too, and more drift means more divergence.
    const half = computeDrift(reference, { x: normals(rand, 1000, 0.5) }).score;
    expect(half).toBeGreaterThan(0.1);
    expect(half).toBeLessThan(f.kl);
    // Mass beyond the training maximum lands in the overflow bin.
    const beyond = computeDrift(reference, { x: normals(rand, 500, 100) }).features[0];
    expect(beyond.counts[beyond.counts.length - 1]).toBe(500);
  });

  it('reports KL in the direction D(train ‖ live) and the live counts in the reference bins', () => {
    const live = normals(rand, 800, 0.3);
    const f = computeDrift(reference, { x: live }).features[0];
    const ref = reference.x;
    if (ref.type === 'categorical') throw new Error('expected numeric');
    expect(f.counts).toEqual(binCounts(live, ref.edges));
    const expected = klDivergence([...ref.counts, ref.missing, 0], [...f.counts, 0, 0], 1e-4);
    expect(f.kl).toBeCloseTo(expected, 12);
    expect(f.kl).not.toBeCloseTo(klDivergence([...f.counts, 0, 0], [...ref.counts, ref.missing, 0], 1e-4), 6);
  });

  it('the metric option picks the score; mean and max aggregate across features', () => {
    const ref2 = { ...reference, y: numeric('y', normals(rand, 5000)) };
    const window = { x: normals(rand, 1000, 1), y: normals(rand, 1000) };
    const max = computeDrift(ref2, window, { metric: 'psi' });
    expect(max.metric).toBe('psi');
    expect(max.score).toBe(Math.max(max.features[0].psi, max.features[1].psi));
    const mean = computeDrift(ref2, window, { metric: 'js', aggregate: 'mean' });
    expect(mean.score).toBeCloseTo((mean.features[0].js + mean.features[1].js) / 2, 14);
  });

  it('bins datetime ISO strings by epoch days, as at training', () => {
    const days = Array.from({ length: 400 }, (_, i) => 19_000 + i);
    const ref = referenceHistogram(
      { name: 'date', type: 'datetime' },
      days.map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)),
    );
    if (ref.type === 'categorical') throw new Error('expected datetime');
    // The feature log writes full ISO timestamps.
    const live = days.map((d) => new Date(d * 86_400_000).toISOString());
    const report = computeDrift({ date: ref }, { date: live });
    expect(report.features[0].type).toBe('datetime');
    expect(report.features[0].counts).toEqual(ref.counts);
    expect(report.score).toBeCloseTo(0, 12);
    const later = days.map((d) => new Date((d + 400) * 86_400_000).toISOString());
    const shifted = computeDrift({ date: ref }, { date: later }).features[0];
    expect(shifted.counts[shifted.counts.length - 1]).toBe(400);
    expect(shifted.kl).toBeGreaterThan(5);
  });

  it('reports datetime drift but leaves it out of the score unless scoreDatetime is set', () => {
    const days = Array.from({ length: 400 }, (_, i) => 19_000 + i);
    const ref = referenceHistogram(
      { name: 'date', type: 'datetime' },
      days.map((d) => new Date(d * 86_400_000).toISOString()),
    );
    const rand = mulberry32(7);
    const reference = { date: ref, x: numeric('x', normals(rand, 5000)) };
    const window = {
      date: days.map((d) => new Date((d + 400) * 86_400_000).toISOString()),
      x: normals(rand, 400),
    };
    const report = computeDrift(reference, window);
    const [date, x] = report.features;
    expect(date.scored).toBe(false);
    expect(date.kl).toBeGreaterThan(5);
    expect(x.scored).toBe(true);
    expect(report.score).toBe(x.kl);
    expect(computeDrift(reference, window, { scoreDatetime: true }).score).toBe(date.kl);
    const onlyDates = computeDrift({ date: ref }, { date: window.date });
    expect(onlyDates.score).toBe(0);
    expect(onlyDates.skipped?.reason).toBe('the window has no scored features');
  });

  describe('bad input', () => {
    it('skips an empty window with a reason and score 0', () => {
      const report = computeDrift(reference, { x: [] });
      expect(report).toEqual({
        metric: 'kl',
        rows: 0,
        score: 0,
        features: [],
        skipped: { reason: '0 rows < minWindowRows 200' },
      });
      expect(computeDrift(reference, {}).skipped?.reason).toBe('0 rows < minWindowRows 200');
    });

    it('skips a tiny window even when it is far off, and the skipped window never counts towards an alarm', () => {
      const tiny = computeDrift(reference, { x: normals(rand, 12, 50) }, { minWindowRows: 50 });
      expect(tiny.skipped).toEqual({ reason: '12 rows < minWindowRows 50' });
      expect(tiny.score).toBe(0);
      const rule = { threshold: 0.1, windows: 2 };
      const drifted = computeDrift(reference, { x: normals(rand, 300, 3) });
      let step = nextAlarmState(INITIAL_ALARM_STATE, drifted, rule);
      expect(step).toEqual({ state: { consecutive: 1 }, alarm: false });
      step = nextAlarmState(step.state, tiny, rule);
      expect(step).toEqual({ state: { consecutive: 1 }, alarm: false });
      step = nextAlarmState(step.state, drifted, rule);
      expect(step).toEqual({ state: { consecutive: 2 }, alarm: true });
      const calm = computeDrift(reference, { x: normals(rand, 300) });
      expect(nextAlarmState(step.state, calm, rule)).toEqual({ state: { consecutive: 0 }, alarm: false });
    });

    it('counts unseen categories in their own bucket, reported per feature', () => {
      const cells: Cell[] = [...Array(600).fill('sun'), ...Array(300).fill('rain'), ...Array(100).fill(null)];
      const ref = referenceHistogram({ name: 'weather', type: 'categorical' }, cells);
      const live = [...Array(180).fill('sun'), ...Array(90).fill('rain'), ...Array(30).fill(null)];
      expect(computeDrift({ weather: ref }, { weather: live }).score).toBeCloseTo(0, 12);
      const withSnow = [...Array(120).fill('sun'), ...Array(60).fill('rain'), ...Array(20).fill(null)];
      withSnow.push(...Array(90).fill('snow'), ...Array(10).fill('hail'));
      const f = computeDrift({ weather: ref }, { weather: withSnow }).features[0];
      expect(f).toMatchObject({
        type: 'categorical',
        rows: 300,
        missing: 20,
        unseen: 100,
        categories: ['sun', 'rain'],
        counts: [120, 60],
        unseenCategories: { snow: 90, hail: 10 },
      });
      // Bins sun, rain, missing, unseen: every training share dropped to 2/3, so D(train ‖ live) ≈ ln(3/2).
      const eps = 1e-4;
      const smooth = (share: number) => (share + eps) / (1 + 4 * eps);
      const train = [0.6, 0.3, 0.1, 0].map(smooth);
      const liveShares = [0.4, 0.2, 1 / 15, 1 / 3].map(smooth);
      const expected = train.reduce((s, p, i) => s + p * Math.log(p / liveShares[i]), 0);
      expect(f.kl).toBeCloseTo(expected, 12);
      expect(f.kl).toBeCloseTo(Math.log(1.5), 2);
    });

    it('counts NaN, null and unparsable live values as missing, compared with the reference missing rate', () => {
      const values = normals(rand, 1000);
      const withGaps: Cell[] = values.map((v, i) => (i % 10 === 0 ? null : v));
      const ref = numeric('x', withGaps);
      expect(ref.missing).toBe(100);
      // The same 10 % missing live (as null, NaN or a stray string) is no drift from missingness.
      const live: (number | string | null)[] = normals(rand, 1000).map((v, i) =>
        i % 30 === 0 ? null : i % 30 === 10 ? NaN : i % 30 === 20 ? 'n/a' : v,
      );
      const same = computeDrift({ x: ref }, { x: live }).features[0];
      expect(same.missing).toBe(100);
      expect(same.kl).toBeLessThan(0.05);
      // 60 % missing is drift, though the values present follow the training distribution.
      const gappy = normals(rand, 1000).map((v, i) => (i % 5 < 3 ? null : v));
      const f = computeDrift({ x: ref }, { x: gappy }).features[0];
      expect(f.missing).toBe(600);
      expect(f.kl).toBeGreaterThan(0.3);
      // A column that is entirely missing does not throw either.
      const empty = computeDrift({ x: ref }, { x: Array<null>(300).fill(null) }).features[0];
      expect(empty.missing).toBe(300);
      expect(Number.isFinite(empty.kl)).toBe(true);
    });

    it('names a feature the reference has no histogram for', () => {
      const call = () => computeDrift(reference, { x: normals(rand, 300), humidity: Array(300).fill(1) });
      expect(call).toThrow(DriftReferenceError);
      expect(call).toThrow('the training reference has no histogram for feature "humidity" (reference features: x)');
      expect(() => computeDrift({}, { x: [1] })).toThrow(/no histogram for feature "x" \(reference features: none\)/);
      try {
        call();
      } catch (err) {
        expect((err as DriftReferenceError).feature).toBe('humidity');
      }
    });

    it('names a malformed histogram and columns of different lengths', () => {
      const bad = { type: 'numeric', edges: [0, 1], counts: [1] } as unknown as ReferenceHistogram;
      expect(() => computeDrift({ z: bad }, { z: [0.5] })).toThrow(/histogram of feature "z" is malformed/);
      expect(() => computeDrift(reference, { x: [1, 2], y: [1] })).toThrow(
        /column "y" has 1 values, other columns have 2/,
      );
    });

    it('a numeric reference without training values counts live values as unseen', () => {
      const ref = numeric('x', [null, null, 'oops']);
      const f = featureDrift('x', ref, [1, 2, null], 1e-4);
      expect(f).toMatchObject({ unseen: 2, missing: 1, counts: [] });
      expect(f.kl).toBeGreaterThan(0.5);
    });

    it('rejects options out of range, naming them', () => {
      expect(() => computeDrift(reference, { x: [] }, { smoothing: 0 })).toThrow(/smoothing/);
      expect(() => computeDrift(reference, { x: [] }, { minWindowRows: 0 })).toThrow(/minWindowRows/);
      expect(() => computeDrift(reference, { x: [] }, { metric: 'hellinger' as 'kl' })).toThrow(/metric "hellinger"/);
      expect(() => nextAlarmState(INITIAL_ALARM_STATE, { score: 1 }, { threshold: 0.1, windows: 0 })).toThrow(
        /windows/,
      );
    });
  });
});
