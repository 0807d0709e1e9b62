import { jensenShannon, klDivergence, psi, smoothedProportions } from '../../lib/drift';
import { mulberry32 } from './random';

describe('divergences on small histograms (hand-computed)', () => {
  // P = (1/2, 1/2), Q = (1/4, 3/4).
  const p = [1, 1];
  const q = [1, 3];

  it('KL D(P‖Q) = ½ ln(4/3), not symmetric', () => {
    expect(klDivergence(p, q, 0)).toBeCloseTo(0.5 * Math.log(4 / 3), 12);
    expect(klDivergence(p, q, 0)).toBeCloseTo(0.143841036, 9);
    // D(Q‖P) = ¼ ln(½) + ¾ ln(3/2)
    expect(klDivergence(q, p, 0)).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 12);
  });

  it('PSI = ¼ ln 3 = D(P‖Q) + D(Q‖P), symmetric', () => {
    expect(psi(p, q, 0)).toBeCloseTo(0.25 * Math.log(3), 12);
    expect(psi(p, q, 0)).toBeCloseTo(klDivergence(p, q, 0) + klDivergence(q, p, 0), 12);
    expect(psi(q, p, 0)).toBeCloseTo(psi(p, q, 0), 12);
  });

  it('JS matches ½ D(P‖M) + ½ D(Q‖M) (scipy jensenshannon² = 0.0338220756)', () => {
    const m = [0.375, 0.625];
    const expected =
      0.5 * (0.5 * Math.log(0.5 / m[0]) + 0.5 * Math.log(0.5 / m[1])) +
      0.5 * (0.25 * Math.log(0.25 / m[0]) + 0.75 * Math.log(0.75 / m[1]));
    expect(jensenShannon(p, q)).toBeCloseTo(expected, 12);
    expect(jensenShannon(p, q)).toBeCloseTo(0.0338220756, 9);
    expect(jensenShannon(q, p)).toBeCloseTo(jensenShannon(p, q), 14);
  });

  it('counts are normalised inside: scaling either side changes nothing', () => {
    expect(klDivergence([10, 10], [100, 300], 0)).toBeCloseTo(klDivergence(p, q, 0), 12);
    expect(psi([3, 3], [2, 6], 1e-4)).toBeCloseTo(psi(p, q, 1e-4), 12);
  });

  it('smoothing adds ε to every proportion and renormalises', () => {
    const s = smoothedProportions([2, 0], 0.1);
    expect(s[0]).toBeCloseTo(1.1 / 1.2, 12);
    expect(s[1]).toBeCloseTo(0.1 / 1.2, 12);
    // P = (1.1, 0.1)/1.2, Q = (0.6, 0.6)/1.2: values checked with scipy.stats.entropy.
    expect(klDivergence([2, 0], [1, 1], 0.1)).toBeCloseTo(0.4063111975, 9);
    expect(psi([2, 0], [1, 1], 0.1)).toBeCloseTo(0.9991230303, 9);
  });

  it('an empty live bin is infinite KL without smoothing and finite with it', () => {
    expect(klDivergence([1, 1], [1, 0], 0)).toBe(Infinity);
    const smoothed = klDivergence([1, 1], [1, 0], 1e-4);
    expect(Number.isFinite(smoothed)).toBe(true);
    // The empty bin costs about ½ ln(½ / ε).
    expect(smoothed).toBeGreaterThan(0.5 * Math.log(0.5 / 1e-4) - 0.5);
  });

  it('identical distributions give 0 for every metric', () => {
    const h = [5, 0, 12, 3, 80];
    expect(klDivergence(h, h, 1e-4)).toBe(0);
    expect(psi(h, h, 1e-4)).toBe(0);
    expect(jensenShannon(h, h)).toBe(0);
    expect(
      klDivergence(
        h,
        h.map((c) => c * 7),
        1e-4,
      ),
    ).toBeCloseTo(0, 14);
  });

  it('JS is symmetric and bounded by ln 2 (reached by disjoint supports)', () => {
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 14);
    expect(jensenShannon([5, 0, 0], [0, 2, 9])).toBeCloseTo(Math.LN2, 14);
    const rand = mulberry32(3);
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: 6 }, () => Math.floor(rand() * 5));
      const b = Array.from({ length: 6 }, () => Math.floor(rand() * 5));
      a[0]++;
      b[1]++;
      const js = jensenShannon(a, b);
      expect(js).toBeGreaterThanOrEqual(0);
      expect(js).toBeLessThanOrEqual(Math.LN2);
      expect(jensenShannon(b, a)).toBeCloseTo(js, 14);
    }
  });

  it('rejects mismatched, empty or negative histograms', () => {
    expect(() => klDivergence([1, 2], [1, 2, 3], 1e-4)).toThrow(/different bin counts: 2 and 3/);
    expect(() => psi([0, 0], [1, 2], 1e-4)).toThrow(/P is empty/);
    expect(() => jensenShannon([1, -1], [1, 2])).toThrow(/invalid count -1 in bin 1/);
    expect(() => klDivergence([1], [1], -1)).toThrow(/smoothing/);
  });
});
