import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { NumericDataset } from '../../lib/data/dataset';
import type { ClassificationDataset } from '../../lib/models/types';
import { seededRandom } from '../helpers/random';

/** A standard normal draw from a uniform source (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** y = 5·sin(x1) + x2² − 3 + 0.5·x3 + noise, x ∈ [−3, 3]³: nonlinear, targets within about −10..13. */
export function nonlinearRegression(n: number, seed: number, noise = 0.1): NumericDataset {
  const random = seededRandom(seed);
  const features = Array.from({ length: n }, () => [random() * 6 - 3, random() * 6 - 3, random() * 6 - 3]);
  const target = features.map(([a, b, c]) => 5 * Math.sin(a) + b * b - 3 + 0.5 * c + noise * gaussian(random));
  return { featureNames: ['x1', 'x2', 'x3'], targetName: 'y', features, target };
}

/** y = 3 + 2·x1 − 0.5·x2 + noise with x1 ∈ [0, 10], x2 ∈ [−5, 15]. */
export function linearRegression(n: number, seed: number): NumericDataset {
  const random = seededRandom(seed);
  const features = Array.from({ length: n }, () => [random() * 10, random() * 20 - 5]);
  const target = features.map(([a, b]) => 3 + 2 * a - 0.5 * b + 0.3 * gaussian(random));
  return { featureNames: ['x1', 'x2'], targetName: 'y', features, target };
}

/**
 * Gaussian blobs, one per class, in features of very different scales (temperature-like 0..30, a ratio 0..1 and
 * an irrelevant count 0..200), so the trainers must standardise.
 */
export function blobs(n: number, seed: number, centres: [number, number][], spread = 1): ClassificationDataset {
  const random = seededRandom(seed);
  const features: number[][] = [];
  const target: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % centres.length;
    const [t, r] = centres[k];
    features.push([t + 2 * spread * gaussian(random), r + 0.05 * spread * gaussian(random), random() * 200]);
    target.push(k);
  }
  return {
    featureNames: ['temp', 'ratio', 'count'],
    targetName: 'kind',
    features,
    target,
    classes: centres.map((_, k) => `class_${k}`),
  };
}

/** Binary data split by a curved boundary (a ring): not linearly separable, fine for an MLP. */
export function ring(n: number, seed: number): ClassificationDataset {
  const random = seededRandom(seed);
  const features: number[][] = [];
  const target: number[] = [];
  while (features.length < n) {
    const x = random() * 8 - 4;
    const y = random() * 8 - 4;
    const r = Math.hypot(x, y);
    if (Math.abs(r - 2) < 0.3) continue; // leave a margin around the boundary
    features.push([x, y]);
    target.push(r < 2 ? 1 : 0);
  }
  return { featureNames: ['x', 'y'], targetName: 'inside', features, target, classes: ['outside', 'inside'] };
}

/** Rows rounded to float32, so the TypeScript reference sees exactly the inputs onnxruntime gets. */
export function float32Rows(rows: number[][]): number[][] {
  return rows.map((row) => row.map((v) => Math.fround(v)));
}

export interface OnnxOutputs {
  dims: Record<string, readonly number[]>;
  prediction?: number[];
  probabilities?: number[][];
  label?: number[];
}

/** Runs the exported model in onnxruntime-node on `rows` (fed as float32 `features`). */
export async function runOnnx(bytes: Uint8Array, rows: number[][]): Promise<OnnxOutputs> {
  const session = await InferenceSession.create(bytes);
  try {
    const d = rows[0].length;
    const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, d]);
    const out = await session.run({ features: input });
    const result: OnnxOutputs = { dims: {} };
    for (const name of session.outputNames) result.dims[name] = out[name].dims;
    if (out.prediction) result.prediction = Array.from(out.prediction.data as Float32Array);
    if (out.probabilities) {
      const k = out.probabilities.dims[1];
      const flat = Array.from(out.probabilities.data as Float32Array);
      result.probabilities = rows.map((_, i) => flat.slice(i * k, (i + 1) * k));
    }
    if (out.label) result.label = Array.from(out.label.data as BigInt64Array, Number);
    return result;
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

export function accuracy(predicted: number[], target: number[]): number {
  return predicted.filter((p, i) => p === target[i]).length / target.length;
}

/** Bit-exact equality of two float64 vectors (distinguishes −0 from 0, and compares NaN payloads). */
export function bitIdentical(a: number[], b: number[]): boolean {
  return Buffer.from(Float64Array.from(a).buffer).equals(Buffer.from(Float64Array.from(b).buffer));
}
