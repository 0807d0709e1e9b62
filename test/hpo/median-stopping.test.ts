import { bestSoFar, medianCurve, shouldStop } from '../../lib/hpo/median-stopping';

describe('median stopping rule', () => {
  it('tracks the running best of a curve', () => {
    expect(bestSoFar([5, 3, 4, 2, NaN])).toEqual([5, 3, 3, 2, 2]);
  });

  it('takes the per-step median of completed best-so-far curves, extending curves that ended early', () => {
    expect(medianCurve([[4, 3, 2], [6, 5], [1]])).toEqual([4, 3, 2]);
    expect(medianCurve([[4], [6]])).toEqual([]);
  });

  it('stops a trial that is worse than the median after the grace period, never during it', () => {
    const median = [5, 4, 3, 2];
    expect(shouldStop([9, 9], median, 2)).toBe(false);
    expect(shouldStop([9, 9, 9], median, 2)).toBe(true);
    expect(shouldStop([9, 9, 2.5], median, 2)).toBe(false);
    expect(shouldStop([9, 9, 9, 9, 9], median, 2)).toBe(false);
  });
});
