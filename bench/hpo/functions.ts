import type { HyperparameterValues, SearchSpace } from '../../lib/models/search-space';

/**
 * Standard synthetic minimisation benchmarks (definitions, domains and minima as in Surjanovic & Bingham, "Virtual
 * Library of Simulation Experiments", sfu.ca/~ssurjano), written as objectives over a `SearchSpace` of floats named
 * x1…xd. bench/hpo/optuna_peer.py re-implements the same five; run-ours.ts writes test values for it to compare.
 */
export interface TestFunction {
  name: string;
  dim: number;
  /** Per-dimension [low, high]. */
  bounds: [number, number][];
  /** Known global minimum value. */
  minimum: number;
  /** A global minimiser (for the sanity check). */
  argmin: number[];
  /** Evaluations per run, including the 10 shared initial points. */
  budget: number;
  f: (x: number[]) => number;
}

const { PI, cos, sin, exp, sqrt } = Math;

function branin([x1, x2]: number[]): number {
  const a = 1;
  const b = 5.1 / (4 * PI * PI);
  const c = 5 / PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * cos(x1) + s;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

function hartmann6(x: number[]): number {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
    total += H6_ALPHA[i] * exp(-inner);
  }
  return -total;
}

function levy(x: number[]): number {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  let total = sin(PI * w[0]) ** 2;
  for (let i = 0; i < d - 1; i++) total += (w[i] - 1) ** 2 * (1 + 10 * sin(PI * w[i] + 1) ** 2);
  total += (w[d - 1] - 1) ** 2 * (1 + sin(2 * PI * w[d - 1]) ** 2);
  return total;
}

function rosenbrock(x: number[]): number {
  let total = 0;
  for (let i = 0; i < x.length - 1; i++) total += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (x[i] - 1) ** 2;
  return total;
}

function ackley(x: number[]): number {
  const d = x.length;
  const sumSq = x.reduce((acc, v) => acc + v * v, 0);
  const sumCos = x.reduce((acc, v) => acc + cos(2 * PI * v), 0);
  return -20 * exp(-0.2 * sqrt(sumSq / d)) - exp(sumCos / d) + 20 + Math.E;
}

const repeat = (d: number, low: number, high: number): [number, number][] =>
  Array.from({ length: d }, () => [low, high] as [number, number]);

export const FUNCTIONS: TestFunction[] = [
  {
    name: 'branin',
    dim: 2,
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    minimum: 0.39788735772973816,
    argmin: [PI, 2.275],
    budget: 50,
    f: branin,
  },
  {
    name: 'hartmann6',
    dim: 6,
    bounds: repeat(6, 0, 1),
    minimum: -3.3223680114155156,
    argmin: [0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054],
    budget: 100,
    f: hartmann6,
  },
  { name: 'levy4', dim: 4, bounds: repeat(4, -10, 10), minimum: 0, argmin: [1, 1, 1, 1], budget: 100, f: levy },
  {
    name: 'rosenbrock4',
    dim: 4,
    bounds: repeat(4, -5, 10),
    minimum: 0,
    argmin: [1, 1, 1, 1],
    budget: 100,
    f: rosenbrock,
  },
  {
    name: 'ackley5',
    dim: 5,
    bounds: repeat(5, -32.768, 32.768),
    minimum: 0,
    argmin: [0, 0, 0, 0, 0],
    budget: 100,
    f: ackley,
  },
];

/** The function's domain as a search space of floats x1…xd. */
export function searchSpace(fn: TestFunction): SearchSpace {
  return Object.fromEntries(fn.bounds.map(([low, high], i) => [`x${i + 1}`, { type: 'float', low, high }]));
}

export function toVector(fn: TestFunction, params: HyperparameterValues): number[] {
  return fn.bounds.map((_, i) => Number(params[`x${i + 1}`]));
}

export function toParams(x: number[]): HyperparameterValues {
  return Object.fromEntries(x.map((v, i) => [`x${i + 1}`, v]));
}

/** The objective over search-space points. */
export function evaluate(fn: TestFunction, params: HyperparameterValues): number {
  return fn.f(toVector(fn, params));
}

/** log10 of the simple regret (best − known minimum), floored at 1e-12. */
export function logRegret(fn: TestFunction, best: number): number {
  return Math.log10(Math.max(best - fn.minimum, 1e-12));
}
