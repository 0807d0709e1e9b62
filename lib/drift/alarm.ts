import type { DriftReport } from './drift';

/** Alarm when the window score exceeds `threshold` (ε) in `windows` (N) consecutive compared windows. */
export interface DriftAlarmRule {
  threshold: number;
  windows: number;
}

/** Plain JSON, so a long-running monitor can carry it across continue-as-new. */
export interface DriftAlarmState {
  /** Compared windows in a row whose score exceeded the threshold. */
  consecutive: number;
}

export const INITIAL_ALARM_STATE: DriftAlarmState = Object.freeze({ consecutive: 0 });

/**
 * The alarm rule after one window. A skipped window (too few rows) leaves the streak as it was: it is evidence neither
 * of drift nor of its absence. `alarm` is true on every window from the N-th consecutive one on.
 */
export function nextAlarmState(
  state: DriftAlarmState,
  report: Pick<DriftReport, 'score' | 'skipped'>,
  rule: DriftAlarmRule,
): { state: DriftAlarmState; alarm: boolean } {
  if (!(rule.threshold >= 0) || !Number.isInteger(rule.windows) || rule.windows < 1) {
    throw new RangeError(`alarm rule needs threshold >= 0 and windows >= 1, got ${rule.threshold} and ${rule.windows}`);
  }
  if (report.skipped) return { state, alarm: false };
  const consecutive = report.score > rule.threshold ? state.consecutive + 1 : 0;
  return { state: { consecutive }, alarm: consecutive >= rule.windows };
}
