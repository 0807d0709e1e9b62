import { onnx } from 'onnx-proto';
import { type LinearModel, validateLinearModel } from './linear';

export { type LinearModel, predictLinear, validateLinearModel } from './linear';

export interface OnnxExportOptions {
  modelName: string;
  targetName: string;
  metadata?: Record<string, string>;
}

export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'prediction';

const IR_VERSION = 8;
const OPSET_VERSION = 17;
const RESERVED_METADATA_KEYS = ['feature_names', 'target_name'];

/** Float32 tensor value info; `null` marks the symbolic batch dimension. */
function floatValueInfo(name: string, dims: (number | null)[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } };
}

/**
 * Serialises a linear model as ONNX: prediction[N,1] = features[N,d] · W[d,1] + B[1], in float32.
 * Input columns must follow `model.featureNames`; that order is also stored in metadata `feature_names`.
 */
export function linearModelToOnnx(model: LinearModel, options: OnnxExportOptions): Uint8Array {
  validateLinearModel(model);
  const metadata = options.metadata ?? {};
  for (const key of RESERVED_METADATA_KEYS) {
    if (key in metadata) {
      throw new Error(`onnx export: options.metadata.${key} is reserved; remove it (the exporter sets it itself).`);
    }
  }
  const d = model.weights.length;
  const graph: onnx.IGraphProto = {
    name: options.modelName,
    docString: `Linear regression for ${options.targetName}. Input columns, in order: ${model.featureNames.join(', ')}.`,
    input: [floatValueInfo(ONNX_INPUT_NAME, [null, d])],
    output: [floatValueInfo(ONNX_OUTPUT_NAME, [null, 1])],
    initializer: [
      { name: 'W', dataType: onnx.TensorProto.DataType.FLOAT, dims: [d, 1], floatData: model.weights },
      { name: 'B', dataType: onnx.TensorProto.DataType.FLOAT, dims: [1], floatData: [model.intercept] },
    ],
    node: [
      { name: 'matmul', opType: 'MatMul', input: [ONNX_INPUT_NAME, 'W'], output: ['XW'] },
      { name: 'add_intercept', opType: 'Add', input: ['XW', 'B'], output: [ONNX_OUTPUT_NAME] },
    ],
  };
  const metadataProps = Object.entries({
    feature_names: JSON.stringify(model.featureNames),
    target_name: options.targetName,
    ...metadata,
  }).map(([key, value]) => ({ key, value }));
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'temporal-mlops',
    graph,
    metadataProps,
  });
  return onnx.ModelProto.encode(proto).finish();
}
