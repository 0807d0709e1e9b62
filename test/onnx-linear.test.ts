import { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import {
  type LinearModel,
  linearModelToOnnx,
  ONNX_INPUT_NAME,
  ONNX_OUTPUT_NAME,
  predictLinear,
} from '../lib/models/onnx-linear';
import { seededRandom } from './helpers/random';

const model: LinearModel = {
  kind: 'linear',
  featureNames: ['temp_max', 'wind', 'precipitation'],
  weights: [0.9, -0.3, 1.7],
  intercept: 5.2,
};
const options = { modelName: 'weather-linear', targetName: 'temp_min', metadata: { run_id: 'run-42' } };

describe('linearModelToOnnx', () => {
  it('runs in onnxruntime-node and matches the TypeScript predictions within 1e-5', async () => {
    const session = await InferenceSession.create(linearModelToOnnx(model, options));
    expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
    expect(session.outputNames).toEqual([ONNX_OUTPUT_NAME]);

    const random = seededRandom(7);
    // Seattle-like weather: temp_max 0..30 °C, wind 0..10 m/s, precipitation 0..5 mm, so targets stay within 0..41.
    const rows = Array.from({ length: 200 }, () => [random() * 30, random() * 10, random() * 5]);
    const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, model.featureNames.length]);
    const output = (await session.run({ [ONNX_INPUT_NAME]: input }))[ONNX_OUTPUT_NAME];

    expect(output.dims).toEqual([rows.length, 1]);
    const expected = predictLinear(model, rows);
    const actual = Array.from(output.data as Float32Array);
    const maxAbsDiff = Math.max(...actual.map((y, i) => Math.abs(y - expected[i])));
    expect(maxAbsDiff).toBeLessThan(1e-5);
    await session.release();
  });

  it('stores feature order, target and extra metadata in metadata_props', () => {
    const decoded = onnx.ModelProto.decode(linearModelToOnnx(model, options));
    const props = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(props.feature_names as string)).toEqual(model.featureNames);
    expect(props.target_name).toBe('temp_min');
    expect(props.run_id).toBe('run-42');
    expect(decoded.producerName).toBe('temporal-mlops');
    expect(decoded.graph?.name).toBe('weather-linear');
    expect(decoded.graph?.docString).toContain('temp_max, wind, precipitation');
  });

  it('rejects weights that do not match featureNames', () => {
    expect(() => linearModelToOnnx({ ...model, weights: [0.9, -0.3] }, options)).toThrow(
      /weights has 2 entries but featureNames has 3/,
    );
  });

  it('rejects a NaN weight, naming the field', () => {
    expect(() => linearModelToOnnx({ ...model, weights: [0.9, NaN, 1.7] }, options)).toThrow(
      /weights\[1\] \(feature "wind"\) is NaN/,
    );
  });

  it('rejects a non-finite intercept and reserved metadata keys', () => {
    expect(() => linearModelToOnnx({ ...model, intercept: Infinity }, options)).toThrow(/intercept is Infinity/);
    expect(() => linearModelToOnnx(model, { ...options, metadata: { target_name: 'x' } })).toThrow(
      /options\.metadata\.target_name is reserved/,
    );
  });
});
