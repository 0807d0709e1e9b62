import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** A benchmark knob from the environment: a non-negative integer, or `fallback` when unset or empty. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** `2 cores (`nproc`), AMD EPYC …`: the machine line every RESULTS.md section starts with. */
export function machineCores(): string {
  // nproc honours OMP_NUM_THREADS / OMP_THREAD_LIMIT: ask without them for the machine's count.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OMP_')));
  const nproc = execFileSync('nproc', { encoding: 'utf8', env }).trim();
  const cpu =
    /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  return `${nproc} cores (\`nproc\`), ${cpu}`;
}
