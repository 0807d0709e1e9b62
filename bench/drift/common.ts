import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
/** Git-ignored: the venv, the streams and both sides' results. */
export const OUT_DIR = join(ROOT, '.mlops', 'bench', 'drift');

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(OUT_DIR, file), 'utf8')) as T;
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, file), JSON.stringify(value, null, 1));
}

/**
 * The shortest wall time in seconds of `repeats` calls (the cores are shared: the fastest call is the one least
 * disturbed by other jobs; the Python side does the same), and the last call's result.
 */
export function timed<T>(fn: () => T, repeats: number): { seconds: number; result: T } {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[0], result };
}
