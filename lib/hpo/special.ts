/** Normal-distribution special functions in double precision, for the acquisition function. */

const SQRT_PI = Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** log √(2π) */
const C1 = 0.5 * Math.log(2 * Math.PI);
/** log √(π/2) */
const C2 = 0.5 * Math.log(Math.PI / 2);

/**
 * Scaled complementary error function erfcx(x) = exp(x²) erfc(x), accurate to ~1e-14 relative for all x ≥ 0
 * (it never underflows: erfcx(x) ~ 1/(x√π) as x → ∞).
 * - x < 1.5: exp(x²) − (2/√π) Σ 2ⁿ x^{2n+1} / (2n+1)!! (the all-positive series of exp(x²) erf(x), A&S 7.1.6);
 * - x ≥ 1.5: the Laplace continued fraction 1/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz.
 * For x < 0 it uses erfcx(x) = 2 exp(x²) − erfcx(−x), which overflows below x ≈ −26.6.
 */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 1.5) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 0; n < 200 && term > 1e-17 * sum; n++) {
      term *= x2 / (2 * n + 3);
      sum += term;
    }
    return Math.exp(x * x) - (2 / SQRT_PI) * sum;
  }
  if (x > 1e8) return 1 / (x * SQRT_PI);
  const tiny = 1e-300;
  let f = x;
  let C = f;
  let D = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    D = x + a * D;
    D = D === 0 ? 1 / tiny : 1 / D;
    C = x + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

/** erfc(x) = 1 − erf(x) without cancellation for large x. */
export function erfc(x: number): number {
  if (x >= 0) return Math.exp(-x * x) * erfcx(x);
  return 2 - Math.exp(-x * x) * erfcx(-x);
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Standard normal distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** log(1 − exp(a)) for a < 0, accurate near 0 and for very negative a (Mächler, 2012). */
export function log1mexp(a: number): number {
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

/** h(z) = φ(z) + z Φ(z), so that EI = σ h((best − μ)/σ). Underflows to 0 below z ≈ −38. */
export function improvementFunction(z: number): number {
  return normalPdf(z) + z * normalCdf(z);
}

/**
 * log h(z), finite for every finite z (Ament et al., 2023, "Unexpected Improvements to Expected Improvement",
 * eq. 9), in three regimes:
 * - z > −1: log(φ(z) + z Φ(z)) directly, no cancellation to speak of;
 * - −1000 < z ≤ −1: h(z) = φ(z) (1 − |z| erfcx(|z|/√2) √(π/2)), so
 *   log h = −z²/2 − log √(2π) + log1mexp(log(|z| erfcx(|z|/√2)) + log √(π/2));
 * - z ≤ −1000: the asymptotic expansion h(z) = φ(z)/z² (1 − 3/z² + 15/z⁴ − 105/z⁶ + …), whose next term is below
 *   1e-22 there (more accurate than the erfcx form, whose 1 − … loses z²·ε).
 */
export function logImprovementFunction(z: number): number {
  if (z > -1) return Math.log(improvementFunction(z));
  if (z > -1000) {
    const a = Math.log(-z * erfcx(-z / Math.SQRT2)) + C2;
    if (a < 0) return -0.5 * z * z - C1 + log1mexp(a);
  }
  z = Math.max(z, -1e150); // keeps z² finite; h is 0 to any precision there anyway
  const w = 1 / (z * z);
  return -0.5 * z * z - C1 + Math.log(w) + Math.log1p(w * (-3 + w * (15 - 105 * w)));
}

/**
 * d/dz log h(z) = Φ(z) / h(z) (since h′ = Φ), finite for every finite z: directly for z > −1, else as
 * exp(log Φ(z) − log h(z)) with log Φ(z) = log(erfcx(−z/√2) / 2) − z²/2 (→ −z as z → −∞).
 */
export function logImprovementFunctionDerivative(z: number): number {
  if (z > -1) return normalCdf(z) / improvementFunction(z);
  const logCdf = Math.log(0.5 * erfcx(-z / Math.SQRT2)) - 0.5 * Math.min(z * z, 1e300);
  return Math.exp(logCdf - logImprovementFunction(z));
}
