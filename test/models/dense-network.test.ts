import { loadTrainingKernels } from '../../activities/training-kernels';
import { type DenseEngine, jsDenseKernels } from '../../lib/models/dense-engine';
import { initialParameters, layoutLayers } from '../../lib/models/dense-network';
import { WasmDenseKernels } from '../../lib/models/kernels/wasm-dense-engine';
import { SeededRandom } from '../../lib/models/rng';

/** Plain dense loops (no zero skipping), summing in the same order: the reference the sparse passes must match. */
function reference(sizes: number[], params: Float64Array, x: Float64Array, y: Float64Array, rows: number) {
  const { layers, parameterCount } = layoutLayers(sizes);
  const acts = [Array.from(x)];
  layers.forEach(({ inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias }, l) => {
    const out: number[] = [];
    for (let b = 0; b < rows; b++) {
      for (let o = 0; o < nout; o++) {
        let s = params[bias + o];
        for (let i = 0; i < nin; i++) s += acts[l][b * nin + i] * params[w + i * nout + o];
        out.push(l < layers.length - 1 && s < 0 ? 0 : s);
      }
    }
    acts.push(out);
  });
  const grads = new Float64Array(parameterCount);
  let delta = acts[layers.length].map((z, b) => 2 * (z - y[b]) * (1 / rows));
  for (let l = layers.length - 1; l >= 0; l--) {
    const { inputSize: nin, outputSize: nout, weightOffset: w, biasOffset: bias } = layers[l];
    for (let b = 0; b < rows; b++) {
      for (let o = 0; o < nout; o++) {
        grads[bias + o] += delta[b * nout + o];
        for (let i = 0; i < nin; i++) grads[w + i * nout + o] += acts[l][b * nin + i] * delta[b * nout + o];
      }
    }
    const prev: number[] = [];
    for (let b = 0; b < rows; b++) {
      for (let i = 0; i < nin; i++) {
        let s = 0;
        for (let o = 0; o < nout; o++) s += params[w + i * nout + o] * delta[b * nout + o];
        prev.push(acts[l][b * nin + i] > 0 ? s : 0);
      }
    }
    delta = prev;
  }
  return { out: acts[layers.length], grads, hidden: acts[1] };
}

let wasm: WasmDenseKernels;
beforeAll(async () => {
  const kernels = await loadTrainingKernels();
  if (!(kernels instanceof WasmDenseKernels)) throw new Error(`expected the WebAssembly kernels, got ${kernels.kind}`);
  wasm = kernels;
});

const engines: [string, (sizes: number[], capacity: number) => DenseEngine][] = [
  ['js', (sizes, capacity) => jsDenseKernels.engine(sizes, capacity)],
  ['wasm', (sizes, capacity) => wasm.engine(sizes, capacity)],
  ['wasm, sparse passes', (sizes, capacity) => wasm.engine(sizes, capacity, 1.01, 1.01)],
  ['wasm, dense passes', (sizes, capacity) => wasm.engine(sizes, capacity, 0, 0)],
];

describe.each(engines)('dense engine, %s kernels', (_, create) => {
  it('matches plain dense loops exactly, with many inactive ReLUs and odd widths', () => {
    const sizes = [3, 9, 6, 1];
    const rows = 40;
    const random = new SeededRandom(7);
    const { layers, parameterCount } = layoutLayers(sizes);
    const params = initialParameters(layers, parameterCount, random);
    // Negative hidden biases switch off a good share of the units in each row.
    for (const { biasOffset, outputSize } of layers.slice(0, -1)) {
      for (let o = 0; o < outputSize; o++) params[biasOffset + o] = -0.5 * random.uniform();
    }
    const x = Float64Array.from({ length: rows * 3 }, () => random.normal());
    const y = Float64Array.from({ length: rows }, () => random.normal());
    const order = Int32Array.from({ length: rows }, (_, i) => i);

    const engine = create(sizes, 64);
    engine.writeParams(params);
    engine.gather(x, order, 0, rows);
    engine.forward(rows);
    const loss = engine.outputLoss('mse', y, order, 0, rows, true);
    engine.backward(rows);
    const grads = gradientsOf(engine, sizes);

    const expected = reference(sizes, params, x, y, rows);
    expect(loss).toBe(expected.out.reduce((sum, z, b) => sum + (z - y[b]) ** 2, 0));
    expect(Array.from(grads)).toEqual(Array.from(expected.grads));
    const zeros = expected.hidden.filter((a) => a === 0).length;
    expect(zeros).toBeGreaterThan(rows * 2);
    const back = new Float64Array(parameterCount);
    engine.readParams(back);
    expect(Array.from(back)).toEqual(Array.from(params));
  });
});

/** The gradients in the plain layout: swap them into the parameters' place and read them out. */
function gradientsOf(engine: DenseEngine, sizes: number[]): Float64Array {
  const saved = Float64Array.from(engine.params);
  engine.params.set(engine.grads);
  const grads = new Float64Array(layoutLayers(sizes).parameterCount);
  engine.readParams(grads);
  engine.params.set(saved);
  return grads;
}
