import { mean, meanSquaredError } from '../../lib/metrics';

describe('meanSquaredError', () => {
  it('computes known values', () => {
    expect(meanSquaredError([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(meanSquaredError([0, 0], [3, -4])).toBe(12.5);
    expect(meanSquaredError([1, 2, 3, 4], [2, 2, 2, 2])).toBeCloseTo(1.5, 12);
  });

  it('throws a RangeError on mismatched lengths', () => {
    expect(() => meanSquaredError([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => meanSquaredError([1, 2, 3], [1, 2])).toThrow('got 3 and 2');
  });

  it('throws on empty input instead of returning NaN', () => {
    expect(() => meanSquaredError([], [])).toThrow(RangeError);
  });
});

describe('mean', () => {
  it('averages values', () => {
    expect(mean([1, 2, 3, 10])).toBe(4);
  });
});
