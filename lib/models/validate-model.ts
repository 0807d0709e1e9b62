import { validateLinearModel } from './linear';
import type { LogisticModel, Model, MlpModel } from './types';

function fail(kind: string, message: string): never {
  throw new Error(`${kind} model: ${message}`);
}

function checkFeatureNames(kind: string, names: string[]): void {
  if (names.length === 0) fail(kind, 'featureNames is empty; a model needs at least one feature.');
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '' || seen.has(name)) {
      fail(kind, `featureNames[${i}] is ${JSON.stringify(name)}; feature names must be non-empty and unique.`);
    }
    seen.add(name);
  });
}

function checkClasses(kind: string, classes: string[]): void {
  if (classes.length < 2) fail(kind, `classes has ${classes.length} entries; a classifier needs at least 2.`);
  if (new Set(classes).size !== classes.length) fail(kind, 'classes contains duplicates.');
}

function checkFinite(kind: string, field: string, values: number[], length: number): void {
  if (values.length !== length) fail(kind, `${field} has ${values.length} entries; expected ${length}.`);
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) fail(kind, `${field}[${i}] is ${v}; every parameter must be a finite number.`);
  });
}

function validateLogisticModel(model: LogisticModel): void {
  const kind = 'logistic';
  checkFeatureNames(kind, model.featureNames);
  checkClasses(kind, model.classes);
  const k = model.classes.length;
  if (model.weights.length !== k)
    fail(kind, `weights has ${model.weights.length} rows; expected one per class (${k}).`);
  model.weights.forEach((row, c) => checkFinite(kind, `weights[${c}]`, row, model.featureNames.length));
  checkFinite(kind, 'intercepts', model.intercepts, k);
}

function validateMlpModel(model: MlpModel): void {
  const kind = 'mlp';
  const d = model.featureNames.length;
  checkFeatureNames(kind, model.featureNames);
  checkFinite(kind, 'inputMeans', model.inputMeans, d);
  checkFinite(kind, 'inputScales', model.inputScales, d);
  model.inputScales.forEach((s, j) => {
    if (s === 0) fail(kind, `inputScales[${j}] is 0; a scale must be non-zero.`);
  });
  if (model.layers.length === 0) fail(kind, 'layers is empty.');
  const outputs = model.task === 'classification' ? model.classes.length : 1;
  if (model.task === 'classification') checkClasses(kind, model.classes);
  let width = d;
  model.layers.forEach((layer, l) => {
    if (layer.inputSize !== width) fail(kind, `layers[${l}].inputSize is ${layer.inputSize}; expected ${width}.`);
    const expectedOut = l === model.layers.length - 1 ? outputs : layer.outputSize;
    if (!(Number.isInteger(layer.outputSize) && layer.outputSize === expectedOut && expectedOut > 0)) {
      fail(kind, `layers[${l}].outputSize is ${layer.outputSize}; expected ${expectedOut}.`);
    }
    checkFinite(kind, `layers[${l}].weights`, layer.weights, layer.inputSize * layer.outputSize);
    checkFinite(kind, `layers[${l}].biases`, layer.biases, layer.outputSize);
    width = layer.outputSize;
  });
}

/** Throws an Error naming the offending field; returns nothing for a usable model. */
export function validateModel(model: Model): void {
  if (model.kind === 'linear') validateLinearModel(model);
  else if (model.kind === 'logistic') validateLogisticModel(model);
  else validateMlpModel(model);
}
