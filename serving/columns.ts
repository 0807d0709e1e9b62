/** One feature's values for a batch of rows: float32 for numeric and datetime features, strings for categorical. */
export type Column = Float32Array | string[];

/** One column per model input, in the model's order (`model.features`); every column has `rows` values. */
export interface FeatureBatch {
  columns: Column[];
  rows: number;
}

export const FLOAT32_MAX = 3.4028234663852886e38;

/** How a JSON value reads in an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** A finite number that float32 can hold (else undefined): larger magnitudes would silently become Infinity. */
export function float32Value(value: number): number | undefined {
  return Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX ? value : undefined;
}
