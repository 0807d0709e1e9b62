import type { LayerSlice } from './dense-network';

export const BETA1 = 0.9;
export const BETA2 = 0.999;
export const EPSILON = 1e-8;

/**
 * An implementation of `Adam.update` elsewhere (e.g. vectorised, with its own m and v), doing exactly the same
 * operations per parameter so that the result is bit-identical.
 */
export interface AdamKernel {
  adamUpdate(from: number, to: number, l2: number, learningRate: number, c1: number, c2: number): void;
}

/** Adam with L2 added to the weight gradients (not the biases): loss + (l2 / 2)·‖W‖². */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private beta1Power = 1;
  private beta2Power = 1;

  constructor(
    parameterCount: number,
    private readonly layers: LayerSlice[],
    private readonly learningRate: number,
    private readonly l2: number,
    private readonly kernel?: AdamKernel,
  ) {
    // A kernel keeps its own moments.
    this.m = new Float64Array(kernel ? 0 : parameterCount);
    this.v = new Float64Array(kernel ? 0 : parameterCount);
  }

  step(params: Float64Array, grads: Float64Array): void {
    this.beta1Power *= BETA1;
    this.beta2Power *= BETA2;
    for (const { weightOffset, biasOffset, outputSize } of this.layers) {
      this.update(params, grads, weightOffset, biasOffset, this.l2);
      this.update(params, grads, biasOffset, biasOffset + outputSize, 0);
    }
  }

  /** Adam on params[from..to), with l2·param added to each gradient when l2 > 0 (weights, not biases). */
  private update(params: Float64Array, grads: Float64Array, from: number, to: number, l2: number): void {
    const { m, v, learningRate } = this;
    const c1 = 1 - this.beta1Power;
    const c2 = 1 - this.beta2Power;
    if (this.kernel) {
      this.kernel.adamUpdate(from, to, l2, learningRate, c1, c2);
      return;
    }
    for (let k = from; k < to; k++) {
      const g = l2 > 0 ? grads[k] + l2 * params[k] : grads[k];
      const mk = BETA1 * m[k] + (1 - BETA1) * g;
      const vk = BETA2 * v[k] + (1 - BETA2) * g * g;
      m[k] = mk;
      v[k] = vk;
      params[k] -= (learningRate * (mk / c1)) / (Math.sqrt(vk / c2) + EPSILON);
    }
  }
}
