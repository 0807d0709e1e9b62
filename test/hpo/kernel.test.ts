import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { crossKernel, kernelMatrix, matern52, matern52FromDistance } from '../../lib/hpo/kernel';
import { Rng } from '../../lib/hpo/rng';

describe('Matérn 5/2 kernel', () => {
  const rng = new Rng(3);
  const X = Array.from({ length: 40 }, () => Array.from({ length: 3 }, () => rng.uniform()));
  const params = { lengthScales: [0.2, 0.7, 3], signalVariance: 1.7 };

  it('is the signal variance at distance 0 and decreases with distance', () => {
    expect(matern52FromDistance(0, 1.7)).toBe(1.7);
    let previous = Infinity;
    for (let r = 0; r < 10; r += 0.1) {
      const k = matern52FromDistance(r, 1);
      expect(k).toBeLessThan(previous);
      expect(k).toBeGreaterThan(0);
      previous = k;
    }
    // Closed form at r = 1: (1 + √5 + 5/3) e^{−√5}.
    expect(matern52FromDistance(1, 1)).toBeCloseTo((1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5)), 15);
  });

  it('scales each dimension by its own length scale', () => {
    expect(matern52([0, 0, 0], [0.2, 0, 0], params)).toBeCloseTo(matern52([0, 0, 0], [0, 0.7, 0], params), 15);
    expect(matern52([0, 0, 0], [0, 0, 1], params)).toBeGreaterThan(matern52([0, 0, 0], [1, 0, 0], params));
  });

  it('builds a symmetric positive semi-definite Gram matrix', () => {
    const K = kernelMatrix(X, params);
    const n = X.length;
    for (let i = 0; i < n; i++) {
      expect(K[i * n + i]).toBe(1.7);
      for (let j = 0; j < n; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
    }
    const rows = Array.from({ length: n }, (_, i) => Array.from(K.subarray(i * n, (i + 1) * n)));
    const eigenvalues = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues;
    expect(Math.min(...eigenvalues)).toBeGreaterThan(-1e-10);
  });

  it('agrees with the cross kernel', () => {
    const K = kernelMatrix(X, params);
    const C = crossKernel(X, X, params);
    for (let i = 0; i < K.length; i++) expect(C[i]).toBeCloseTo(K[i], 14);
  });
});
