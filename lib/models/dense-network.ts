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
 * Preallocated activations and deltas for up to `capacity` rows, so a training step allocates nothing.
 * acts[0] holds the (gathered) inputs; acts[l + 1] the outputs of layer l; deltas[l + 1] the loss gradient there.
 */
export class DenseWorkspace {
  readonly acts: Float64Array[];
  readonly deltas: Float64Array[];

  constructor(
    readonly sizes: number[],
    readonly layers: LayerSlice[],
    readonly capacity: number,
  ) {
    this.acts = sizes.map((s) => new Float64Array(capacity * s));
    this.deltas = sizes.map((s, l) => new Float64Array(l === 0 ? 0 : capacity * s));
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
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias } = this.layers[l];
      const input = this.acts[l];
      const out = this.acts[l + 1];
      for (let b = 0; b < count; b++) {
        const ib = b * nin;
        const ob = b * nout;
        for (let o = 0; o < nout; o++) out[ob + o] = params[bias + o];
        for (let i = 0; i < nin; i++) {
          const a = input[ib + i];
          if (a === 0) continue;
          const wr = w + i * nout;
          for (let o = 0; o < nout; o++) out[ob + o] += a * params[wr + o];
        }
        if (l < last) for (let o = 0; o < nout; o++) if (out[ob + o] < 0) out[ob + o] = 0;
      }
    }
  }

  /**
   * Summed loss of the first `count` rows against targets y[order[start + b]] (a real value for 'mse', 0/1 for
   * 'sigmoid', a class index for 'softmax'). With `withDelta`, also writes the gradient of the *mean* loss with
   * respect to the outputs into the last delta buffer.
   */
  outputLoss(loss: OutputLoss, y: Float64Array, order: Int32Array, start: number, count: number, withDelta: boolean) {
    const L = this.layers.length;
    const k = this.sizes[L];
    const out = this.acts[L];
    const delta = this.deltas[L];
    const inv = 1 / count;
    let total = 0;
    for (let b = 0; b < count; b++) {
      const t = y[order[start + b]];
      const ob = b * k;
      if (loss === 'mse') {
        const diff = out[ob] - t;
        total += diff * diff;
        if (withDelta) delta[ob] = 2 * diff * inv;
      } else if (loss === 'sigmoid') {
        const z = out[ob];
        total += Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
        if (withDelta) {
          const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
          delta[ob] = (p - t) * inv;
        }
      } else {
        let max = -Infinity;
        for (let c = 0; c < k; c++) if (out[ob + c] > max) max = out[ob + c];
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(out[ob + c] - max);
        total += max + Math.log(sum) - out[ob + t];
        if (withDelta) {
          for (let c = 0; c < k; c++) delta[ob + c] = (Math.exp(out[ob + c] - max) / sum - (c === t ? 1 : 0)) * inv;
        }
      }
    }
    return total;
  }

  /** Accumulates parameter gradients of the first `count` rows into `grads` (which the caller zeroes). */
  backward(params: Float64Array, grads: Float64Array, count: number): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias } = this.layers[l];
      const input = this.acts[l];
      const delta = this.deltas[l + 1];
      for (let b = 0; b < count; b++) {
        const ib = b * nin;
        const db = b * nout;
        for (let o = 0; o < nout; o++) grads[bias + o] += delta[db + o];
        for (let i = 0; i < nin; i++) {
          const a = input[ib + i];
          if (a === 0) continue;
          const wr = w + i * nout;
          for (let o = 0; o < nout; o++) grads[wr + o] += a * delta[db + o];
        }
      }
      if (l === 0) continue;
      // The input of layer l is the ReLU output of layer l − 1: its derivative is 1 where positive, else 0.
      const prev = this.deltas[l];
      for (let b = 0; b < count; b++) {
        const ib = b * nin;
        const db = b * nout;
        for (let i = 0; i < nin; i++) {
          if (input[ib + i] <= 0) {
            prev[ib + i] = 0;
            continue;
          }
          const wr = w + i * nout;
          let s = 0;
          for (let o = 0; o < nout; o++) s += params[wr + o] * delta[db + o];
          prev[ib + i] = s;
        }
      }
    }
  }
}
