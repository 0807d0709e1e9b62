/**
 * Classification metrics from integer class labels `0..K-1` and one row of K class probabilities per sample
 * (column k is the probability of class k; binary problems have two columns). Conventions follow scikit-learn.
 */

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON] so a confident mistake costs -ln(1e-15). */
export const LOG_LOSS_EPSILON = 1e-15;

/** How far a row of probabilities may sum from 1 (rounding in softmax / float32 ONNX outputs). */
export const PROBABILITY_SUM_TOLERANCE = 1e-6;

/**
 * Throws a RangeError unless: lengths are equal and non-zero, every row has the same number K ≥ 2 of finite
 * probabilities in [0, 1] summing to 1 (± PROBABILITY_SUM_TOLERANCE), and every label is an integer in [0, K).
 * Returns K.
 */
export function checkClassificationInputs(
  yTrue: number[],
  probabilities: number[][],
  metric = 'classification metric',
): number {
  if (yTrue.length !== probabilities.length || yTrue.length === 0) {
    throw new RangeError(
      `${metric} needs equal, non-zero numbers of labels and probability rows (got ${yTrue.length} and ${probabilities.length})`,
    );
  }
  const classes = probabilities[0].length;
  if (classes < 2) {
    throw new RangeError(`${metric} needs at least 2 probability columns, one per class (got ${classes})`);
  }
  probabilities.forEach((row, i) => {
    if (row.length !== classes) {
      throw new RangeError(`${metric}: probability row ${i} has ${row.length} columns, row 0 has ${classes}`);
    }
    let sum = 0;
    row.forEach((p, k) => {
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
        throw new RangeError(`${metric}: probabilities[${i}][${k}] is ${String(p)}, not a probability in [0, 1]`);
      }
      sum += p;
    });
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw new RangeError(`${metric}: probability row ${i} sums to ${sum}, not 1`);
    }
  });
  yTrue.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new RangeError(
        `${metric}: label yTrue[${i}] = ${String(y)} is not a class index in 0..${classes - 1} ` +
          `(there are ${classes} probability columns)`,
      );
    }
  });
  return classes;
}

/** The class with the highest probability; ties go to the lowest class index (like numpy's argmax). */
export function predictedClasses(probabilities: number[][]): number[] {
  return probabilities.map((row) => {
    let best = 0;
    for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
    return best;
  });
}

/** Fraction of samples whose most probable class is the true class. */
export function accuracy(yTrue: number[], probabilities: number[][]): number {
  checkClassificationInputs(yTrue, probabilities, 'accuracy');
  const predicted = predictedClasses(probabilities);
  return predicted.filter((p, i) => p === yTrue[i]).length / yTrue.length;
}

/** Mean negative log-likelihood of the true class, natural log, probabilities clipped at LOG_LOSS_EPSILON. */
export function logLoss(yTrue: number[], probabilities: number[][]): number {
  checkClassificationInputs(yTrue, probabilities, 'log loss');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(probabilities[i][yTrue[i]], LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    sum -= Math.log(p);
  }
  return sum / yTrue.length;
}

/** F1 of one class from counts; 0 when it is undefined (no true and no predicted members), like scikit-learn. */
function f1ForClass(yTrue: number[], predicted: number[], k: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (predicted[i] === k && yTrue[i] === k) tp++;
    else if (predicted[i] === k) fp++;
    else if (yTrue[i] === k) fn++;
  }
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

/**
 * F1 of the argmax predictions. Binary (2 columns): F1 of the positive class 1 (scikit-learn `average='binary'`).
 * Multiclass: unweighted mean of the per-class F1 over the classes that occur in `yTrue` or in the predictions
 * (scikit-learn `average='macro'` without `labels`).
 */
export function f1Score(yTrue: number[], probabilities: number[][]): number {
  const classes = checkClassificationInputs(yTrue, probabilities, 'F1');
  const predicted = predictedClasses(probabilities);
  if (classes === 2) return f1ForClass(yTrue, predicted, 1);
  const present = [...new Set([...yTrue, ...predicted])].sort((a, b) => a - b);
  return present.reduce((sum, k) => sum + f1ForClass(yTrue, predicted, k), 0) / present.length;
}

/**
 * Area under the ROC curve for binary labels (1 = positive) and scores, by the rank (Mann-Whitney U) formula:
 * (sum of positive ranks - P(P+1)/2) / (P·N), tied scores sharing their average rank — so a tie between a positive
 * and a negative counts one half. Throws when either class is absent (the AUC is undefined).
 */
export function binaryRocAuc(labels: boolean[], scores: number[], metric = 'ROC AUC'): number {
  if (labels.length !== scores.length || labels.length === 0) {
    throw new RangeError(`${metric} needs equal, non-zero lengths (got ${labels.length} and ${scores.length})`);
  }
  const bad = scores.findIndex((s) => typeof s !== 'number' || Number.isNaN(s));
  if (bad >= 0) throw new RangeError(`${metric}: score ${bad} is ${String(scores[bad])}, not a number`);
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `${metric} is undefined when only one class is present (${positives} positive, ${negatives} negative samples)`,
    );
  }
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based
    for (let j = start; j <= end; j++) if (labels[order[j]]) positiveRankSum += averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC. Binary (2 columns): AUC of the class-1 probability. Multiclass: macro one-vs-rest, the unweighted mean
 * over classes k of the AUC of "class k vs the rest" scored by column k (scikit-learn `multi_class='ovr'`,
 * `average='macro'`). Throws when a class never occurs in `yTrue`.
 */
export function rocAuc(yTrue: number[], probabilities: number[][]): number {
  const classes = checkClassificationInputs(yTrue, probabilities, 'ROC AUC');
  const auc = (k: number) =>
    binaryRocAuc(
      yTrue.map((y) => y === k),
      probabilities.map((row) => row[k]),
      classes === 2 ? 'ROC AUC' : `ROC AUC (class ${k} vs rest)`,
    );
  if (classes === 2) return auc(1);
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += auc(k);
  return sum / classes;
}
