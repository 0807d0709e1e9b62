import { trainLogistic } from '../../lib/models/logistic';
import { modelToOnnx } from '../../lib/models/onnx-export';
import { predictLabels, predictProbabilities } from '../../lib/models/predict';
import { accuracy, bitIdentical, blobs, float32Rows, maxAbsDiff, runOnnx } from './helpers';

const BINARY: [number, number][] = [
  [8, 0.3],
  [16, 0.6],
];
const THREE: [number, number][] = [
  [5, 0.2],
  [15, 0.8],
  [25, 0.3],
];
const options = { modelName: 'kinds', targetName: 'kind' };

describe('trainLogistic, binary', () => {
  const train = blobs(300, 1, BINARY);
  const test = blobs(200, 2, BINARY);
  const { model, lossHistory } = trainLogistic(train, { epochs: 60 }, { seed: 42 });

  it('learns separable classes and stores class 0 as the zero reference', () => {
    expect(accuracy(predictLabels(model, test.features), test.target)).toBeGreaterThanOrEqual(0.9);
    expect(model.classes).toEqual(['class_0', 'class_1']);
    expect(model.weights[0]).toEqual([0, 0, 0]);
    expect(model.intercepts[0]).toBe(0);
    expect(lossHistory).toHaveLength(60);
    expect(lossHistory[59].trainLoss).toBeLessThan(lossHistory[0].trainLoss);
    // Raw units: the first feature separates the classes; the irrelevant count gets a negligible weight.
    expect(model.weights[1][0]).toBeGreaterThan(0);
    expect(Math.abs(model.weights[1][2] * 200)).toBeLessThan(Math.abs(model.weights[1][0] * 8));
  });

  it('matches onnxruntime within 1e-5 (probabilities) and exactly (labels)', async () => {
    const rows = float32Rows(test.features);
    const onnx = await runOnnx(modelToOnnx(model, options), rows);
    expect(onnx.dims).toEqual({ probabilities: [rows.length, 2], label: [rows.length] });
    const expected = predictProbabilities(model, rows);
    expect(maxAbsDiff(onnx.probabilities!.flat(), expected.flat())).toBeLessThan(1e-5);
    expect(onnx.label).toEqual(predictLabels(model, rows));
  });

  it('is deterministic for a seed and depends on it', () => {
    const again = trainLogistic(train, { epochs: 60 }, { seed: 42 }).model;
    expect(bitIdentical(again.weights.flat(), model.weights.flat())).toBe(true);
    expect(bitIdentical(again.intercepts, model.intercepts)).toBe(true);
    const other = trainLogistic(train, { epochs: 60 }, { seed: 43 }).model;
    expect(bitIdentical(other.weights.flat(), model.weights.flat())).toBe(false);
  });
});

describe('trainLogistic, multinomial', () => {
  const train = blobs(300, 3, THREE);
  const test = blobs(300, 4, THREE);

  it.each([
    ['mini-batch', { batchSize: 32, epochs: 80 }],
    ['full-batch', { batchSize: 300, epochs: 400, learningRate: 0.1 }],
  ])('learns three classes by %s gradient descent and matches onnxruntime', async (_, hp) => {
    const { model } = trainLogistic(train, hp, { seed: 7 });
    expect(model.weights).toHaveLength(3);
    const rows = float32Rows(test.features);
    expect(accuracy(predictLabels(model, rows), test.target)).toBeGreaterThanOrEqual(0.9);
    const onnx = await runOnnx(modelToOnnx(model, options), rows);
    expect(onnx.dims.probabilities).toEqual([rows.length, 3]);
    const expected = predictProbabilities(model, rows);
    expect(maxAbsDiff(onnx.probabilities!.flat(), expected.flat())).toBeLessThan(1e-5);
    expect(onnx.label).toEqual(predictLabels(model, rows));
    for (const p of expected) expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
  });

  it('rejects targets that are not class indices', () => {
    expect(() => trainLogistic({ ...train, target: train.target.map((t) => t + 1) }, {}, { seed: 1 })).toThrow(
      /target\[\d+\] is 3; expected a class index in 0..2/,
    );
    expect(() => trainLogistic({ ...train, classes: ['only'] }, {}, { seed: 1 })).toThrow(/at least 2/);
  });
});
