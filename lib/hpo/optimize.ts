/** Small unconstrained minimisers: L-BFGS (with analytic gradients) and Nelder–Mead (derivative-free). */

export interface MinimiseResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
}

export interface LbfgsOptions {
  /** Maximum number of iterations (line searches). Default 100. */
  maxIterations?: number;
  /** Number of correction pairs kept. Default 10. */
  memory?: number;
  /** Stop when the largest gradient component is below this. Default 1e-5. */
  gradientTolerance?: number;
  /** Stop when an iteration improves f by less than this times max(1, |f|). Default 1e-10. */
  relativeTolerance?: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Minimises f with L-BFGS (two-loop recursion) and a backtracking Armijo line search. `f` returns the value and
 * writes the gradient into `grad`; a non-finite value is treated as "outside the domain" and the step shrinks.
 * The start must have a finite value.
 */
export function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x0: ArrayLike<number>,
  options: LbfgsOptions = {},
): MinimiseResult {
  const maxIterations = options.maxIterations ?? 100;
  const memory = options.memory ?? 10;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const relativeTolerance = options.relativeTolerance ?? 1e-10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, value: fx, iterations: 0, evaluations };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iterations = 0;
  while (iterations < maxIterations && maxAbs(g) > gradientTolerance) {
    iterations++;
    // d = −H g by the two-loop recursion.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * Y[k][i];
    }
    const gamma = S.length > 0 ? dot(S[S.length - 1], Y[S.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1;
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], d);
      for (let i = 0; i < n; i++) d[i] += (alpha[k] - beta) * S[k][i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (can happen after a poor curvature pair): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }
    // First step of a fresh memory: at most unit length in the max norm.
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(d), 1e-12)) : 1;
    let fNew = NaN;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= Number.isFinite(fNew) ? 0.5 : 0.1;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const improvement = fx - fNew;
    [x, g] = [Float64Array.from(xNew), Float64Array.from(gNew)];
    fx = fNew;
    if (improvement < relativeTolerance * Math.max(1, Math.abs(fx))) break;
  }
  return { x, value: fx, iterations, evaluations };
}

export interface NelderMeadOptions {
  /** Initial simplex edge length (per coordinate). Default 0.1. */
  step?: number;
  /** Maximum number of function evaluations. Default 200 · dim. */
  maxEvaluations?: number;
  /** Stop when the spread of values across the simplex is below this. Default 1e-8. */
  tolerance?: number;
}

/**
 * Minimises f with Nelder–Mead, using the dimension-adaptive coefficients of Gao & Han (2012). Non-finite values
 * count as +∞.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  options: NelderMeadOptions = {},
): MinimiseResult {
  const n = x0.length;
  const step = options.step ?? 0.1;
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  const tolerance = options.tolerance ?? 1e-8;
  const alpha = 1;
  const beta = n >= 2 ? 1 + 2 / n : 2;
  const gamma = n >= 2 ? 0.75 - 1 / (2 * n) : 0.5;
  const delta = n >= 2 ? 1 - 1 / n : 0.5;
  let evaluations = 0;
  const evaluate = (x: Float64Array) => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  const simplex: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k <= n; k++) {
    const x = Float64Array.from(x0);
    if (k > 0) x[k - 1] += step;
    simplex.push(x);
    values.push(evaluate(x));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const point = (from: Float64Array, towards: Float64Array, t: number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = from[i] + t * (towards[i] - from[i]);
    return out;
  };
  let iterations = 0;
  while (evaluations < maxEvaluations) {
    order.sort((a, b) => values[a] - values[b]);
    const best = order[0];
    const worst = order[n];
    const secondWorst = order[n - 1];
    if (!(Math.abs(values[worst] - values[best]) > tolerance) && Number.isFinite(values[best])) break;
    iterations++;
    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const x = simplex[order[k]];
      for (let i = 0; i < n; i++) centroid[i] += x[i] / n;
    }
    const reflected = point(centroid, simplex[worst], -alpha);
    const fr = evaluate(reflected);
    if (fr < values[best]) {
      const expanded = point(centroid, simplex[worst], -alpha * beta);
      const fe = evaluate(expanded);
      if (fe < fr) [simplex[worst], values[worst]] = [expanded, fe];
      else [simplex[worst], values[worst]] = [reflected, fr];
      continue;
    }
    if (fr < values[secondWorst]) {
      [simplex[worst], values[worst]] = [reflected, fr];
      continue;
    }
    const outside = fr < values[worst];
    const contracted = outside ? point(centroid, reflected, gamma) : point(centroid, simplex[worst], gamma);
    const fc = evaluate(contracted);
    if (fc < (outside ? fr : values[worst])) {
      [simplex[worst], values[worst]] = [contracted, fc];
      continue;
    }
    for (let k = 1; k <= n; k++) {
      const idx = order[k];
      simplex[idx] = point(simplex[best], simplex[idx], delta);
      values[idx] = evaluate(simplex[idx]);
    }
  }
  let best = 0;
  for (let k = 1; k <= n; k++) if (values[k] < values[best]) best = k;
  return { x: simplex[best], value: values[best], iterations, evaluations };
}
