import { onnx } from 'onnx-proto';
import type { Preprocessor } from '../data/preprocess';
import { labelGraph, modelGraph, docStringFor } from './onnx-export';
import {
  encodeOnnxModel,
  floatValueInfo,
  ONNX_LABEL_NAME,
  ONNX_OUTPUT_NAME,
  ONNX_PROBABILITIES_NAME,
  tensorValueInfo,
} from './onnx-graph';
import { ONNX_ML_DOMAIN, preprocessingGraph } from './onnx-preprocess';
import { isClassificationModel, type Model } from './types';

export interface PipelineExportOptions {
  modelName: string;
  targetName: string;
  /** Extra metadata_props (schema, preprocessing, reference statistics, ...). */
  metadata?: Record<string, string>;
}

/**
 * Preprocessing + model as one ONNX graph, so a client sends raw feature values: one input per feature (numeric:
 * float32, NaN for missing; categorical: string, '' for missing; datetime: float32 days since 1970-01-01 UTC).
 * Regression: `prediction` [batch, 1]. Classification: `probabilities` [batch, K] and `label` int64 [batch].
 */
export function pipelineToOnnx(pre: Preprocessor, model: Model, options: PipelineExportOptions): Uint8Array {
  if (model.featureNames.length !== pre.outputNames.length) {
    throw new RangeError(
      `the model takes ${model.featureNames.length} inputs but the preprocessing makes ${pre.outputNames.length}`,
    );
  }
  const prefix = preprocessingGraph(pre, 'model_input');
  const pieces = [prefix];
  const outputs: onnx.IValueInfoProto[] = [];
  const metadata: Record<string, string> = {
    feature_names: JSON.stringify(pre.steps.map((s) => s.name)),
    target_name: options.targetName,
    model_type: model.kind,
    preprocessing: JSON.stringify(pre),
  };
  if (isClassificationModel(model)) {
    const probabilities = modelGraph(model, prefix.outputName, { outputName: ONNX_PROBABILITIES_NAME });
    pieces.push({ inputs: [], ...probabilities }, { inputs: [], ...labelGraph(probabilities.outputName) });
    outputs.push(
      floatValueInfo(ONNX_PROBABILITIES_NAME, [null, model.classes.length]),
      tensorValueInfo(ONNX_LABEL_NAME, onnx.TensorProto.DataType.INT64, [null]),
    );
    metadata.classes = JSON.stringify(model.classes);
  } else {
    pieces.push({ inputs: [], ...modelGraph(model, prefix.outputName, { outputName: ONNX_OUTPUT_NAME }) });
    outputs.push(floatValueInfo(ONNX_OUTPUT_NAME, [null, 1]));
  }
  return encodeOnnxModel({
    graphName: options.modelName,
    docString: `${docStringFor(model, options.targetName)} Raw inputs: ${pre.steps.map((s) => `${s.name} (${s.kind})`).join(', ')}.`,
    inputs: prefix.inputs,
    outputs,
    nodes: pieces.flatMap((p) => p.nodes),
    initializers: pieces.flatMap((p) => p.initializers),
    metadata: { ...metadata, ...options.metadata },
    extraOpsets: [{ domain: ONNX_ML_DOMAIN, version: 3 }],
  });
}
