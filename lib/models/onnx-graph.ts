import { onnx } from 'onnx-proto';

/** Names of the exported model's graph inputs and outputs. */
export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'prediction';
export const ONNX_PROBABILITIES_NAME = 'probabilities';
export const ONNX_LABEL_NAME = 'label';

export const IR_VERSION = 8;
export const OPSET_VERSION = 17;
export const PRODUCER_NAME = 'temporal-mlops';

export interface OnnxExportOptions {
  modelName: string;
  targetName: string;
  metadata?: Record<string, string>;
}

/**
 * A reusable piece of a graph: nodes and initializers that read one input tensor and produce `outputName`.
 * Names are prefixed, so pieces (e.g. a preprocessing graph followed by a model) can be concatenated.
 */
export interface ModelGraph {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  outputName: string;
}

const { FLOAT } = onnx.TensorProto.DataType;

/** Tensor value info; `null` marks the symbolic batch dimension. */
export function tensorValueInfo(name: string, elemType: number, dims: (number | null)[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export function floatValueInfo(name: string, dims: (number | null)[]): onnx.IValueInfoProto {
  return tensorValueInfo(name, FLOAT, dims);
}

/** A float32 initializer (values are rounded to float32 on encoding). */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  return { name, dataType: FLOAT, dims, floatData: Array.from(values) };
}

export function intAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/** Throws if the caller's metadata would overwrite a key the exporter sets itself. */
export function checkReservedMetadata(metadata: Record<string, string>, reserved: string[]): void {
  for (const key of reserved) {
    if (key in metadata) {
      throw new Error(`onnx export: options.metadata.${key} is reserved; remove it (the exporter sets it itself).`);
    }
  }
}

export interface OnnxModelParts {
  graphName: string;
  docString: string;
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  metadata: Record<string, string>;
  /** Operator sets beyond the default domain's (e.g. `ai.onnx.ml` for OneHotEncoder). */
  extraOpsets?: onnx.IOperatorSetIdProto[];
}

/** Wraps a graph into an encoded ModelProto (IR 8, default-domain opset 17, plus any extra operator sets). */
export function encodeOnnxModel(parts: OnnxModelParts): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }, ...(parts.extraOpsets ?? [])],
    producerName: PRODUCER_NAME,
    graph: {
      name: parts.graphName,
      docString: parts.docString,
      input: parts.inputs,
      output: parts.outputs,
      initializer: parts.initializers,
      node: parts.nodes,
    },
    metadataProps: Object.entries(parts.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}
