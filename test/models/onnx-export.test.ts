import { onnx } from 'onnx-proto';
import type { LinearModel } from '../../lib/models/linear';
import { trainLogistic } from '../../lib/models/logistic';
import { trainMlp } from '../../lib/models/mlp';
import { labelGraph, mlpGraph, modelGraph, modelToOnnx } from '../../lib/models/onnx-export';
import { encodeOnnxModel, floatTensor, floatValueInfo, tensorValueInfo } from '../../lib/models/onnx-graph';
import { linearModelToOnnx } from '../../lib/models/onnx-linear';
import { predict, predictRegression } from '../../lib/models/predict';
import { trainRidge } from '../../lib/models/ridge';
import type { Model } from '../../lib/models/types';
import { blobs, float32Rows, linearRegression, maxAbsDiff, nonlinearRegression, runOnnx } from './helpers';

const metadataOf = (bytes: Uint8Array) =>
  Object.fromEntries(onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key, p.value]));

describe('modelToOnnx, linear (ridge)', () => {
  const train = linearRegression(300, 1);
  const test = linearRegression(200, 2);
  const model = trainRidge(train, { l2: 0.1 });

  it('learns and matches onnxruntime within 1e-5', async () => {
    const rows = float32Rows(test.features);
    const ts = predictRegression(model, rows);
    expect(maxAbsDiff(ts, test.target)).toBeLessThan(2);
    const bytes = modelToOnnx(model, { modelName: 'ridge', targetName: 'y', metadata: { run_id: 'r1' } });
    const onnxOut = await runOnnx(bytes, rows);
    expect(onnxOut.dims).toEqual({ prediction: [rows.length, 1] });
    expect(maxAbsDiff(onnxOut.prediction!, ts)).toBeLessThan(1e-5);
    expect(metadataOf(bytes)).toEqual({
      feature_names: '["x1","x2"]',
      target_name: 'y',
      model_type: 'linear',
      run_id: 'r1',
    });
  });

  it('keeps linearModelToOnnx’s contract: same graph outputs, caller may set model_type', async () => {
    const bytes = linearModelToOnnx(model, { modelName: 'ridge', targetName: 'y', metadata: { model_type: 'ridge' } });
    expect(metadataOf(bytes)).toEqual({ feature_names: '["x1","x2"]', target_name: 'y', model_type: 'ridge' });
    const rows = float32Rows(test.features);
    const a = await runOnnx(bytes, rows);
    const b = await runOnnx(modelToOnnx(model, { modelName: 'ridge', targetName: 'y' }), rows);
    expect(a.prediction).toEqual(b.prediction);
    const proto = onnx.ModelProto.decode(bytes);
    expect([Number(proto.irVersion), Number(proto.opsetImport[0].version)]).toEqual([8, 17]);
  });
});

describe('modelToOnnx metadata and validation', () => {
  const data = blobs(120, 1, [
    [5, 0.2],
    [15, 0.8],
    [25, 0.3],
  ]);
  const logistic = trainLogistic(data, { epochs: 20 }, { seed: 1 }).model;

  it('stores classes, model type and the feature order', () => {
    const bytes = modelToOnnx(logistic, { modelName: 'kinds', targetName: 'kind' });
    const props = metadataOf(bytes);
    expect(JSON.parse(props.classes as string)).toEqual(['class_0', 'class_1', 'class_2']);
    expect(props.model_type).toBe('logistic');
    expect(JSON.parse(props.feature_names as string)).toEqual(['temp', 'ratio', 'count']);
    const graph = onnx.ModelProto.decode(bytes).graph!;
    const outputs = graph.output ?? [];
    expect(outputs.map((o) => o.name)).toEqual(['probabilities', 'label']);
    expect(outputs[1].type?.tensorType?.elemType).toBe(onnx.TensorProto.DataType.INT64);
    expect(graph.docString).toContain('Logistic regression over classes class_0, class_1, class_2 for kind');
  });

  it('refuses reserved metadata keys and invalid models, naming the field', () => {
    for (const key of ['feature_names', 'target_name', 'model_type', 'classes']) {
      expect(() => modelToOnnx(logistic, { modelName: 'm', targetName: 't', metadata: { [key]: 'x' } })).toThrow(
        `options.metadata.${key} is reserved`,
      );
    }
    const bad: Model[] = [
      { ...logistic, intercepts: [0, NaN, 1] },
      { ...logistic, weights: logistic.weights.slice(0, 2) },
      { ...logistic, classes: ['a', 'a', 'b'] },
    ];
    expect(() => modelToOnnx(bad[0], { modelName: 'm', targetName: 't' })).toThrow(/intercepts\[1\] is NaN/);
    expect(() => modelToOnnx(bad[1], { modelName: 'm', targetName: 't' })).toThrow(/weights has 2 rows/);
    expect(() => modelToOnnx(bad[2], { modelName: 'm', targetName: 't' })).toThrow(/classes contains duplicates/);
    const linear: LinearModel = { kind: 'linear', featureNames: ['a'], weights: [Infinity], intercept: 0 };
    expect(() => modelToOnnx(linear, { modelName: 'm', targetName: 't' })).toThrow(/weights\[0\] \(feature "a"\)/);
  });

  it('refuses an MLP whose layers do not chain', () => {
    const reg = nonlinearRegression(50, 1);
    const { model } = trainMlp(reg, reg, { epochs: 2, hiddenUnits: 4 }, { task: 'regression', seed: 1 });
    const broken = { ...model, layers: [model.layers[0], { ...model.layers[1], inputSize: 5 }] };
    expect(() => modelToOnnx(broken, { modelName: 'm', targetName: 't' })).toThrow(
      /mlp model: layers\[1\]\.inputSize is 5; expected 4/,
    );
  });
});

describe('model graphs as reusable pieces', () => {
  it('composes behind another piece: here a unit conversion x → 10·x in front of an MLP classifier', async () => {
    const data = blobs(300, 3, [
      [5, 0.2],
      [25, 0.8],
    ]);
    const { model } = trainMlp(data, data, { epochs: 30, hiddenUnits: 8 }, { task: 'classification', seed: 2 });
    const d = model.featureNames.length;
    const piece = mlpGraph(model, 'converted', { prefix: 'clf/' });
    expect(piece.nodes.every((n) => n.name!.startsWith('clf/'))).toBe(true);
    expect(piece.initializers.every((t) => t.name!.startsWith('clf/'))).toBe(true);
    const label = labelGraph(piece.outputName, 'label');
    const bytes = encodeOnnxModel({
      graphName: 'composed',
      docString: 'centimetres in',
      inputs: [floatValueInfo('features', [null, d])],
      outputs: [
        floatValueInfo(piece.outputName, [null, 2]),
        tensorValueInfo('label', onnx.TensorProto.DataType.INT64, [null]),
      ],
      nodes: [
        { name: 'to_cm', opType: 'Mul', input: ['features', 'ten'], output: ['converted'] },
        ...piece.nodes,
        ...label.nodes,
      ],
      initializers: [floatTensor('ten', [], [10]), ...piece.initializers],
      metadata: {},
    });
    const rows = float32Rows(data.features.slice(0, 50).map((r) => r.map((v) => v / 10)));
    const session = await runOnnx(bytes, rows);
    expect(session.dims).toEqual({ 'clf/output': [50, 2], label: [50] });
    const expected = predict(
      model,
      rows.map((r) => r.map((v) => Math.fround(v * 10))),
    );
    if (expected.task !== 'classification') throw new Error('expected a classifier');
    expect(session.label).toEqual(expected.labels);
  });

  it('names pieces after the model kind by default', () => {
    const model: LinearModel = { kind: 'linear', featureNames: ['a', 'b'], weights: [1, 2], intercept: 3 };
    const piece = modelGraph(model, 'x');
    expect(piece.outputName).toBe('linear_output');
    expect(piece.initializers.map((t) => t.name)).toEqual(['linear_W', 'linear_B']);
  });
});
