/** Bounds of the monitor settings that the workflow checks too (its `setThresholds` signal), without zod. */
export const MAX_CONSECUTIVE_WINDOWS = 1000;

/**
 * At most this many windows in `driftHistory`: the history travels in the continue-as-new input and the query's
 * answer, and a window with a score per feature takes about 0.5-1 KB, well under Temporal's 2 MB payload limit.
 */
export const MAX_HISTORY_LIMIT = 1000;
