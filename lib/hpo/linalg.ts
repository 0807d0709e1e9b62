/** Small dense linear algebra on row-major Float64Arrays, for the Gaussian process. */

/**
 * In-place lower Cholesky factor of the symmetric positive-definite n × n matrix `A` (only the lower triangle is
 * read; the upper triangle is zeroed). Returns false, leaving `A` partly overwritten, if a pivot is not positive.
 */
export function choleskyInPlace(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    const d = A[rowJ + j] - dotRange(A, rowJ, A, rowJ, 0, j);
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    A[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      A[rowI + j] = (A[rowI + j] - dotRange(A, rowI, A, rowJ, 0, j)) / ljj;
    }
    for (let k = j + 1; k < n; k++) A[rowJ + k] = 0;
  }
  return true;
}

/** Jitters tried in turn, relative to the mean diagonal, when a Cholesky factorisation fails. */
export const JITTERS = [0, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2];

/**
 * Cholesky factor of `A` + jitter · I with the smallest jitter of `JITTERS` (times the mean diagonal) that
 * succeeds, or undefined if none does. `A` is not modified.
 */
export function choleskyWithJitter(A: Float64Array, n: number): { L: Float64Array; jitter: number } | undefined {
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += A[i * n + i];
  meanDiagonal = n > 0 ? Math.abs(meanDiagonal / n) || 1 : 1;
  for (const relative of JITTERS) {
    const L = A.slice();
    const jitter = relative * meanDiagonal;
    for (let i = 0; i < n; i++) L[i * n + i] += jitter;
    if (choleskyInPlace(L, n)) return { L, jitter };
  }
  return undefined;
}

/** Solves L x = b for lower-triangular L, writing x into `out` (may alias b). */
export function solveLower(L: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    out[i] = (b[i] - dotRange(L, row, out, 0, 0, i)) / L[row + i];
  }
  return out;
}

/** Solves Lᵀ x = b for lower-triangular L, writing x into `out` (may alias b). */
export function solveUpperTransposed(L: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array) {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * out[k];
    out[i] = s / L[i * n + i];
  }
  return out;
}

/** Σ_{from ≤ k < to} a[offA + k] b[offB + k], with four accumulators (independent dependency chains). */
export function dotRange(a: Float64Array, offA: number, b: Float64Array, offB: number, from: number, to: number) {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  for (; k + 3 < to; k += 4) {
    s0 += a[offA + k] * b[offB + k];
    s1 += a[offA + k + 1] * b[offB + k + 1];
    s2 += a[offA + k + 2] * b[offB + k + 2];
    s3 += a[offA + k + 3] * b[offB + k + 3];
  }
  for (; k < to; k++) s0 += a[offA + k] * b[offB + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * (L Lᵀ)⁻¹ from the lower Cholesky factor L, as a full symmetric row-major matrix. With U = L⁻ᵀ (upper
 * triangular, stored row-major so that row j of U is column j of L⁻¹), (L Lᵀ)⁻¹ = U Uᵀ; both the triangular
 * inversion and the product run as dot products of contiguous row segments.
 */
export function choleskyInverse(L: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  const U = new Float64Array(n * n);
  // Column j of L⁻¹ by forward substitution: (L⁻¹)_ij = (δ_ij − Σ_{j ≤ k < i} L_ik (L⁻¹)_kj) / L_ii.
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    U[rowJ + j] = 1 / L[rowJ + j];
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      U[rowJ + i] = -dotRange(L, rowI, U, rowJ, j, i) / L[rowI + i];
    }
  }
  // (U Uᵀ)_ij = Σ_{k ≥ max(i, j)} U_ik U_jk.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      const s = dotRange(U, rowI, U, rowJ, i, n);
      out[rowI + j] = s;
      out[rowJ + i] = s;
    }
  }
  return out;
}
