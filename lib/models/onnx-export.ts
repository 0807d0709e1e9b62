import { onnx } from 'onnx-proto';
import type { LinearModel } from './linear';
import {
  checkReservedMetadata,
  encodeOnnxModel,
  floatTensor,
  floatValueInfo,
  intAttribute,
  type ModelGraph,
  ONNX_INPUT_NAME,
  ONNX_LABEL_NAME,
  ONNX_OUTPUT_NAME,
  ONNX_PROBABILITIES_NAME,
  type OnnxExportOptions,
  tensorValueInfo,
} from './onnx-graph';
import { isClassificationModel, type LogisticModel, type MlpModel, type Model } from './types';
import { validateModel } from './validate-model';

export interface GraphNames {
  /** Prefix of every node, initializer and intermediate tensor name; defaults to the model kind plus '_'. */
  prefix?: string;
  /** Name of the output tensor; defaults to `${prefix}output`. */
  outputName?: string;
}

const MODEL_RESERVED_METADATA = ['feature_names', 'target_name', 'model_type', 'classes'];

/** Small builder for one piece: prefixed names, nodes appended in order. */
function pieceBuilder(defaultPrefix: string, names: GraphNames) {
  const prefix = names.prefix ?? defaultPrefix;
  const graph: ModelGraph = { nodes: [], initializers: [], outputName: names.outputName ?? `${prefix}output` };
  const tensor = (name: string, dims: number[], values: ArrayLike<number>) => {
    graph.initializers.push(floatTensor(prefix + name, dims, values));
    return prefix + name;
  };
  const node = (opType: string, input: string[], output: string, attribute?: onnx.IAttributeProto[]) => {
    const name = output === graph.outputName ? output : prefix + output;
    graph.nodes.push({
      name: `${prefix}${opType.toLowerCase()}_${graph.nodes.length}`,
      opType,
      input,
      output: [name],
      attribute,
    });
    return name;
  };
  return { graph, tensor, node };
}

/** [batch, d] → [batch, 1]: X·W + b. */
export function linearGraph(model: LinearModel, inputName: string, names: GraphNames = {}): ModelGraph {
  const { graph, tensor, node } = pieceBuilder('linear_', names);
  const xw = node('MatMul', [inputName, tensor('W', [model.weights.length, 1], model.weights)], 'xw');
  node('Add', [xw, tensor('B', [1], [model.intercept])], graph.outputName);
  return graph;
}

/** [batch, d] → [batch, K] class probabilities: softmax(X·Wᵀ + b). */
export function logisticGraph(model: LogisticModel, inputName: string, names: GraphNames = {}): ModelGraph {
  const { graph, tensor, node } = pieceBuilder('logistic_', names);
  const d = model.featureNames.length;
  const k = model.classes.length;
  const w = new Float64Array(d * k);
  model.weights.forEach((row, c) => row.forEach((v, j) => (w[j * k + c] = v)));
  const xw = node('MatMul', [inputName, tensor('W', [d, k], w)], 'xw');
  const logits = node('Add', [xw, tensor('B', [k], model.intercepts)], 'logits');
  node('Softmax', [logits], graph.outputName, [intAttribute('axis', 1)]);
  return graph;
}

/** [batch, d] → standardise → (MatMul, Add, ReLU)… → [batch, 1] value or [batch, K] softmax probabilities. */
export function mlpGraph(model: MlpModel, inputName: string, names: GraphNames = {}): ModelGraph {
  const { graph, tensor, node } = pieceBuilder('mlp_', names);
  const d = model.featureNames.length;
  const centred = node('Sub', [inputName, tensor('input_means', [d], model.inputMeans)], 'centred');
  let act = node('Div', [centred, tensor('input_scales', [d], model.inputScales)], 'standardised');
  const last = model.layers.length - 1;
  model.layers.forEach((layer, l) => {
    const w = tensor(`W${l}`, [layer.inputSize, layer.outputSize], layer.weights);
    const b = tensor(`B${l}`, [layer.outputSize], layer.biases);
    const xw = node('MatMul', [act, w], `xw${l}`);
    if (l < last) act = node('Relu', [node('Add', [xw, b], `pre${l}`)], `hidden${l}`);
    else if (model.task === 'regression') act = node('Add', [xw, b], graph.outputName);
    else node('Softmax', [node('Add', [xw, b], 'logits')], graph.outputName, [intAttribute('axis', 1)]);
  });
  return graph;
}

/** The model's piece: regression → [batch, 1] values; classification → [batch, K] probabilities. */
export function modelGraph(model: Model, inputName: string, names: GraphNames = {}): ModelGraph {
  if (model.kind === 'linear') return linearGraph(model, inputName, names);
  if (model.kind === 'logistic') return logisticGraph(model, inputName, names);
  return mlpGraph(model, inputName, names);
}

/** ArgMax over the class axis: [batch, K] float probabilities → [batch] int64 class indices. */
export function labelGraph(probabilitiesName: string, labelName = ONNX_LABEL_NAME): ModelGraph {
  return {
    nodes: [
      {
        name: `${labelName}_argmax`,
        opType: 'ArgMax',
        input: [probabilitiesName],
        output: [labelName],
        attribute: [intAttribute('axis', 1), intAttribute('keepdims', 0)],
      },
    ],
    initializers: [],
    outputName: labelName,
  };
}

export function describeModel(model: Model): string {
  if (model.kind === 'linear') return 'Linear regression';
  const classes = isClassificationModel(model) ? ` over classes ${model.classes.join(', ')}` : '';
  if (model.kind === 'logistic') return `Logistic regression${classes}`;
  const hidden = model.layers.slice(0, -1).map((l) => l.outputSize);
  return `MLP ${model.task} (ReLU hidden layers ${hidden.join('×')})${classes}`;
}

export function docStringFor(model: Model, targetName: string): string {
  return `${describeModel(model)} for ${targetName}. Input columns, in order: ${model.featureNames.join(', ')}.`;
}

/**
 * Serialises any model as ONNX, computing in float32. Input `features` [batch, d] in `model.featureNames` order.
 * Regression: output `prediction` [batch, 1]. Classification: `probabilities` [batch, K] and `label` int64 [batch].
 * metadata_props: feature_names (JSON), target_name, model_type, classes (JSON, classifiers) and options.metadata.
 */
export function modelToOnnx(model: Model, options: OnnxExportOptions): Uint8Array {
  validateModel(model);
  const extra = options.metadata ?? {};
  checkReservedMetadata(extra, MODEL_RESERVED_METADATA);
  const d = model.featureNames.length;
  const metadata: Record<string, string> = {
    feature_names: JSON.stringify(model.featureNames),
    target_name: options.targetName,
    model_type: model.kind,
  };
  const pieces: ModelGraph[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  if (isClassificationModel(model)) {
    const probabilities = modelGraph(model, ONNX_INPUT_NAME, { outputName: ONNX_PROBABILITIES_NAME });
    pieces.push(probabilities, labelGraph(probabilities.outputName));
    outputs.push(
      floatValueInfo(ONNX_PROBABILITIES_NAME, [null, model.classes.length]),
      tensorValueInfo(ONNX_LABEL_NAME, onnx.TensorProto.DataType.INT64, [null]),
    );
    metadata.classes = JSON.stringify(model.classes);
  } else {
    pieces.push(modelGraph(model, ONNX_INPUT_NAME, { outputName: ONNX_OUTPUT_NAME }));
    outputs.push(floatValueInfo(ONNX_OUTPUT_NAME, [null, 1]));
  }
  return encodeOnnxModel({
    graphName: options.modelName,
    docString: docStringFor(model, options.targetName),
    inputs: [floatValueInfo(ONNX_INPUT_NAME, [null, d])],
    outputs,
    nodes: pieces.flatMap((p) => p.nodes),
    initializers: pieces.flatMap((p) => p.initializers),
    metadata: { ...metadata, ...extra },
  });
}
