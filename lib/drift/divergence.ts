/**
 * Divergences between two histograms over the same bins. Each takes raw counts and normalises them inside, so callers
 * pass the reference's training counts and a window's live counts as they are. Natural logarithms throughout (nats).
 */

/** Proportions of `counts` with `smoothing` added to every bin, renormalised: (c_i / n + ε) / (1 + kε). */
export function smoothedProportions(counts: ArrayLike<number>, smoothing: number, label = 'histogram'): Float64Array {
  if (!(smoothing >= 0) || !Number.isFinite(smoothing)) {
    throw new RangeError(`smoothing must be a finite number >= 0, got ${smoothing}`);
  }
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`${label} has an invalid count ${c} in bin ${i}`);
    total += c;
  }
  if (!(total > 0)) throw new RangeError(`${label} is empty (all ${counts.length} bins are 0)`);
  const norm = 1 + counts.length * smoothing;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = (counts[i] / total + smoothing) / norm;
  return out;
}

function checkSameBins(p: ArrayLike<number>, q: ArrayLike<number>): void {
  if (p.length !== q.length) throw new RangeError(`histograms have different bin counts: ${p.length} and ${q.length}`);
  if (p.length === 0) throw new RangeError('histograms have no bins');
}

/**
 * Kullback-Leibler divergence D(P ‖ Q) = Σ p_i ln(p_i / q_i) of two count vectors, after additive smoothing of both
 * (see smoothedProportions). Drift monitoring passes P = training, Q = live. A bin with p_i = 0 adds nothing.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, smoothing: number): number {
  checkSameBins(p, q);
  const pp = smoothedProportions(p, smoothing, 'P');
  const qq = smoothedProportions(q, smoothing, 'Q');
  let sum = 0;
  for (let i = 0; i < pp.length; i++) {
    if (pp[i] > 0) sum += pp[i] * Math.log(pp[i] / qq[i]);
  }
  // Rounding can leave -1e-17 for identical inputs: a divergence is never negative.
  return sum > 0 ? sum : 0;
}

/**
 * Population stability index Σ (q_i − p_i) ln(q_i / p_i) = D(P‖Q) + D(Q‖P), after the same smoothing as klDivergence
 * (PSI needs it on both sides: an empty bin on either side makes it infinite).
 */
export function psi(p: ArrayLike<number>, q: ArrayLike<number>, smoothing: number): number {
  checkSameBins(p, q);
  const pp = smoothedProportions(p, smoothing, 'P');
  const qq = smoothedProportions(q, smoothing, 'Q');
  let sum = 0;
  for (let i = 0; i < pp.length; i++) {
    if (pp[i] !== qq[i]) sum += (qq[i] - pp[i]) * Math.log(qq[i] / pp[i]);
  }
  return sum > 0 ? sum : 0;
}

/**
 * Jensen-Shannon divergence ½ D(P‖M) + ½ D(Q‖M) with M = ½ (P + Q), in nats: symmetric, finite without smoothing and
 * at most ln 2. `smoothing` defaults to 0 (M is never 0 where P or Q is not).
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, smoothing = 0): number {
  checkSameBins(p, q);
  const pp = smoothedProportions(p, smoothing, 'P');
  const qq = smoothedProportions(q, smoothing, 'Q');
  let sum = 0;
  for (let i = 0; i < pp.length; i++) {
    const m = (pp[i] + qq[i]) / 2;
    if (pp[i] > 0) sum += pp[i] * Math.log(pp[i] / m);
    if (qq[i] > 0) sum += qq[i] * Math.log(qq[i] / m);
  }
  const js = sum / 2;
  return js > 0 ? Math.min(js, Math.LN2) : 0;
}
