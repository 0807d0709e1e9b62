import {
  formatNumber,
  type HyperparameterValues,
  type ParamSpec,
  type SearchSpace,
  validateHyperparameters,
  validateSearchSpace,
} from '../models/search-space';

/**
 * Encoding of a search space into the unit cube [0, 1]^d, the domain the Gaussian process and the acquisition
 * optimiser work in.
 *
 * - float: one dimension, linear in the value, or linear in log(value) when `log` is set.
 * - int: one dimension over the widened range [low - 0.5, high + 0.5] (in log space when `log` is set), so that
 *   every integer owns an equal-width cell and is encoded at its cell's centre; decoding rounds to the nearest
 *   integer and clamps to [low, high]. An int range with low === high is allowed (one value).
 * - categorical: one-hot, one dimension per choice (1 for the chosen one, 0 for the others); decoding takes the
 *   argmax (first choice on ties). One-hot rather than an index dimension because the choices have no order: with
 *   per-dimension length scales the GP then learns how much each choice matters, and no choice is "between" two
 *   others.
 *
 * `snap(u)` = encode(decode(u)) projects any cube point onto the encodings of valid points; the acquisition is
 * evaluated at snapped points (Garrido-Merchán & Hernández-Lobato, 2020), so it never rewards a fractional integer
 * or a blend of categories.
 */
export type EncodedParam =
  | { name: string; type: 'float'; offset: number; lo: number; hi: number; log: boolean; low: number; high: number }
  | { name: string; type: 'int'; offset: number; lo: number; hi: number; log: boolean; low: number; high: number }
  | { name: string; type: 'categorical'; offset: number; choices: (string | number)[] };

function fail(name: string, message: string): never {
  throw new Error(`search space: "${name}" ${message}`);
}

function describeRange(low: unknown, high: unknown): string {
  const show = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : JSON.stringify(v));
  return `[${show(low)}, ${show(high)}]`;
}

/** Checks one spec with messages that name the parameter; returns it typed. */
function checkSpec(name: string, raw: unknown): ParamSpec {
  if (typeof raw !== 'object' || raw === null) fail(name, `is not a parameter spec: ${JSON.stringify(raw)}`);
  const spec = raw as { type?: unknown; low?: unknown; high?: unknown; log?: unknown; choices?: unknown };
  if (spec.type === 'categorical') {
    if (!Array.isArray(spec.choices)) fail(name, 'is categorical but has no "choices" array');
    if (spec.choices.length === 0) fail(name, 'has no choices');
    for (const choice of spec.choices) {
      if (typeof choice !== 'string' && !(typeof choice === 'number' && Number.isFinite(choice))) {
        fail(name, `has a choice that is neither a string nor a finite number: ${JSON.stringify(choice)}`);
      }
    }
    return raw as ParamSpec;
  }
  if (spec.type !== 'float' && spec.type !== 'int') {
    fail(name, `has unknown type ${JSON.stringify(spec.type)}; expected "float", "int" or "categorical"`);
  }
  const { low, high } = spec;
  const range = describeRange(low, high);
  if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(low) || !Number.isFinite(high)) {
    fail(name, `needs finite numeric bounds, got ${range}`);
  }
  if (low > high) fail(name, `has an inverted range ${range}: low must not exceed high`);
  if (spec.type === 'float' && low === high) {
    fail(name, `has an empty range ${range}; use a categorical with one choice to fix a value`);
  }
  if (spec.type === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) {
    fail(name, `is an integer parameter but its bounds ${range} are not integers`);
  }
  if (spec.log !== undefined && typeof spec.log !== 'boolean') fail(name, `has a non-boolean "log": ${spec.log}`);
  if (spec.log && low <= 0) fail(name, `is log-scaled, so its bounds ${range} must be positive`);
  return raw as ParamSpec;
}

/** Encodes/decodes points of one search space; build with `new SpaceCodec(space)`, which validates it. */
export class SpaceCodec {
  readonly space: SearchSpace;
  readonly params: readonly EncodedParam[];
  /** Number of dimensions of the encoded cube. */
  readonly dim: number;

  constructor(space: SearchSpace) {
    if (typeof space !== 'object' || space === null || Array.isArray(space)) {
      throw new Error('search space must be an object mapping parameter names to specs');
    }
    const names = Object.keys(space);
    if (names.length === 0) throw new Error('search space has no parameters');
    const params: EncodedParam[] = [];
    let offset = 0;
    for (const name of names) {
      const spec = checkSpec(name, space[name]);
      if (spec.type === 'categorical') {
        params.push({ name, type: 'categorical', offset, choices: spec.choices });
        offset += spec.choices.length;
        continue;
      }
      const log = spec.log === true;
      const widen = spec.type === 'int' ? 0.5 : 0;
      const lo = spec.low - widen;
      const hi = spec.high + widen;
      params.push({
        name,
        type: spec.type,
        offset,
        lo: log ? Math.log(lo) : lo,
        hi: log ? Math.log(hi) : hi,
        log,
        low: spec.low,
        high: spec.high,
      });
      offset += 1;
    }
    validateSearchSpace(space); // the project-wide rules; everything they reject was rejected above
    this.space = space;
    this.params = params;
    this.dim = offset;
  }

  /** Validates `point` against the space (every parameter present and allowed, no unknown names) and encodes it. */
  encode(point: HyperparameterValues): Float64Array {
    const checked = validateHyperparameters<HyperparameterValues>(this.space, {}, point);
    const u = new Float64Array(this.dim);
    for (const p of this.params) {
      const value = checked[p.name];
      if (p.type === 'categorical') {
        u[p.offset + p.choices.indexOf(value)] = 1;
        continue;
      }
      const x = p.log ? Math.log(value as number) : (value as number);
      u[p.offset] = Math.min(1, Math.max(0, (x - p.lo) / (p.hi - p.lo)));
    }
    return u;
  }

  /** Decodes any point of [0, 1]^d (coordinates outside are clamped) into a valid point of the space. */
  decode(u: ArrayLike<number>): HyperparameterValues {
    if (u.length !== this.dim) throw new Error(`expected a point with ${this.dim} coordinates, got ${u.length}`);
    const point: HyperparameterValues = {};
    for (const p of this.params) {
      if (p.type === 'categorical') {
        let best = 0;
        for (let k = 1; k < p.choices.length; k++) if (u[p.offset + k] > u[p.offset + best]) best = k;
        point[p.name] = p.choices[best];
        continue;
      }
      const t = Math.min(1, Math.max(0, Number.isFinite(u[p.offset]) ? u[p.offset] : 0.5));
      const x = p.lo + t * (p.hi - p.lo);
      let value = p.log ? Math.exp(x) : x;
      if (p.type === 'int') value = Math.round(value);
      point[p.name] = Math.min(p.high, Math.max(p.low, value));
    }
    return point;
  }

  /**
   * encode(decode(u)), computed directly (no validation, no allocation when `out` is given): the cube point of the
   * valid point that `u` decodes to. Floats are only clamped to [0, 1].
   */
  snap(u: ArrayLike<number>, out: Float64Array = new Float64Array(this.dim)): Float64Array {
    for (const p of this.params) {
      if (p.type === 'categorical') {
        let best = 0;
        for (let k = 1; k < p.choices.length; k++) if (u[p.offset + k] > u[p.offset + best]) best = k;
        for (let k = 0; k < p.choices.length; k++) out[p.offset + k] = k === best ? 1 : 0;
        continue;
      }
      const t = Math.min(1, Math.max(0, Number.isFinite(u[p.offset]) ? u[p.offset] : 0.5));
      if (p.type === 'float') {
        out[p.offset] = t;
        continue;
      }
      const x = p.lo + t * (p.hi - p.lo);
      const value = Math.min(p.high, Math.max(p.low, Math.round(p.log ? Math.exp(x) : x)));
      out[p.offset] = ((p.log ? Math.log(value) : value) - p.lo) / (p.hi - p.lo);
    }
    return out;
  }

  /** A canonical string for a point, to detect duplicate suggestions (parameters in space order). */
  key(point: HyperparameterValues): string {
    return JSON.stringify(this.params.map((p) => point[p.name]));
  }
}
