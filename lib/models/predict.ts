import { predictLinear } from './linear';
import type { ClassificationModel, DenseLayer, Model, MlpModel, RegressionModel } from './types';
import { isClassificationModel } from './types';

export type Prediction =
  { task: 'regression'; values: number[] } | { task: 'classification'; probabilities: number[][]; labels: number[] };

function checkRows(model: Model, rows: number[][], caller: string): void {
  const d = model.featureNames.length;
  rows.forEach((row, r) => {
    if (row.length !== d)
      throw new Error(`${caller}: rows[${r}] has ${row.length} values; expected ${d} (one per feature).`);
  });
}

/** Softmax in place, shifted by the maximum so large logits do not overflow. */
export function softmaxInPlace(logits: number[]): number[] {
  const max = Math.max(...logits);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) {
    logits[k] = Math.exp(logits[k] - max);
    sum += logits[k];
  }
  for (let k = 0; k < logits.length; k++) logits[k] /= sum;
  return logits;
}

/** Index of the largest value; the first one on ties (as ONNX ArgMax with select_last_index = 0). */
export function argMax(values: number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

function dense(layer: DenseLayer, input: number[], relu: boolean): number[] {
  const { outputSize: nout, weights } = layer;
  const out = [...layer.biases];
  input.forEach((a, i) => {
    for (let o = 0; o < nout; o++) out[o] += a * weights[i * nout + o];
  });
  return relu ? out.map((v) => (v < 0 ? 0 : v)) : out;
}

/** The MLP's last-layer outputs (a regression value, or class logits) for one raw feature row. */
function mlpOutputs(model: MlpModel, row: number[]): number[] {
  let act = row.map((x, j) => (x - model.inputMeans[j]) / model.inputScales[j]);
  model.layers.forEach((layer, l) => {
    act = dense(layer, act, l < model.layers.length - 1);
  });
  return act;
}

/** Regression values in target units; each row holds the features in `model.featureNames` order. */
export function predictRegression(model: RegressionModel, rows: number[][]): number[] {
  if (model.kind === 'linear') return predictLinear(model, rows);
  checkRows(model, rows, 'predictRegression');
  return rows.map((row) => mlpOutputs(model, row)[0]);
}

/** Class probabilities, one row of K per input row, in `model.classes` order. */
export function predictProbabilities(model: ClassificationModel, rows: number[][]): number[][] {
  checkRows(model, rows, 'predictProbabilities');
  if (model.kind === 'mlp') return rows.map((row) => softmaxInPlace(mlpOutputs(model, row)));
  return rows.map((row) =>
    softmaxInPlace(model.weights.map((w, k) => row.reduce((sum, x, j) => sum + w[j] * x, model.intercepts[k]))),
  );
}

/** Predicted class indices into `model.classes`. */
export function predictLabels(model: ClassificationModel, rows: number[][]): number[] {
  return predictProbabilities(model, rows).map(argMax);
}

export function predict(model: Model, rows: number[][]): Prediction {
  if (!isClassificationModel(model)) return { task: 'regression', values: predictRegression(model, rows) };
  const probabilities = predictProbabilities(model, rows);
  return { task: 'classification', probabilities, labels: probabilities.map(argMax) };
}
