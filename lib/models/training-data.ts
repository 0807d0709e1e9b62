import type { NumericDataset } from '../data/dataset';
import type { ClassificationDataset } from './types';

/** Throws a RangeError naming the first shape or value problem in `data` (`label` says which set it is). */
export function checkNumericDataset(data: NumericDataset, label: string, minRows = 1): void {
  const d = data.featureNames.length;
  if (d === 0) throw new RangeError(`${label}: featureNames is empty; a model needs at least one feature`);
  if (data.features.length !== data.target.length) {
    throw new RangeError(`${label}: ${data.features.length} feature rows but ${data.target.length} targets`);
  }
  if (data.features.length < minRows) {
    throw new RangeError(`${label}: needs at least ${minRows} rows, got ${data.features.length}`);
  }
  data.features.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`${label}: features[${i}] has ${row.length} values; expected ${d}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) {
        throw new RangeError(`${label}: features[${i}] ("${data.featureNames[j]}") is ${v}; impute or drop it first`);
      }
    });
  });
  data.target.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${label}: target[${i}] is ${v}; drop rows without a target`);
  });
}

/** Also checks the class list and that every target is a class index 0..K−1; returns the targets as float64. */
export function classTargets(data: ClassificationDataset, label: string): Float64Array {
  const k = data.classes.length;
  if (k < 2) throw new RangeError(`${label}: classes has ${k} entries; classification needs at least 2`);
  if (new Set(data.classes).size !== k) throw new RangeError(`${label}: classes contains duplicates`);
  data.target.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new RangeError(`${label}: target[${i}] is ${v}; expected a class index in 0..${k - 1}`);
    }
  });
  return Float64Array.from(data.target);
}

/** Throws unless both sets describe the same features (and classes, when given) in the same order. */
export function checkSameSchema(train: NumericDataset, validation: NumericDataset): void {
  if (JSON.stringify(train.featureNames) !== JSON.stringify(validation.featureNames)) {
    throw new RangeError('validation: featureNames differ from the training set (same columns, same order needed)');
  }
  const trainClasses = (train as Partial<ClassificationDataset>).classes;
  const validationClasses = (validation as Partial<ClassificationDataset>).classes;
  if (JSON.stringify(trainClasses) !== JSON.stringify(validationClasses)) {
    throw new RangeError('validation: classes differ from the training set (same classes, same order needed)');
  }
}
