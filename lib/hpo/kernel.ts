/**
 * Matérn 5/2 kernel with automatic relevance determination (one length scale per input dimension) and a signal
 * variance:
 *
 *   k(a, b) = s² (1 + √5 r + 5/3 r²) exp(−√5 r),   r² = Σ_j ((a_j − b_j) / ℓ_j)²
 *
 * Twice differentiable sample paths: smooth enough for hyperparameter response surfaces, rough enough not to
 * over-extrapolate like the squared exponential (Snoek et al., 2012).
 */
export interface KernelParams {
  /** ℓ_j > 0, one per input dimension. */
  lengthScales: ArrayLike<number>;
  /** s² > 0. */
  signalVariance: number;
}

export const SQRT5 = Math.sqrt(5);

/** k as a function of the scaled distance r ≥ 0. */
export function matern52FromDistance(r: number, signalVariance: number): number {
  const sr = SQRT5 * r;
  return signalVariance * (1 + sr + (sr * sr) / 3) * Math.exp(-sr);
}

/**
 * The common factor of the length-scale derivatives: ∂k/∂log ℓ_j = g(r) · (a_j − b_j)² / ℓ_j², with
 * g(r) = s² · 5/3 · (1 + √5 r) exp(−√5 r). (From dk/dr = −s² · 5/3 · r (1 + √5 r) e^{−√5 r} and
 * ∂r/∂log ℓ_j = −(a_j − b_j)² / (ℓ_j² r).)
 */
export function matern52GradientFactor(r: number, signalVariance: number): number {
  const sr = SQRT5 * r;
  return signalVariance * (5 / 3) * (1 + sr) * Math.exp(-sr);
}

/** Scaled squared distance Σ_j ((a_j − b_j) / ℓ_j)². */
export function scaledSquaredDistance(a: ArrayLike<number>, b: ArrayLike<number>, lengthScales: ArrayLike<number>) {
  let r2 = 0;
  for (let j = 0; j < lengthScales.length; j++) {
    const d = (a[j] - b[j]) / lengthScales[j];
    r2 += d * d;
  }
  return r2;
}

export function matern52(a: ArrayLike<number>, b: ArrayLike<number>, params: KernelParams): number {
  return matern52FromDistance(Math.sqrt(scaledSquaredDistance(a, b, params.lengthScales)), params.signalVariance);
}

/** The n × m matrix k(A_i, B_j), row-major. */
export function crossKernel(A: readonly ArrayLike<number>[], B: readonly ArrayLike<number>[], params: KernelParams) {
  const out = new Float64Array(A.length * B.length);
  for (let i = 0; i < A.length; i++) {
    for (let j = 0; j < B.length; j++) out[i * B.length + j] = matern52(A[i], B[j], params);
  }
  return out;
}

/** The symmetric n × n Gram matrix k(X_i, X_j), row-major. */
export function kernelMatrix(X: readonly ArrayLike<number>[], params: KernelParams): Float64Array {
  const n = X.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = params.signalVariance;
    for (let j = 0; j < i; j++) {
      const k = matern52(X[i], X[j], params);
      out[i * n + j] = k;
      out[j * n + i] = k;
    }
  }
  return out;
}
