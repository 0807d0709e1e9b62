import { binCounts, quantileEdges, referenceHistogram } from '../../lib/data/histogram';

describe('reference histograms', () => {
  it('uses training quantiles as edges and counts every training value inside them', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    const edges = quantileEdges(values, 10);
    expect(edges).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const counts = binCounts(values, edges);
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(0);
    expect(counts.slice(1, -1)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 11]);
  });

  it('puts values beyond the training range into underflow and overflow bins', () => {
    expect(binCounts([-5, 0, 5, 10, 11], [0, 5, 10])).toEqual([1, 1, 2, 1]);
  });

  it('drops repeated edges of skewed data (many zeros)', () => {
    const edges = quantileEdges([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], 4);
    expect(new Set(edges).size).toBe(edges.length);
    expect(edges[0]).toBe(0);
  });

  it('counts categories and missing values', () => {
    const h = referenceHistogram({ name: 'w', type: 'categorical' }, ['sun', 'rain', 'sun', null]);
    expect(h).toEqual({ type: 'categorical', counts: { sun: 2, rain: 1 }, missing: 1 });
  });

  it('bins dates as days since 1970', () => {
    const h = referenceHistogram({ name: 'd', type: 'datetime' }, ['1970-01-01', '1970-01-11', null], 1);
    expect(h).toEqual({ type: 'datetime', edges: [0, 10], counts: [0, 2, 0], missing: 1 });
  });
});
