import { randomSplit, takeRows } from '../../lib/data/split';

describe('randomSplit', () => {
  it('is deterministic for a given seed', () => {
    expect(randomSplit(100, 0.2, 42)).toEqual(randomSplit(100, 0.2, 42));
  });

  it('gives a different split for a different seed', () => {
    expect(randomSplit(100, 0.2, 42).validation).not.toEqual(randomSplit(100, 0.2, 43).validation);
  });

  it.each([
    [100, 0.2],
    [37, 0.3],
    [10, 0.25],
  ])('partitions %i rows with fraction %f into disjoint, sorted train and validation sets', (n, fraction) => {
    const { train, validation } = randomSplit(n, fraction, 7);
    expect(validation).toHaveLength(Math.round(n * fraction));
    expect(train).toHaveLength(n - Math.round(n * fraction));
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(new Set([...train, ...validation]).size).toBe(n);
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(validation).toEqual([...validation].sort((a, b) => a - b));
  });

  it('shuffles: the validation set is not simply the first rows', () => {
    const { validation } = randomSplit(100, 0.2, 42);
    expect(validation).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it.each([
    [2, 0.2], // 0 validation rows
    [3, 0.5], // 2 validation rows leave 1 training row
    [10, 0.01],
  ])('throws a RangeError for %i rows with fraction %f', (n, fraction) => {
    expect(() => randomSplit(n, fraction, 1)).toThrow(RangeError);
    expect(() => randomSplit(n, fraction, 1)).toThrow(/split\.validationFraction/);
  });

  it('accepts the smallest workable dataset: 1 validation row and 2 training rows', () => {
    const { train, validation } = randomSplit(3, 0.34, 1);
    expect(validation).toHaveLength(1);
    expect(train).toHaveLength(2);
  });
});

describe('takeRows', () => {
  it('picks values at the given indices, in index order', () => {
    expect(takeRows(['a', 'b', 'c', 'd'], [3, 0, 2])).toEqual(['d', 'a', 'c']);
    expect(takeRows([1, 2, 3], [])).toEqual([]);
  });
});
