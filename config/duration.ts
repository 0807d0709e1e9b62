/** A Temporal duration as a human string: `'1 minute'`, `'30 seconds'`, `'2 hours'`, `'500 ms'`. Pure: workflows import it. */
export const DURATION_PATTERN = /^\d+(\.\d+)?\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/;

export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && DURATION_PATTERN.test(value.trim());
}
