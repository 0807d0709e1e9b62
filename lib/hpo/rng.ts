import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** murmur3's 32-bit finaliser: a bijective avalanche on unsigned 32-bit integers. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes a seed and any number of integer "stream" labels into one 32-bit seed, so each purpose (initial design,
 * acquisition candidates, GP restarts, ...) and each step of a sweep draws from its own independent stream.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new RangeError(`seed must be a safe integer, got ${part}`);
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    h = fmix32((h ^ lo) >>> 0);
    h = fmix32((h + hi + 0x7f4a7c15) >>> 0);
  }
  return h | 0;
}

/** A seeded, mutable PRNG (xoroshiro128+ from pure-rand). */
export class Rng {
  private readonly rng: RandomGenerator;

  constructor(...seedParts: number[]) {
    this.rng = xoroshiro128plus(mixSeed(...seedParts));
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** Standard normal (Box–Muller, one draw per pair of uniforms). */
  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
