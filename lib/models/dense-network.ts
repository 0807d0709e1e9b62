import type { SeededRandom } from './rng';

/** Where one fully connected layer lives in a flat parameter buffer: weights [inputSize][outputSize], then biases. */
export interface LayerSlice {
  inputSize: number;
  outputSize: number;
  weightOffset: number;
  biasOffset: number;
}

/** How the last layer's outputs are scored: squared error, softmax cross-entropy, or sigmoid cross-entropy. */
export type OutputLoss = 'mse' | 'softmax' | 'sigmoid';

/** Layer slices for `sizes` = [inputs, ...hidden, outputs], and the total parameter count. */
export function layoutLayers(sizes: number[]): { layers: LayerSlice[]; parameterCount: number } {
  const layers: LayerSlice[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputSize = sizes[l];
    const outputSize = sizes[l + 1];
    layers.push({ inputSize, outputSize, weightOffset: offset, biasOffset: offset + inputSize * outputSize });
    offset += inputSize * outputSize + outputSize;
  }
  return { layers, parameterCount: offset };
}

/** He-normal weights for ReLU layers, Glorot-uniform for the output layer, zero biases; drawn layer by layer. */
export function initialParameters(layers: LayerSlice[], parameterCount: number, random: SeededRandom): Float64Array {
  const params = new Float64Array(parameterCount);
  layers.forEach(({ inputSize, outputSize, weightOffset }, l) => {
    const count = inputSize * outputSize;
    if (l < layers.length - 1) {
      const std = Math.sqrt(2 / inputSize);
      for (let k = 0; k < count; k++) params[weightOffset + k] = std * random.normal();
    } else {
      const limit = Math.sqrt(6 / (inputSize + outputSize));
      for (let k = 0; k < count; k++) params[weightOffset + k] = limit * (2 * random.uniform() - 1);
    }
  });
  return params;
}

/**
 * Summed loss of `count` output rows (row b at out[b·stride], its first k entries) against targets
 * y[order[start + b]] (a real value for 'mse', 0/1 for 'sigmoid', a class index for 'softmax'). With `delta`, also
 * writes the gradient of the *mean* loss with respect to the outputs there (same layout).
 */
export function outputLoss(
  loss: OutputLoss,
  out: Float64Array,
  delta: Float64Array | null,
  stride: number,
  k: number,
  y: Float64Array,
  order: Int32Array,
  start: number,
  count: number,
): number {
  const inv = 1 / count;
  let total = 0;
  for (let b = 0; b < count; b++) {
    const t = y[order[start + b]];
    const ob = b * stride;
    if (loss === 'mse') {
      const diff = out[ob] - t;
      total += diff * diff;
      if (delta) delta[ob] = 2 * diff * inv;
    } else if (loss === 'sigmoid') {
      const z = out[ob];
      total += Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
      if (delta) {
        const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
        delta[ob] = (p - t) * inv;
      }
    } else {
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (out[ob + c] > max) max = out[ob + c];
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(out[ob + c] - max);
      total += max + Math.log(sum) - out[ob + t];
      if (delta) {
        for (let c = 0; c < k; c++) delta[ob + c] = (Math.exp(out[ob + c] - max) / sum - (c === t ? 1 : 0)) * inv;
      }
    }
  }
  return total;
}

/**
 * Preallocated activations and deltas for up to `capacity` rows, so a training step allocates nothing.
 * acts[0] holds the (gathered) inputs; acts[l + 1] the outputs of layer l; deltas[l + 1] the loss gradient there.
 *
 * Most ReLU outputs are zero once training is under way (often 60–99%, and they are not the same units in every
 * row), so each row's products run over its nonzero entries only: a nonzero input times a weight row forward, and
 * nonzero input × nonzero delta pairs backward. Every sum keeps the order of the plain dense loops (inputs, rows or
 * outputs ascending) and only leaves out zero terms, so results do not depend on this sparsity.
 */
export class DenseWorkspace {
  readonly acts: Float64Array[];
  readonly deltas: Float64Array[];
  /** One row's nonzero entries: values and, per use, a weight-row offset (forward) or a column index (backward). */
  private readonly nzValue: Float64Array;
  private readonly nzIndex: Int32Array;

  constructor(
    readonly sizes: number[],
    readonly layers: LayerSlice[],
    readonly capacity: number,
  ) {
    this.acts = sizes.map((s) => new Float64Array(capacity * s));
    this.deltas = sizes.map((s, l) => new Float64Array(l === 0 ? 0 : capacity * s));
    const width = Math.max(...sizes);
    this.nzValue = new Float64Array(width);
    this.nzIndex = new Int32Array(width);
  }

  /** Copies rows order[start..start+count) of the row-major matrix x into acts[0]. */
  gather(x: Float64Array, order: Int32Array, start: number, count: number): void {
    const d = this.sizes[0];
    const a0 = this.acts[0];
    for (let b = 0; b < count; b++) {
      const src = order[start + b] * d;
      const dst = b * d;
      for (let j = 0; j < d; j++) a0[dst + j] = x[src + j];
    }
  }

  /** Forward pass over the first `count` gathered rows; ReLU after every layer but the last. */
  forward(params: Float64Array, count: number): void {
    const { nzValue, nzIndex } = this;
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias } = this.layers[l];
      const input = this.acts[l];
      const out = this.acts[l + 1];
      const relu = l < last;
      for (let b = 0; b < count; b++) {
        const ib = b * nin;
        const ob = b * nout;
        // The row's nonzero inputs and the offsets of their weight rows (W is row-major [input][output]).
        let nz = 0;
        for (let i = 0; i < nin; i++) {
          const a = input[ib + i];
          if (a !== 0) {
            nzValue[nz] = a;
            nzIndex[nz++] = w + i * nout;
          }
        }
        // Four outputs at a time, summed in registers over the nonzero inputs in ascending order (bias first): the
        // weight reads p..p+3 are contiguous, and each output is stored once.
        let o = 0;
        for (; o + 4 <= nout; o += 4) {
          let s0 = params[bias + o];
          let s1 = params[bias + o + 1];
          let s2 = params[bias + o + 2];
          let s3 = params[bias + o + 3];
          for (let k = 0; k < nz; k++) {
            const a = nzValue[k];
            const p = nzIndex[k] + o;
            s0 += a * params[p];
            s1 += a * params[p + 1];
            s2 += a * params[p + 2];
            s3 += a * params[p + 3];
          }
          out[ob + o] = relu && s0 < 0 ? 0 : s0;
          out[ob + o + 1] = relu && s1 < 0 ? 0 : s1;
          out[ob + o + 2] = relu && s2 < 0 ? 0 : s2;
          out[ob + o + 3] = relu && s3 < 0 ? 0 : s3;
        }
        for (; o < nout; o++) {
          let s = params[bias + o];
          for (let k = 0; k < nz; k++) s += nzValue[k] * params[nzIndex[k] + o];
          out[ob + o] = relu && s < 0 ? 0 : s;
        }
      }
    }
  }

  /** Summed loss of the first `count` rows (see `outputLoss`); with `withDelta` also the last delta buffer. */
  outputLoss(loss: OutputLoss, y: Float64Array, order: Int32Array, start: number, count: number, withDelta: boolean) {
    const L = this.layers.length;
    const k = this.sizes[L];
    return outputLoss(loss, this.acts[L], withDelta ? this.deltas[L] : null, k, k, y, order, start, count);
  }

  /** Accumulates parameter gradients of the first `count` rows into `grads` (which the caller zeroes). */
  backward(params: Float64Array, grads: Float64Array, count: number): void {
    const { nzValue, nzIndex } = this;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias } = this.layers[l];
      const input = this.acts[l];
      const delta = this.deltas[l + 1];
      // Layer 0's inputs are the data: no delta is propagated to them.
      const prev = l > 0 ? this.deltas[l] : null;
      // Row by row, so every gradient entry sums its rows in ascending order, as dW = Xᵀ·dZ would.
      for (let b = 0; b < count; b++) {
        const ib = b * nin;
        const db = b * nout;
        // The row's nonzero deltas (zero wherever the ReLU of this layer's output was inactive) and their columns.
        let nd = 0;
        for (let o = 0; o < nout; o++) {
          const d = delta[db + o];
          if (d !== 0) {
            grads[bias + o] += d;
            nzValue[nd] = d;
            nzIndex[nd++] = o;
          }
        }
        for (let i = 0; i < nin; i++) {
          const a = input[ib + i];
          // A zero input adds nothing to dW, and (being an inactive ReLU output) passes no delta back.
          if (a === 0) {
            if (prev) prev[ib + i] = 0;
            continue;
          }
          // Weight row i: dW[i][o] += a·d[o] and the delta back to input i, Σ W[i][o]·d[o] over o ascending.
          const wr = w + i * nout;
          let s = 0;
          for (let m = 0; m < nd; m++) {
            const p = wr + nzIndex[m];
            const d = nzValue[m];
            grads[p] += a * d;
            s += params[p] * d;
          }
          if (prev) prev[ib + i] = s;
        }
      }
    }
  }
}
