/** One tunable hyperparameter: a closed numeric range (optionally sampled on a log scale) or a list of choices. */
export type ParamSpec =
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'categorical'; choices: (string | number)[] };

export type SearchSpace = Record<string, ParamSpec>;

export type HyperparameterValues = Record<string, string | number>;

/** 1e-5 rather than 0.00001, so range messages read like the search-space definition. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e7) ? value.toExponential() : String(value);
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : (JSON.stringify(value) ?? String(value));
}

function describeSpec(spec: ParamSpec): string {
  if (spec.type === 'categorical') return `one of ${JSON.stringify(spec.choices)}`;
  return `[${formatNumber(spec.low)}, ${formatNumber(spec.high)}]`;
}

/** Throws if a spec is itself unusable (empty range, log scale over non-positive values, no choices). */
export function validateSearchSpace(space: SearchSpace): void {
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type === 'categorical') {
      if (spec.choices.length === 0) throw new Error(`search space: "${name}" has no choices`);
      continue;
    }
    if (!Number.isFinite(spec.low) || !Number.isFinite(spec.high) || spec.low > spec.high) {
      throw new Error(`search space: "${name}" has an empty or non-finite range ${describeSpec(spec)}`);
    }
    if (spec.type === 'int' && (!Number.isInteger(spec.low) || !Number.isInteger(spec.high))) {
      throw new Error(`search space: integer "${name}" needs integer bounds, got ${describeSpec(spec)}`);
    }
    if (spec.log && spec.low <= 0) {
      throw new Error(`search space: "${name}" is log-scaled, so its range ${describeSpec(spec)} must be positive`);
    }
  }
}

/** Throws an Error naming the parameter, its value and what the space allows. */
function checkValue(name: string, spec: ParamSpec, value: unknown): void {
  const shown = `hyperparameter "${name}" = ${formatValue(value)}`;
  if (spec.type === 'categorical') {
    if (!spec.choices.includes(value as string | number)) {
      throw new Error(`${shown} is not ${describeSpec(spec)}`);
    }
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${shown} is not a finite number; expected a value in ${describeSpec(spec)}`);
  }
  if (spec.type === 'int' && !Number.isInteger(value)) {
    throw new Error(`${shown} is not an integer; expected an integer in ${describeSpec(spec)}`);
  }
  if (value < spec.low || value > spec.high) {
    throw new Error(`${shown} is outside ${describeSpec(spec)}`);
  }
}

/**
 * Merges `values` over `defaults` and checks every result against `space`. Throws an Error naming any unknown
 * parameter, or the first parameter whose value is missing, of the wrong type or outside its allowed range.
 */
export function validateHyperparameters<T extends { [K in keyof T]: string | number }>(
  space: SearchSpace,
  defaults: T,
  values: Partial<Record<string, unknown>> = {},
): T {
  const unknown = Object.keys(values).filter((name) => !Object.hasOwn(space, name));
  if (unknown.length > 0) {
    const names = unknown.map((n) => JSON.stringify(n)).join(', ');
    throw new Error(
      `unknown hyperparameter${unknown.length > 1 ? 's' : ''} ${names}; expected some of: ${Object.keys(space).join(', ')}`,
    );
  }
  const merged: HyperparameterValues = {};
  for (const [name, spec] of Object.entries(space)) {
    const value = values[name] !== undefined ? values[name] : (defaults as HyperparameterValues)[name];
    if (value === undefined) throw new Error(`hyperparameter "${name}" has no value and no default`);
    checkValue(name, spec, value);
    merged[name] = value as string | number;
  }
  return merged as T;
}

/**
 * Draws one point of the space from `random` (uniform on [0, 1)): log-scaled ranges are sampled uniformly in
 * log space; integers uniformly over the (log-)range, rounded and clamped; choices uniformly.
 */
export function sampleHyperparameters(space: SearchSpace, random: () => number): HyperparameterValues {
  const sample: HyperparameterValues = {};
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type === 'categorical') {
      sample[name] = spec.choices[Math.min(spec.choices.length - 1, Math.floor(random() * spec.choices.length))];
      continue;
    }
    const u = random();
    if (spec.type === 'float') {
      const value = spec.log
        ? Math.exp(Math.log(spec.low) + u * (Math.log(spec.high) - Math.log(spec.low)))
        : spec.low + u * (spec.high - spec.low);
      sample[name] = Math.min(spec.high, Math.max(spec.low, value));
      continue;
    }
    const value = spec.log
      ? Math.exp(Math.log(spec.low - 0.5) + u * (Math.log(spec.high + 0.5) - Math.log(spec.low - 0.5)))
      : spec.low - 0.5 + u * (spec.high - spec.low + 1);
    sample[name] = Math.min(spec.high, Math.max(spec.low, Math.round(value)));
  }
  return sample;
}
