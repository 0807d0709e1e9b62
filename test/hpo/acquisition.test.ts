import { expectedImprovement, logExpectedImprovement, maximiseAcquisition } from '../../lib/hpo/acquisition';
import { lbfgs, nelderMead } from '../../lib/hpo/optimize';
import { firstPrimes, ScrambledHalton } from '../../lib/hpo/qmc';
import { Rng } from '../../lib/hpo/rng';
import { erfc, erfcx, logImprovementFunction, normalCdf } from '../../lib/hpo/special';

/** exp(x²)·erfc(x) from CPython's math.erfc (libm), at points where x² is exact. */
const ERFCX: [number, number][] = [
  [0, 1],
  [0.25, 0.7703465477309966],
  [0.5, 0.6156903441929259],
  [1, 0.427583576155807],
  [1.5, 0.32158541645431754],
  [2, 0.2553956763105057],
  [3, 0.17900115118138993],
  [5, 0.11070463773306866],
  [10, 0.056140992743822594],
  [20, 0.02817434874105132],
  [26, 0.021683584850562907],
];

/** log h(z), h(z) = φ(z) + zΦ(z), from CPython's math.erfc (accurate to ~1e-10 relative at z = −30). */
const LOG_H: [number, number][] = [
  [-30, -457.72465376070403],
  [-20, -206.91783850943935],
  [-10, -55.55312203612325],
  [-5, -16.744301162661053],
  [-2, -4.768783523917116],
  [-1, -2.4851210257126413],
  [-0.5, -1.6205162643873197],
  [0, -0.9189385332046727],
  [1, 0.08002621884930704],
  [3, 1.0987396653277077],
];

describe('special functions', () => {
  it('erfcx matches reference values to ~1e-14 relative', () => {
    for (const [x, expected] of ERFCX) expect(Math.abs(erfcx(x) / expected - 1)).toBeLessThan(2e-15);
    expect(erfcx(1e9)).toBeCloseTo(1 / (1e9 * Math.sqrt(Math.PI)), 20);
    expect(erfcx(-1)).toBeCloseTo(2 * Math.E - 0.427583576155807, 14);
  });

  it('erfc and Φ behave in both tails', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(-3) + erfc(3)).toBeCloseTo(2, 15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 12);
    expect(normalCdf(-30)).toBeGreaterThan(0);
    expect(normalCdf(-30) / 4.906713927148187e-198).toBeCloseTo(1, 10);
  });
});

describe('log expected improvement', () => {
  it('matches log h(z) reference values', () => {
    for (const [z, expected] of LOG_H) expect(logImprovementFunction(z)).toBeCloseTo(expected, 8);
  });

  it('equals log(EI) wherever EI is comfortably representable', () => {
    for (let z = -8; z <= 6; z += 0.05) {
      for (const sigma of [1e-3, 1, 30]) {
        const mean = 2;
        const best = mean + z * sigma;
        const ei = expectedImprovement(mean, sigma * sigma, best);
        expect(ei).toBeGreaterThan(0);
        expect(Math.abs(logExpectedImprovement(mean, sigma * sigma, best) - Math.log(ei))).toBeLessThan(1e-9);
      }
    }
  });

  it('stays finite, monotone and asymptotically right where EI underflows', () => {
    let previous = -Infinity;
    for (const z of [-1e150, -1e10, -1e5, -1e4, -1000.5, -1000, -999.5, -200, -60, -40, -38.5, -10, -1, 0]) {
      const logH = logImprovementFunction(z);
      expect(Number.isFinite(logH)).toBe(true);
      expect(logH).toBeGreaterThan(previous);
      previous = logH;
      if (z <= -40) {
        expect(expectedImprovement(0, 1, z)).toBe(0);
        // h(z) ≈ φ(z)/z² (1 − 3/z²)
        const asymptotic = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z) + Math.log1p(-3 / (z * z));
        expect(Math.abs(logH - asymptotic)).toBeLessThan(Math.max(20 / z ** 4, 1e-15 * Math.abs(asymptotic)));
      }
    }
    // Continuous across the branch points.
    for (const z of [-1, -1000]) {
      expect(Math.abs(logImprovementFunction(z - 1e-9) - logImprovementFunction(z + 1e-9))).toBeLessThan(1e-5);
    }
    expect(Number.isFinite(logExpectedImprovement(5, 0, 1))).toBe(true);
    expect(logExpectedImprovement(1, 0, 5)).toBeCloseTo(Math.log(4), 12);
  });
});

describe('acquisition optimisation', () => {
  it('finds the maximum of a smooth function and returns points best first', () => {
    const target = [0.31, 0.77, 0.5];
    const f = (u: Float64Array) => -target.reduce((s, t, j) => s + (u[j] - t) ** 2, 0);
    const clamp = (u: ArrayLike<number>, out: Float64Array) => {
      for (let j = 0; j < out.length; j++) out[j] = Math.min(1, Math.max(0, u[j]));
      return out;
    };
    const ranked = maximiseAcquisition(f, clamp, 3, new Rng(4), [[0.9, 0.1, 0.1]]);
    for (let j = 0; j < 3; j++) expect(ranked[0].u[j]).toBeCloseTo(target[j], 3);
    for (let k = 1; k < ranked.length; k++) expect(ranked[k].value).toBeLessThanOrEqual(ranked[k - 1].value);
  });
});

describe('optimisers', () => {
  const rosenbrock = (x: Float64Array, g?: Float64Array) => {
    if (g) {
      g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2);
      g[1] = 200 * (x[1] - x[0] ** 2);
    }
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
  };

  it('L-BFGS minimises the Rosenbrock function', () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { maxIterations: 500, gradientTolerance: 1e-8, relativeTolerance: 0 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('Nelder–Mead minimises the Rosenbrock function', () => {
    const r = nelderMead((x) => rosenbrock(x), [-1.2, 1], { maxEvaluations: 2000, tolerance: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
});

describe('ScrambledHalton', () => {
  it('stays stratified after scrambling, and is reproducible', () => {
    const h = new ScrambledHalton(4, new Rng(9));
    const again = new ScrambledHalton(4, new Rng(9));
    const bases = firstPrimes(4);
    expect(bases).toEqual([2, 3, 5, 7]);
    for (let j = 0; j < 4; j++) {
      const b = bases[j];
      const m = b ** 2;
      const cells = new Set<number>();
      for (let i = 0; i < m; i++) {
        const x = h.point(i)[j];
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(1);
        cells.add(Math.floor(x * m));
      }
      expect(cells.size).toBe(m); // one point in each of the b² intervals
    }
    expect(Array.from(h.point(17))).toEqual(Array.from(again.point(17)));
    expect(Array.from(h.point(0))).not.toEqual([0, 0, 0, 0]);
  });
});
