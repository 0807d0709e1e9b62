import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
/** Generated files (initial designs, raw results, the chart) go here; only the chart is copied into bench/hpo. */
export const OUT_DIR = join(ROOT, '.mlops', 'bench', 'hpo');
/** Evaluations from the shared initial design before any optimiser suggests. */
export const N_INITIAL = 10;
/** Synthetic-history sizes for the suggestion-time measurement on Hartmann6. */
export const TIMING_SIZES = [200, 500];
/** Repetitions (median) of the single-suggestion timing at each size. */
export const TIMING_REPETITIONS: Record<number, number> = { 200: 5, 500: 3 };

/** Seeds 1…HPO_SEEDS (default 20). */
export function seeds(): number[] {
  const count = Number(process.env.HPO_SEEDS ?? 20);
  if (!Number.isInteger(count) || count < 1) throw new Error(`HPO_SEEDS must be a positive integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => i + 1);
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, file), JSON.stringify(value));
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(OUT_DIR, file), 'utf8')) as T;
}

/** One optimiser run on one function and seed. */
export interface RunResult {
  fn: string;
  seed: number;
  arm: string;
  /** best[i]: lowest value among evaluations 1…i+1. */
  best: number[];
  /** Wall time of each suggestion (ms), with the number of finished observations it was given. */
  suggestMs: { n: number; ms: number }[];
}

/** A single suggestion timed on a synthetic Hartmann6 history of `n` points. */
export interface TimingResult {
  arm: string;
  n: number;
  ms: number[];
}

export interface ArmResults {
  versions: Record<string, string>;
  seeds: number[];
  runs: RunResult[];
  timing: TimingResult[];
}

/** The shared initial design of one function and seed, written by run-ours.ts and read by optuna_peer.py. */
export interface InitialDesign {
  fn: string;
  seed: number;
  points: number[][];
  values: number[];
}

/** A synthetic history for the suggestion-time measurement. */
export interface History {
  fn: string;
  points: number[][];
  values: number[];
}
