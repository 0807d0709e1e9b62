import { type LinearModel, validateLinearModel } from './linear';
import { docStringFor, linearGraph } from './onnx-export';
import {
  checkReservedMetadata,
  encodeOnnxModel,
  floatValueInfo,
  ONNX_INPUT_NAME,
  ONNX_OUTPUT_NAME,
  type OnnxExportOptions,
} from './onnx-graph';

export { type LinearModel, predictLinear, validateLinearModel } from './linear';
export { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, type OnnxExportOptions } from './onnx-graph';

/**
 * Serialises a linear model as ONNX: prediction[N,1] = features[N,d] · W[d,1] + B[1], in float32.
 * Input columns must follow `model.featureNames`; that order is also stored in metadata `feature_names`.
 * Unlike `modelToOnnx`, the caller may set `model_type` in metadata (e.g. "ridge").
 */
export function linearModelToOnnx(model: LinearModel, options: OnnxExportOptions): Uint8Array {
  validateLinearModel(model);
  const metadata = options.metadata ?? {};
  checkReservedMetadata(metadata, ['feature_names', 'target_name']);
  const graph = linearGraph(model, ONNX_INPUT_NAME, { outputName: ONNX_OUTPUT_NAME });
  return encodeOnnxModel({
    graphName: options.modelName,
    docString: docStringFor(model, options.targetName),
    inputs: [floatValueInfo(ONNX_INPUT_NAME, [null, model.weights.length])],
    outputs: [floatValueInfo(ONNX_OUTPUT_NAME, [null, 1])],
    nodes: graph.nodes,
    initializers: graph.initializers,
    metadata: { feature_names: JSON.stringify(model.featureNames), target_name: options.targetName, ...metadata },
  });
}
