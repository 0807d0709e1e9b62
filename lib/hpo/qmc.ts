import type { Rng } from './rng';

/** The first `count` primes. */
export function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let candidate = 2; primes.length < count; candidate++) {
    if (primes.every((p) => p * p > candidate || candidate % p !== 0)) primes.push(candidate);
  }
  return primes;
}

/**
 * Halton sequence in [0, 1)^dim with random digit scrambling: in dimension j (base = the j-th prime) the k-th
 * digit of the radical inverse goes through its own random permutation of {0, …, base − 1}, for as many digits
 * as a double resolves. This keeps Halton's stratification (each point lands in a different elementary interval)
 * while removing the correlations between high-dimensional coordinates of the plain sequence and its point at
 * the origin (random linear/digit scrambling, Matoušek 1998; Owen 2017 "A randomized Halton algorithm").
 */
export class ScrambledHalton {
  readonly dim: number;
  private readonly bases: number[];
  /** perms[j][k]: the digit permutation of dimension j at digit position k. */
  private readonly perms: Uint16Array[][];

  constructor(dim: number, rng: Rng) {
    this.dim = dim;
    this.bases = firstPrimes(dim);
    this.perms = this.bases.map((base) => {
      const digits = Math.ceil(53 / Math.log2(base));
      return Array.from({ length: digits }, () => {
        const perm = Uint16Array.from({ length: base }, (_, i) => i);
        for (let i = base - 1; i > 0; i--) {
          const j = rng.below(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        return perm;
      });
    });
  }

  /** The point with the given index (≥ 0); the same index always gives the same point. */
  point(index: number, out: Float64Array = new Float64Array(this.dim)): Float64Array {
    for (let j = 0; j < this.dim; j++) {
      const base = this.bases[j];
      const perms = this.perms[j];
      let n = index;
      let scale = 1 / base;
      let value = 0;
      for (let k = 0; k < perms.length; k++) {
        const digit = n % base;
        n = (n - digit) / base;
        value += perms[k][digit] * scale;
        scale /= base;
      }
      out[j] = Math.min(value, 1 - Number.EPSILON);
    }
    return out;
  }
}
