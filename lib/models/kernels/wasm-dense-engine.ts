import { type AdamKernel, BETA1, BETA2, EPSILON } from '../adam';
import type { DenseKernels } from '../dense-engine';
import { type LayerSlice, layoutLayers, type OutputLoss, outputLoss } from '../dense-network';
import { denseKernelsWat } from './dense-wat';

/** The parts of the global WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, (...args: number[]) => void> };
  validate(bytes: Uint8Array): boolean;
}

const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const PAGE = 65536;
/**
 * A layer's backward pass runs over nonzero entries only (scalar) when the share of nonzero input × delta pairs is
 * below this, and as dense f64x2 matrix products otherwise; both give the same numbers, so this tunes speed only.
 */
export const SPARSE_BACKWARD_BELOW = 0.5;
/** Likewise, a hidden layer's forward pass visits nonzero inputs only (f64x2 over the outputs) below this density. */
export const SPARSE_FORWARD_BELOW = 0.5;
/** Rows sampled at the start of a batch to estimate that share. */
const DENSITY_SAMPLE_ROWS = 32;

/** WebAssembly text to a module binary, with the SIMD feature (e.g. wabt's parser, loaded by the caller). */
export type WatAssembler = (wat: string) => Uint8Array;

const MAX_CACHED_MODULES = 32;

/** The WebAssembly kernels, assembled by `assemble` when a network of a new shape is first trained. */
export class WasmDenseKernels implements DenseKernels {
  readonly kind = 'wasm';
  /** Compiled modules by stored layer widths (the kernels depend on the widths only); a sweep reuses a few shapes. */
  private readonly modules = new Map<string, object>();

  constructor(private readonly assemble: WatAssembler) {}

  /** Share thresholds of the sparse passes can be set for tests; they change speed only. */
  engine(sizes: number[], capacity: number, sparseBelow?: number, sparseForwardBelow?: number): WasmDenseEngine {
    return new WasmDenseEngine(this, sizes, capacity, sparseBelow, sparseForwardBelow);
  }

  module(widths: number[]): object {
    const key = widths.join(',');
    let module = this.modules.get(key);
    if (!module) {
      if (!api) throw new RangeError('WebAssembly is not available in this runtime');
      module = new api.Module(this.assemble(denseKernelsWat(widths)));
      if (this.modules.size >= MAX_CACHED_MODULES) this.modules.delete(this.modules.keys().next().value as string);
      this.modules.set(key, module);
    }
    return module;
  }
}

/** The WebAssembly kernels, or null where the runtime cannot run their f64x2 code (checked on a tiny network). */
export function wasmDenseKernels(assemble: WatAssembler): WasmDenseKernels | null {
  return api?.validate(assemble(denseKernelsWat([1, 2]))) ? new WasmDenseKernels(assemble) : null;
}

/**
 * Mini-batch passes as matrix products in WebAssembly (see kernels/gemm-wat.ts). Parameters, gradients,
 * activations and deltas live in the instance's memory; `params` and `grads` are views of it. Layer outputs are
 * stored with an even width (zero weights, biases, activations and gradients in the padding), so `layers` — the
 * stored layout, which Adam walks — is larger than `layoutLayers(sizes)` when a width is odd.
 */
export class WasmDenseEngine implements AdamKernel {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly layers: LayerSlice[];
  private readonly widths: number[];
  private readonly plainLayers: LayerSlice[];
  private readonly acts: number[] = [];
  private readonly deltas: number[] = [];
  private readonly transposed: number;
  /** Scratch of the sparse backward pass: one row's nonzero deltas and their byte offsets. */
  private readonly nzValues: number;
  private readonly nzOffsets: number;
  /** Adam's first and second moments, per stored parameter. */
  private readonly moments: [number, number];
  private readonly memory: Float64Array;
  private readonly kernels: Record<string, (...args: number[]) => void>;

  constructor(
    kernels: WasmDenseKernels,
    readonly sizes: number[],
    readonly capacity: number,
    /** Share of nonzero pairs below which a layer's backward pass goes sparse (1.01: always, 0: never). */
    private readonly sparseBelow = SPARSE_BACKWARD_BELOW,
    private readonly sparseForwardBelow = SPARSE_FORWARD_BELOW,
  ) {
    this.widths = sizes.map((s, l) => (l === 0 ? s : s + (s % 2)));
    const { layers, parameterCount } = layoutLayers(this.widths);
    this.layers = layers;
    this.plainLayers = layoutLayers(sizes).layers;
    // Byte offsets, 16-aligned: params, grads, Wᵀ scratch, then per layer activations and deltas.
    let top = 0;
    const take = (doubles: number) => {
      const at = top;
      top += Math.ceil((doubles * 8) / 16) * 16;
      return at;
    };
    const paramsAt = take(parameterCount);
    const gradsAt = take(parameterCount);
    this.moments = [take(parameterCount), take(parameterCount)];
    this.transposed = take(Math.max(0, ...layers.map((s) => s.inputSize * s.outputSize)));
    this.nzValues = take(Math.max(...this.widths));
    this.nzOffsets = take(Math.max(...this.widths) / 2);
    for (const width of this.widths) {
      this.acts.push(take(capacity * width));
      this.deltas.push(take(capacity * width));
    }
    if (!api) throw new RangeError('WebAssembly is not available in this runtime');
    const memory = new api.Memory({ initial: Math.max(1, Math.ceil(top / PAGE)) });
    this.kernels = new api.Instance(kernels.module(this.widths), { env: { memory } }).exports;
    this.memory = new Float64Array(memory.buffer);
    this.params = this.memory.subarray(paramsAt / 8, paramsAt / 8 + parameterCount);
    this.grads = this.memory.subarray(gradsAt / 8, gradsAt / 8 + parameterCount);
  }

  gather(x: Float64Array, order: Int32Array, start: number, count: number): void {
    const d = this.widths[0];
    const a0 = this.memory;
    const base = this.acts[0] / 8;
    for (let b = 0; b < count; b++) {
      const src = order[start + b] * d;
      const dst = base + b * d;
      for (let j = 0; j < d; j++) a0[dst + j] = x[src + j];
    }
  }

  forward(count: number): void {
    const { kernels, acts, layers } = this;
    for (let l = 0; l < layers.length; l++) {
      const { inputSize: nin, weightOffset, biasOffset } = layers[l];
      const [w, bias] = [this.address(weightOffset), this.address(biasOffset)];
      if (l > 0 && this.density(acts[l], nin, count) < this.sparseForwardBelow) {
        kernels[`sparseForward${l}`](acts[l], w, bias, acts[l + 1], this.nzValues, this.nzOffsets, count);
      } else kernels[`forward${l}`](acts[l], w, bias, acts[l + 1], 0, count);
    }
  }

  outputLoss(loss: OutputLoss, y: Float64Array, order: Int32Array, start: number, count: number, withDelta: boolean) {
    const L = this.layers.length;
    const width = this.widths[L];
    const out = this.memory.subarray(this.acts[L] / 8, this.acts[L] / 8 + count * width);
    const delta = withDelta ? this.memory.subarray(this.deltas[L] / 8, this.deltas[L] / 8 + count * width) : null;
    return outputLoss(loss, out, delta, width, this.sizes[L], y, order, start, count);
  }

  backward(count: number): void {
    const { kernels, acts, deltas, layers, widths } = this;
    const last = layers.length - 1;
    for (let l = last; l >= 0; l--) {
      const { inputSize: nin, outputSize: nout, weightOffset, biasOffset } = layers[l];
      // Inputs of layer 0 are data; deltas of the last layer are dense.
      const pairs =
        (l > 0 ? this.density(acts[l], nin, count) : 1) * (l < last ? this.density(deltas[l + 1], nout, count) : 1);
      if (pairs < this.sparseBelow) {
        this.grads.fill(0, weightOffset, biasOffset + nout);
        const [gw, gb] = [this.gradAddress(weightOffset), this.gradAddress(biasOffset)];
        const scratch = [this.nzValues, this.nzOffsets, count, nin, nout, l > 0 ? 1 : 0];
        kernels.sparseBackward(acts[l], deltas[l + 1], deltas[l], this.address(weightOffset), gw, gb, ...scratch);
        continue;
      }
      kernels[`weightGrad${l}`](acts[l], deltas[l + 1], 0, this.gradAddress(weightOffset), 0, nin, count);
      kernels.columnSums(deltas[l + 1], this.gradAddress(biasOffset), count, nout / 2, widths[l + 1] * 8);
      if (l > 0) {
        kernels.transpose(this.address(weightOffset), this.transposed, nin, nout);
        kernels[`inputDelta${l}`](deltas[l + 1], this.transposed, 0, deltas[l], acts[l], count);
      }
    }
  }

  /** Share of nonzero entries in the first rows of a batch matrix of `width` columns. */
  private density(at: number, width: number, count: number): number {
    const entries = Math.min(count, DENSITY_SAMPLE_ROWS) * width;
    return (this.kernels.nonzeros(at, entries) as unknown as number) / entries;
  }

  /** The engine runs Adam's update itself (`adamUpdate`). */
  get adam(): AdamKernel {
    return this;
  }

  /** Adam's update of params[from..to) in WebAssembly (bit-identical to `Adam`'s own loop). */
  adamUpdate(from: number, to: number, l2: number, learningRate: number, c1: number, c2: number): void {
    const [m, v] = this.moments;
    const [params, grads] = [this.address(from), this.gradAddress(from)];
    const constants = [BETA1, 1 - BETA1, BETA2, 1 - BETA2, EPSILON];
    this.kernels.adam(params, grads, m + from * 8, v + from * 8, to - from, l2, learningRate, c1, c2, ...constants);
  }

  readParams(plain: Float64Array): void {
    this.copy(plain, false);
  }

  writeParams(plain: Float64Array): void {
    this.copy(plain, true);
  }

  /** Between the plain layout and the stored one (rows of `outputSize` doubles in each). */
  private copy(plain: Float64Array, toStored: boolean): void {
    this.plainLayers.forEach((p, l) => {
      const s = this.layers[l];
      for (let i = 0; i <= p.inputSize; i++) {
        // Rows 0..inputSize-1 are weights, row inputSize the biases.
        const from = i < p.inputSize ? p.weightOffset + i * p.outputSize : p.biasOffset;
        const to = i < p.inputSize ? s.weightOffset + i * s.outputSize : s.biasOffset;
        for (let o = 0; o < p.outputSize; o++) {
          if (toStored) this.params[to + o] = plain[from + o];
          else plain[from + o] = this.params[to + o];
        }
      }
    });
  }

  private address(paramIndex: number): number {
    return this.params.byteOffset + paramIndex * 8;
  }

  private gradAddress(paramIndex: number): number {
    return this.grads.byteOffset + paramIndex * 8;
  }
}
