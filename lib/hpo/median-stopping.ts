/**
 * The median stopping rule (Golovin et al. 2017, Google Vizier): stop a trial at step t when its best objective so
 * far is worse than the median of the completed trials' best-so-far values at step t.
 */

/** Running minimum of a loss curve. */
export function bestSoFar(curve: readonly number[]): number[] {
  let best = Infinity;
  return curve.map((v) => (best = Math.min(best, Number.isFinite(v) ? v : Infinity)));
}

/**
 * Per step, the median of the completed curves' best-so-far values, for the steps where at least `minCurves`
 * curves reach that far (a curve that stopped early keeps its final best value).
 */
export function medianCurve(curves: readonly (readonly number[])[], minCurves = 3): number[] {
  if (curves.length < minCurves) return [];
  const running = curves.map(bestSoFar);
  const steps = Math.max(...running.map((c) => c.length));
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    const values = running.filter((c) => c.length > 0).map((c) => c[Math.min(t, c.length - 1)]);
    values.sort((a, b) => a - b);
    const mid = values.length >> 1;
    out.push(values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2);
  }
  return out;
}

/** True when a trial whose losses so far are `curve` should stop (after a grace period of `minSteps`). */
export function shouldStop(curve: readonly number[], median: readonly number[], minSteps: number): boolean {
  const t = curve.length - 1;
  if (t < minSteps || t >= median.length) return false;
  return bestSoFar(curve)[t] > median[t];
}
