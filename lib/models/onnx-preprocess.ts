import { onnx } from 'onnx-proto';
import { DAYS_PER_YEAR, Preprocessor, PreprocessStep } from '../data/preprocess';

/** A piece of an ONNX graph: raw inputs in, one float32 [batch, D] tensor out. */
export interface GraphPiece {
  inputs: onnx.IValueInfoProto[];
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  outputName: string;
}

const { FLOAT, STRING, INT64 } = onnx.TensorProto.DataType;
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';

function vector(name: string, elemType: number): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }] } } } };
}

const scalar = (name: string, value: number): onnx.ITensorProto => ({
  name,
  dataType: FLOAT,
  dims: [],
  floatData: [value],
});

/** Nodes for one feature; returns the [batch, k] columns it contributes. */
function stepNodes(step: PreprocessStep, i: number, piece: GraphPiece): string[] {
  const p = `pre${i}`;
  const node = (opType: string, input: string[], output: string, extra: Partial<onnx.INodeProto> = {}) => {
    piece.nodes.push({
      name: `${p}_${opType.toLowerCase()}_${piece.nodes.length}`,
      opType,
      input,
      output: [output],
      ...extra,
    });
    return output;
  };
  const fillMissing = (value: number) => {
    piece.initializers.push(scalar(`${p}_fill`, value));
    return node('Where', [node('IsNaN', [step.name], `${p}_isnan`), `${p}_fill`, step.name], `${p}_filled`);
  };
  const column = (x: string, suffix: string) => node('Unsqueeze', [x, 'pre_axis1'], `${p}_${suffix}_col`);

  if (step.kind === 'numeric') {
    piece.inputs.push(vector(step.name, FLOAT));
    piece.initializers.push(scalar(`${p}_mean`, step.mean), scalar(`${p}_scale`, step.scale));
    const centred = node('Sub', [fillMissing(step.mean), `${p}_mean`], `${p}_centred`);
    return [column(node('Div', [centred, `${p}_scale`], `${p}_scaled`), 'x')];
  }
  if (step.kind === 'categorical') {
    piece.inputs.push(vector(step.name, STRING));
    const attribute: onnx.IAttributeProto[] = [
      {
        name: 'cats_strings',
        type: onnx.AttributeProto.AttributeType.STRINGS,
        strings: step.categories.map((c) => Buffer.from(c)),
      },
      { name: 'zeros', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
    ];
    return [node('OneHotEncoder', [step.name], `${p}_onehot`, { domain: ONNX_ML_DOMAIN, attribute })];
  }
  piece.inputs.push(vector(step.name, FLOAT));
  piece.initializers.push(scalar(`${p}_period`, DAYS_PER_YEAR), scalar(`${p}_radians`, (2 * Math.PI) / DAYS_PER_YEAR));
  const remainder = node('Mod', [fillMissing(step.fillEpochDays), `${p}_period`], `${p}_mod`, {
    attribute: [{ name: 'fmod', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  const angle = node('Mul', [remainder, `${p}_radians`], `${p}_angle`);
  return [column(node('Sin', [angle], `${p}_sin`), 'sin'), column(node('Cos', [angle], `${p}_cos`), 'cos')];
}

/**
 * The fitted preprocessing as ONNX: one input per raw feature (numeric: float32 with NaN for missing; categorical:
 * string, '' for missing; datetime: float32 days since 1970-01-01 UTC), one float32 [batch, D] output.
 */
export function preprocessingGraph(pre: Preprocessor, outputName = 'model_input'): GraphPiece {
  const piece: GraphPiece = {
    inputs: [],
    nodes: [],
    initializers: [{ name: 'pre_axis1', dataType: INT64, dims: [1], int64Data: [1] }],
    outputName,
  };
  const columns = pre.steps.flatMap((step, i) => stepNodes(step, i, piece));
  piece.nodes.push({
    name: 'pre_concat',
    opType: 'Concat',
    input: columns,
    output: [outputName],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  return piece;
}
