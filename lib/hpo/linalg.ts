/** Small dense linear algebra on row-major Float64Arrays, for the Gaussian process. */

/**
 * In-place lower Cholesky factor of the symmetric positive-definite n × n matrix `A` (only the lower triangle is
 * read; the upper triangle is zeroed). Returns false, leaving `A` partly overwritten, if a pivot is not positive.
 */
export function choleskyInPlace(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = A[rowJ + j];
    for (let k = 0; k < j; k++) d -= A[rowJ + k] * A[rowJ + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    A[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = A[rowI + j];
      for (let k = 0; k < j; k++) s -= A[rowI + k] * A[rowJ + k];
      A[rowI + j] = s / ljj;
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
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[row + k] * out[k];
    out[i] = s / L[row + i];
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

/** (L Lᵀ)⁻¹ from the lower Cholesky factor L, as a full symmetric row-major matrix. */
export function choleskyInverse(L: Float64Array, n: number): Float64Array {
  // M = L⁻¹ (lower triangular), row by row: M_i = (e_i − Σ_{k<i} L_ik M_k) / L_ii, contiguous inner loops.
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < i; k++) {
      const lik = L[row + k];
      if (lik === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) M[row + j] -= lik * M[rowK + j];
    }
    M[row + i] += 1;
    const inv = 1 / L[row + i];
    for (let j = 0; j <= i; j++) M[row + j] *= inv;
  }
  // A⁻¹ = Mᵀ M: (A⁻¹)_ij = Σ_{k ≥ max(i,j)} M_ki M_kj.
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const row = k * n;
    for (let i = 0; i <= k; i++) {
      const mki = M[row + i];
      if (mki === 0) continue;
      const out = i * n;
      for (let j = 0; j <= i; j++) inv[out + j] += mki * M[row + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j];
  return inv;
}
