import { meanSquaredError } from '../../lib/metrics';
import { trainMlp } from '../../lib/models/mlp';
import { modelToOnnx } from '../../lib/models/onnx-export';
import { predictLabels, predictProbabilities, predictRegression } from '../../lib/models/predict';
import type { MlpModel } from '../../lib/models/types';
import { accuracy, bitIdentical, blobs, float32Rows, maxAbsDiff, nonlinearRegression, ring, runOnnx } from './helpers';

const allParameters = (model: MlpModel) => model.layers.flatMap((l) => [...l.weights, ...l.biases]);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('trainMlp, regression', () => {
  const train = nonlinearRegression(400, 1);
  const validation = nonlinearRegression(100, 2);
  const test = nonlinearRegression(200, 3);
  const hp = { hiddenUnits: 32, hiddenLayers: 2, epochs: 150, patience: 30, learningRate: 0.01, batchSize: 32 };
  const result = trainMlp(train, validation, hp, { task: 'regression', seed: 11 });
  const { model } = result;

  it('learns a nonlinear function far better than the mean baseline', () => {
    const baseline = meanSquaredError(
      test.target,
      test.target.map(() => mean(train.target)),
    );
    const mse = meanSquaredError(test.target, predictRegression(model, test.features));
    expect(mse).toBeLessThan(baseline / 20);
    expect(model.layers.map((l) => [l.inputSize, l.outputSize])).toEqual([
      [3, 32],
      [32, 32],
      [32, 1],
    ]);
    expect(result.lossHistory[result.bestEpoch - 1].valLoss).toBe(
      Math.min(...result.lossHistory.map((h) => h.valLoss)),
    );
  });

  it('matches onnxruntime within 1e-5', async () => {
    const rows = float32Rows(test.features);
    const onnx = await runOnnx(modelToOnnx(model, { modelName: 'mlp', targetName: 'y' }), rows);
    expect(onnx.dims).toEqual({ prediction: [rows.length, 1] });
    expect(maxAbsDiff(onnx.prediction!, predictRegression(model, rows))).toBeLessThan(1e-5);
  });

  it('gives bit-identical weights for the same seed and different ones for another seed', () => {
    const again = trainMlp(train, validation, hp, { task: 'regression', seed: 11 });
    expect(bitIdentical(allParameters(again.model), allParameters(model))).toBe(true);
    expect(again.lossHistory).toEqual(result.lossHistory);
    const other = trainMlp(train, validation, hp, { task: 'regression', seed: 12 });
    expect(bitIdentical(allParameters(other.model), allParameters(model))).toBe(false);
  });

  it('reports losses per epoch in target units', () => {
    const seen: [number, number, number][] = [];
    const short = trainMlp(
      train,
      validation,
      { ...hp, epochs: 5 },
      {
        task: 'regression',
        seed: 11,
        onEpoch: (epoch, trainLoss, valLoss) => seen.push([epoch, trainLoss, valLoss]),
      },
    );
    expect(seen.map(([e]) => e)).toEqual([1, 2, 3, 4, 5]);
    expect(short.lossHistory.map((h) => [h.epoch, h.trainLoss, h.valLoss])).toEqual(seen);
    // The validation loss is the MSE of the returned (best-epoch) model on the validation rows.
    const best = short.lossHistory[short.bestEpoch - 1].valLoss;
    const direct = meanSquaredError(validation.target, predictRegression(short.model, validation.features));
    expect(Math.abs(best - direct) / direct).toBeLessThan(1e-9);
  });
});

describe('trainMlp, early stopping', () => {
  it('stops once validation loss stops improving and returns the best epoch’s weights', () => {
    // Few, noisy training rows and a wide network overfit quickly: the validation loss turns up.
    const train = nonlinearRegression(40, 5, 3);
    const validation = nonlinearRegression(200, 6, 3);
    const hp = { hiddenUnits: 128, hiddenLayers: 2, epochs: 2000, patience: 15, learningRate: 0.01, l2: 1e-8 };
    const result = trainMlp(train, validation, hp, { task: 'regression', seed: 3 });
    const epochsRun = result.lossHistory.length;
    expect(result.stoppedEarly).toBe(true);
    expect(epochsRun).toBeLessThan(2000);
    expect(epochsRun).toBe(result.bestEpoch + 15);
    const valLosses = result.lossHistory.map((h) => h.valLoss);
    expect(Math.min(...valLosses.slice(result.bestEpoch))).toBeGreaterThanOrEqual(valLosses[result.bestEpoch - 1]);
    const direct = meanSquaredError(validation.target, predictRegression(result.model, validation.features));
    expect(Math.abs(direct - valLosses[result.bestEpoch - 1]) / direct).toBeLessThan(1e-9);
    // The last epoch's weights were worse on validation than the returned ones.
    expect(valLosses[epochsRun - 1]).toBeGreaterThan(direct);
  });
});

describe('trainMlp, classification', () => {
  it('learns a curved boundary and matches onnxruntime', async () => {
    const train = ring(400, 1);
    const validation = ring(100, 2);
    const test = ring(300, 3);
    const hp = { hiddenUnits: 16, epochs: 200, patience: 20, learningRate: 0.02 };
    const { model } = trainMlp(train, validation, hp, { task: 'classification', seed: 5 });
    expect(model.classes).toEqual(['outside', 'inside']);
    const rows = float32Rows(test.features);
    expect(accuracy(predictLabels(model, rows), test.target)).toBeGreaterThanOrEqual(0.9);
    const onnx = await runOnnx(modelToOnnx(model, { modelName: 'ring', targetName: 'inside' }), rows);
    expect(onnx.dims).toEqual({ probabilities: [rows.length, 2], label: [rows.length] });
    expect(maxAbsDiff(onnx.probabilities!.flat(), predictProbabilities(model, rows).flat())).toBeLessThan(1e-5);
    expect(onnx.label).toEqual(predictLabels(model, rows));
  });

  it('handles several classes, is deterministic and matches onnxruntime', async () => {
    const centres: [number, number][] = [
      [5, 0.2],
      [15, 0.8],
      [25, 0.3],
      [15, 0.2],
    ];
    const train = blobs(400, 7, centres);
    const validation = blobs(100, 8, centres);
    const test = blobs(200, 9, centres);
    const hp = { hiddenUnits: 24, epochs: 60, batchSize: 16 };
    const { model } = trainMlp(train, validation, hp, { task: 'classification', seed: 9 });
    const again = trainMlp(train, validation, hp, { task: 'classification', seed: 9 }).model;
    expect(bitIdentical(allParameters(again), allParameters(model))).toBe(true);
    const rows = float32Rows(test.features);
    expect(accuracy(predictLabels(model, rows), test.target)).toBeGreaterThanOrEqual(0.9);
    const onnx = await runOnnx(modelToOnnx(model, { modelName: 'blobs', targetName: 'kind' }), rows);
    expect(onnx.dims.probabilities).toEqual([rows.length, 4]);
    expect(maxAbsDiff(onnx.probabilities!.flat(), predictProbabilities(model, rows).flat())).toBeLessThan(1e-5);
    expect(onnx.label).toEqual(predictLabels(model, rows));
  });

  it('rejects a dataset without classes, and mismatched validation columns', () => {
    const reg = nonlinearRegression(20, 1);
    expect(() => trainMlp(reg, reg, {}, { task: 'classification', seed: 1 })).toThrow(
      /needs a dataset with a "classes"/,
    );
    const other = { ...reg, featureNames: ['x1', 'x3', 'x2'] };
    expect(() => trainMlp(reg, other, {}, { task: 'regression', seed: 1 })).toThrow(/featureNames differ/);
  });
});
