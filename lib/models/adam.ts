import type { LayerSlice } from './dense-network';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

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
  ) {
    this.m = new Float64Array(parameterCount);
    this.v = new Float64Array(parameterCount);
  }

  step(params: Float64Array, grads: Float64Array): void {
    const { m, v, learningRate, l2 } = this;
    if (l2 > 0) {
      for (const { weightOffset, biasOffset } of this.layers) {
        for (let k = weightOffset; k < biasOffset; k++) grads[k] += l2 * params[k];
      }
    }
    this.beta1Power *= BETA1;
    this.beta2Power *= BETA2;
    const c1 = 1 - this.beta1Power;
    const c2 = 1 - this.beta2Power;
    for (let k = 0; k < params.length; k++) {
      const g = grads[k];
      m[k] = BETA1 * m[k] + (1 - BETA1) * g;
      v[k] = BETA2 * v[k] + (1 - BETA2) * g * g;
      params[k] -= (learningRate * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + EPSILON);
    }
  }
}
