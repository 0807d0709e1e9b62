import { loadTrainingKernels, loadWatAssembler } from '../../activities/training-kernels';
import { Adam } from '../../lib/models/adam';
import type { DenseKernels } from '../../lib/models/dense-engine';
import { layoutLayers } from '../../lib/models/dense-network';
import { trainDense } from '../../lib/models/dense-trainer';
import { type Epilogue, gemmFunction } from '../../lib/models/kernels/gemm-wat';
import { type WatAssembler, WasmDenseKernels } from '../../lib/models/kernels/wasm-dense-engine';
import { SeededRandom } from '../../lib/models/rng';

interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...args: number[]) => void> };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

let assemble: WatAssembler;
let kernels: DenseKernels;
beforeAll(async () => {
  [assemble, kernels] = await Promise.all([loadWatAssembler(), loadTrainingKernels()]);
});

function instantiate(functions: string) {
  const memory = new wasm.Memory({ initial: 4 });
  const module = new wasm.Module(assemble(`(module (import "env" "memory" (memory 1)) ${functions})`));
  return { exports: new wasm.Instance(module, { env: { memory } }).exports, heap: new Float64Array(memory.buffer) };
}

describe('WebAssembly text assembler (wabt, SIMD enabled)', () => {
  it('assembles scalar and f64x2 code that computes what it says', () => {
    const { exports, heap } = instantiate(`
      (func $axpy (export "axpy") (param $x i32) (param $y i32) (param $a f64) (param $n i32)
        block $done
        loop $next
          local.get $n i32.eqz br_if $done
          local.get $y local.get $a f64x2.splat local.get $x v128.load f64x2.mul local.get $y v128.load f64x2.add
          v128.store
          local.get $x i32.const 16 i32.add local.set $x
          local.get $y i32.const 16 i32.add local.set $y
          local.get $n i32.const 2 i32.sub local.set $n
          br $next
        end
        end)`);
    heap.set([1, 2, 3, 4], 0);
    heap.set([10, 20, 30, 40], 4);
    exports.axpy(0, 32, -0.5, 4);
    expect(Array.from(heap.subarray(4, 8))).toEqual([9.5, 19, 28.5, 38]);
  });

  it('rejects invalid text, saying where', () => {
    expect(() => assemble('(module (func $f (param $a i32) local.get $b))')).toThrow(/undefined local variable "\$b"/);
    expect(() => assemble('(module (func $f (result f64) i32.const 1))')).toThrow(/type mismatch/);
  });
});

describe('f64x2 matrix product kernels', () => {
  /** C = L·B (+ bias) with the epilogue, by plain loops in the same order (init, then k ascending). */
  function naive(l: number[][], b: number[][], bias: number[], mask: number[][], epilogue: Epilogue) {
    return l.map((row, i) =>
      b[0].map((_, j) => {
        let s = epilogue === 'bias' || epilogue === 'biasRelu' ? bias[j] : 0;
        for (let k = 0; k < row.length; k++) s += row[k] * b[k][j];
        if (epilogue === 'biasRelu') return s < 0 ? 0 : s;
        if (epilogue === 'mask') return mask[i][j] > 0 ? s : 0;
        return s;
      }),
    );
  }

  it.each<[number, number, number, Epilogue, boolean]>([
    [7, 5, 6, 'biasRelu', false],
    [13, 3, 10, 'bias', false],
    [5, 9, 2, 'mask', false],
    [4, 11, 14, 'none', true],
    [1, 1, 2, 'none', false],
  ])('M=%i K=%i N=%i (%s, transposed left: %s) equals plain loops bit for bit', (m, k, n, epilogue, transposed) => {
    const random = new SeededRandom(m * 100 + k);
    const matrix = (rows: number, cols: number) =>
      Array.from({ length: rows }, () => Array.from({ length: cols }, () => random.normal()));
    const [left, right, mask] = [matrix(m, k), matrix(k, n), matrix(m, n)];
    const bias = matrix(1, n)[0];
    // The left operand stored as given, or transposed ([k][m]) and read through swapped strides.
    const stored = transposed ? right.map((_, kk) => left.map((row) => row[kk])).flat() : left.flat();
    const { exports, heap } = instantiate(
      gemmFunction({
        name: 'gemm',
        n,
        k: transposed ? null : k,
        leftRowStride: transposed ? 8 : k * 8,
        leftColStride: transposed ? m * 8 : 8,
        rightRowStride: n * 8,
        outRowStride: n * 8,
        epilogue,
      }),
    );
    const [lAt, bAt, biasAt, maskAt, cAt] = [0, 1000, 2000, 3000, 4000];
    heap.set(stored, lAt);
    heap.set(right.flat(), bAt);
    heap.set(bias, biasAt);
    heap.set(mask.flat(), maskAt);
    heap.fill(7, cAt, cAt + m * n + 2);
    exports.gemm(lAt * 8, bAt * 8, biasAt * 8, cAt * 8, maskAt * 8, m, k);
    expect(Array.from(heap.subarray(cAt, cAt + m * n))).toEqual(naive(left, right, bias, mask, epilogue).flat());
    expect(heap[cAt + m * n]).toBe(7);
  });
});

describe('WebAssembly training kernels', () => {
  it('are what workers train on where WebAssembly SIMD is available (Node 20+)', () => {
    expect(kernels).toBeInstanceOf(WasmDenseKernels);
    expect(kernels.kind).toBe('wasm');
  });

  it('run Adam bit-identically to the JavaScript loop, weights with L2 and biases without', () => {
    const sizes = [3, 5, 4];
    const engine = kernels.engine(sizes, 8);
    const random = new SeededRandom(3);
    const n = engine.params.length;
    engine.params.set(Float64Array.from({ length: n }, () => random.normal()));
    const params = Float64Array.from(engine.params);
    const vectorised = new Adam(n, engine.layers, 0.01, 0.3, engine.adam);
    const plain = new Adam(n, engine.layers, 0.01, 0.3);
    for (let step = 0; step < 5; step++) {
      const grads = Float64Array.from({ length: n }, () => random.normal());
      engine.grads.set(grads);
      vectorised.step(engine.params, engine.grads);
      plain.step(params, grads);
    }
    expect(Array.from(engine.params)).toEqual(Array.from(params));
  });

  it.each(['mse', 'softmax', 'sigmoid'] as const)(
    'train to the same weights as the JavaScript kernels (%s loss)',
    (loss) => {
      const random = new SeededRandom(5);
      const rows = 150;
      const d = 3;
      const x = Float64Array.from({ length: rows * d }, () => random.normal());
      const k = loss === 'softmax' ? 3 : 1;
      const y = Float64Array.from({ length: rows }, (_, i) => {
        const s = Math.sin(x[i * d]) + x[i * d + 1] * x[i * d + 2];
        return loss === 'mse' ? s : loss === 'sigmoid' ? Number(s > 0) : s < -0.5 ? 0 : s < 0.5 ? 1 : 2;
      });
      const data = { rowCount: rows, x, y };
      const sizes = [d, 7, 5, k];
      const options = { sizes, loss, learningRate: 0.01, l2: 1e-4, epochs: 8, batchSize: 16, seed: 2 };
      const js = trainDense(data, data, options);
      const fast = trainDense(data, data, { ...options, kernels });
      expect([js.kernels, fast.kernels]).toEqual(['js', 'wasm']);
      expect(fast.params).toHaveLength(layoutLayers(sizes).parameterCount);
      expect(Array.from(fast.params)).toEqual(Array.from(js.params));
      expect(fast.lossHistory).toEqual(js.lossHistory);
      // And the weights moved: training happened.
      expect(fast.lossHistory[7].trainLoss).toBeLessThan(fast.lossHistory[0].trainLoss);
    },
  );
});
