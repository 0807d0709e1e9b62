import type { AdamKernel } from './adam';
import { DenseWorkspace, type LayerSlice, layoutLayers, type OutputLoss } from './dense-network';

/**
 * One network's training state: parameters and gradients in the engine's own layout (`layers`, which Adam walks),
 * and the passes over a gathered mini-batch of up to `capacity` rows.
 */
export interface DenseEngine {
  readonly capacity: number;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly layers: LayerSlice[];
  /** Adam's update in the engine's own kernels, if it has one. */
  readonly adam?: AdamKernel;
  /** Copies rows order[start..start+count) of the row-major matrix x in. */
  gather(x: Float64Array, order: Int32Array, start: number, count: number): void;
  forward(count: number): void;
  /** Summed loss of the gathered rows; with `withDelta`, the output gradient of the mean loss for `backward`. */
  outputLoss(
    loss: OutputLoss,
    y: Float64Array,
    order: Int32Array,
    start: number,
    count: number,
    withDelta: boolean,
  ): number;
  /** Sets `grads` to the gradient of the gathered rows' mean loss. */
  backward(count: number): void;
  /** Parameters in the plain layout of `layoutLayers(sizes)`, from or into `plain`. */
  readParams(plain: Float64Array): void;
  writeParams(plain: Float64Array): void;
}

/**
 * Which kernels train: 'wasm' runs whole mini-batches as register-blocked f64x2 matrix products
 * (kernels/wasm-dense-engine.ts); 'js' runs per-row loops that skip inactive ReLU units. Both sum every entry in the
 * order of plain dense loops, so they train to the same weights; 'wasm' is the faster one once batches or layers are
 * wide (see bench/models).
 */
export type DenseKernel = 'wasm' | 'js';

/** A family of kernels: builds each network's engine. */
export interface DenseKernels {
  readonly kind: DenseKernel;
  engine(sizes: number[], capacity: number): DenseEngine;
}

/** The per-row JavaScript passes of `DenseWorkspace`, with parameters in the plain layout. */
class JsDenseEngine implements DenseEngine {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly layers: LayerSlice[];
  private readonly ws: DenseWorkspace;

  constructor(
    sizes: number[],
    readonly capacity: number,
  ) {
    const { layers, parameterCount } = layoutLayers(sizes);
    this.layers = layers;
    this.params = new Float64Array(parameterCount);
    this.grads = new Float64Array(parameterCount);
    this.ws = new DenseWorkspace(sizes, layers, capacity);
  }

  gather(x: Float64Array, order: Int32Array, start: number, count: number): void {
    this.ws.gather(x, order, start, count);
  }

  forward(count: number): void {
    this.ws.forward(this.params, count);
  }

  outputLoss(loss: OutputLoss, y: Float64Array, order: Int32Array, start: number, count: number, withDelta: boolean) {
    return this.ws.outputLoss(loss, y, order, start, count, withDelta);
  }

  backward(count: number): void {
    this.grads.fill(0);
    this.ws.backward(this.params, this.grads, count);
  }

  readParams(plain: Float64Array): void {
    plain.set(this.params);
  }

  writeParams(plain: Float64Array): void {
    this.params.set(plain);
  }
}

/** The JavaScript kernels: always available, and what the trainers use unless given others. */
export const jsDenseKernels: DenseKernels = {
  kind: 'js',
  engine: (sizes, capacity) => new JsDenseEngine(sizes, capacity),
};
