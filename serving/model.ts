import fs from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import { InferenceSession } from 'onnxruntime-node';
import type { PreprocessStep } from '../lib/data/preprocess';

export type FeatureKind = PreprocessStep['kind'];

/** An OIP tensor description: datatype FP32/FP64/INT64/BYTES, shape with -1 for the batch dimension. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ServedModel {
  name: string;
  version: string;
  session: InferenceSession;
  /** One ONNX input per raw feature, in the model's order. */
  features: { name: string; kind: FeatureKind }[];
  task: 'regression' | 'classification';
  classes?: string[];
  targetName?: string;
  modelType?: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

const DATATYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
  bool: 'BOOL',
};

function tensorMetadata(values: readonly InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return values.map((v) => ({
    name: v.name,
    datatype: v.isTensor ? (DATATYPES[v.type] ?? v.type.toUpperCase()) : 'UNKNOWN',
    shape: v.isTensor ? v.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) : [],
  }));
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * One intra-op thread that sleeps when idle: tabular models run in microseconds, so extra threads only add hand-off
 * cost, and spinning threads would take CPU from the HTTP thread (and from other processes) between requests.
 * Concurrency comes from micro-batching and from running more replicas.
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/**
 * Loads an ONNX model exported by `pipelineToOnnx`: feature kinds come from the `preprocessing` metadata (falling
 * back to the input types: string → categorical, else numeric), classes from `classes`.
 */
export async function loadServedModel(bytes: Uint8Array, name: string, version: string): Promise<ServedModel> {
  const proto = onnx.ModelProto.decode(bytes);
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const session = await InferenceSession.create(bytes, SESSION_OPTIONS);
  const inputs = tensorMetadata(session.inputMetadata);
  const outputs = tensorMetadata(session.outputMetadata);
  const steps = parseJson<{ steps?: PreprocessStep[] }>(meta.preprocessing)?.steps ?? [];
  const kinds = new Map(steps.map((s) => [s.name, s.kind]));
  const features = inputs.map((input) => {
    const kind = kinds.get(input.name) ?? (input.datatype === 'BYTES' ? 'categorical' : 'numeric');
    const expected = kind === 'categorical' ? 'BYTES' : 'FP32';
    if (input.datatype !== expected || input.shape.length !== 1) {
      void session.release();
      throw new Error(
        `model input "${input.name}" is ${input.datatype}${JSON.stringify(input.shape)}; expected ${expected}[-1]`,
      );
    }
    return { name: input.name, kind };
  });
  const classes = parseJson<string[]>(meta.classes);
  const task = outputs.some((o) => o.name === 'probabilities') ? 'classification' : 'regression';
  return {
    name,
    version,
    session,
    features,
    task,
    ...(classes ? { classes } : {}),
    ...(meta.target_name ? { targetName: meta.target_name } : {}),
    ...(meta.model_type ? { modelType: meta.model_type } : {}),
    inputs,
    outputs,
  };
}

export async function readModelFile(file: string): Promise<Uint8Array> {
  return fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read model file ${file}: ${err.code ?? err.message}`);
  });
}
