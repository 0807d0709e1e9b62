import {
  accuracy,
  binaryRocAuc,
  classificationMetrics,
  f1Score,
  LOG_LOSS_EPSILON,
  logLoss,
  predictedClasses,
  rocAuc,
} from '../../lib/metrics/index';

const binary = (scores: number[]) => scores.map((p) => [1 - p, p]);

// Reference values computed once with scikit-learn 1.9.1 (numpy 2.4.6): accuracy_score and f1_score on the argmax
// predictions (average='binary' for 2 classes, 'macro' otherwise), log_loss, and roc_auc_score (class-1 column for
// binary, multi_class='ovr', average='macro' for multiclass). Python is not needed to run these tests.
const SKLEARN_CASES = [
  {
    name: 'binary with tied scores across classes',
    yTrue: [0, 0, 1, 1, 0, 1, 1, 0],
    probabilities: binary([0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2]),
    expected: { accuracy: 0.75, logLoss: 0.45559652973111076, f1: 0.6666666666666666, rocAuc: 0.8125 },
  },
  {
    name: 'binary with a four-way tie',
    yTrue: [0, 1, 0, 1, 0, 1, 1, 0, 0, 1],
    probabilities: binary([0.2, 0.6, 0.6, 0.6, 0.3, 0.7, 0.55, 0.45, 0.6, 0.1]),
    expected: { accuracy: 0.7, logLoss: 0.7288985244977253, f1: 0.7272727272727273, rocAuc: 0.64 },
  },
  {
    name: 'three classes with argmax ties',
    yTrue: [0, 1, 2, 2, 1, 0, 2, 1, 0],
    probabilities: [
      [0.7, 0.2, 0.1],
      [0.2, 0.5, 0.3],
      [0.1, 0.3, 0.6],
      [0.3, 0.3, 0.4],
      [0.4, 0.4, 0.2],
      [0.5, 0.25, 0.25],
      [0.2, 0.2, 0.6],
      [0.25, 0.5, 0.25],
      [0.3, 0.4, 0.3],
    ],
    expected: {
      accuracy: 0.7777777777777778,
      logLoss: 0.7215913334694217,
      f1: 0.7777777777777777,
      rocAuc: 0.9629629629629629,
    },
  },
  {
    name: 'three classes with tied rows',
    yTrue: [0, 1, 2, 2, 1, 0],
    probabilities: [
      [0.6, 0.3, 0.1],
      [0.6, 0.3, 0.1],
      [0.2, 0.2, 0.6],
      [0.2, 0.2, 0.6],
      [0.1, 0.8, 0.1],
      [0.5, 0.4, 0.1],
    ],
    expected: { accuracy: 0.8333333333333334, logLoss: 0.6087900679163439, f1: 0.8222222222222223, rocAuc: 0.875 },
  },
];

describe('classificationMetrics against scikit-learn 1.9.1', () => {
  it.each(SKLEARN_CASES)('matches for $name', ({ yTrue, probabilities, expected }) => {
    const got = classificationMetrics(yTrue, probabilities);
    expect(got.accuracy).toBeCloseTo(expected.accuracy, 12);
    expect(got.logLoss).toBeCloseTo(expected.logLoss, 12);
    expect(got.f1).toBeCloseTo(expected.f1, 12);
    expect(got.rocAuc).toBeCloseTo(expected.rocAuc, 12);
  });

  it('scores a constant predictor AUC 0.5 (sklearn: accuracy 0.6, log loss 0.6730116670092563, F1 0.75)', () => {
    const got = classificationMetrics([0, 1, 1, 0, 1], binary([0.6, 0.6, 0.6, 0.6, 0.6]));
    expect(got.rocAuc).toBe(0.5);
    expect(got.accuracy).toBeCloseTo(0.6, 14);
    expect(got.logLoss).toBeCloseTo(0.6730116670092563, 12);
    expect(got.f1).toBeCloseTo(0.75, 14);
  });
});

describe('ROC AUC by hand', () => {
  it('counts a positive/negative tie as one half', () => {
    // pairs (pos, neg): (0.5, 0.5) tie → ½; (0.9, 0.5) → 1; (0.5, 0.1) → 1; (0.9, 0.1) → 1 ⇒ 3.5 / 4
    expect(binaryRocAuc([true, false, true, false], [0.5, 0.5, 0.9, 0.1])).toBe(0.875);
    expect(binaryRocAuc([true, false, true, false], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, independent of input order', () => {
    expect(binaryRocAuc([false, true, false, true], [0.1, 0.8, 0.3, 0.9])).toBe(1);
    expect(binaryRocAuc([true, false, true, false], [0.1, 0.8, 0.3, 0.9])).toBe(0);
    // classic example: 0.35 (pos) is below 0.4 (neg) → 3 of 4 pairs ordered
    expect(rocAuc([0, 0, 1, 1], binary([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 14);
  });

  it('averages one-vs-rest AUCs for multiclass', () => {
    const probabilities = [
      [0.8, 0.1, 0.1],
      [0.1, 0.6, 0.3],
      [0.5, 0.3, 0.2],
    ];
    // class 0: pos 0.8 vs {0.1, 0.5} → 1; class 1: pos 0.6 vs {0.1, 0.3} → 1; class 2: pos 0.2 vs {0.1, 0.3} → ½
    expect(rocAuc([0, 1, 2], probabilities)).toBeCloseTo(2.5 / 3, 14);
  });

  it('throws when a class is absent, since the AUC is undefined', () => {
    expect(() => rocAuc([1, 1, 1], binary([0.2, 0.5, 0.9]))).toThrow(
      'ROC AUC is undefined when only one class is present (3 positive, 0 negative samples)',
    );
    expect(() =>
      rocAuc(
        [0, 1, 0],
        [
          [0.5, 0.3, 0.2],
          [0.2, 0.5, 0.3],
          [0.6, 0.2, 0.2],
        ],
      ),
    ).toThrow('ROC AUC (class 2 vs rest) is undefined');
    expect(() => binaryRocAuc([true, false], [0.5, NaN])).toThrow('score 1 is NaN');
  });
});

describe('accuracy, log loss and F1 by hand', () => {
  it('breaks argmax ties toward the lowest class index, like numpy', () => {
    expect(
      predictedClasses([
        [0.5, 0.5],
        [0.2, 0.4, 0.4],
        [0.1, 0.2, 0.7],
      ]),
    ).toEqual([0, 1, 2]);
    expect(
      accuracy(
        [0, 1],
        [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
      ),
    ).toBe(0.5);
  });

  it('computes log loss as the mean negative log-probability of the true class', () => {
    expect(logLoss([1, 0], binary([0.8, 0.4]))).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 14);
  });

  it('clips probabilities at 1e-15 so a confident mistake is finite', () => {
    expect(LOG_LOSS_EPSILON).toBe(1e-15);
    expect(logLoss([1], [[1, 0]])).toBeCloseTo(-Math.log(1e-15), 10); // 34.538776394910684
    expect(
      logLoss(
        [1, 0],
        [
          [1, 0],
          [1, 0],
        ],
      ),
    ).toBeCloseTo(-Math.log(1e-15) / 2, 10);
  });

  it('scores a perfect classifier accuracy 1, F1 1, AUC 1 and log loss ≈ 0', () => {
    const got = classificationMetrics(
      [0, 1, 2, 1],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
    );
    expect(got.accuracy).toBe(1);
    expect(got.f1).toBe(1);
    expect(got.rocAuc).toBe(1);
    // clipped at 1 - 1e-15: -ln(1 - 1e-15) ≈ 1.1e-15 (sklearn clips at machine epsilon and gets 2.2e-16)
    expect(got.logLoss).toBeGreaterThan(0);
    expect(got.logLoss).toBeLessThan(2e-15);
  });

  it('computes binary F1 for class 1 and 0 when undefined', () => {
    // tp = 1 (row 1), fp = 1 (row 2), fn = 1 (row 3) → 2 / (2 + 1 + 1)
    expect(f1Score([0, 1, 0, 1], binary([0.1, 0.9, 0.7, 0.2]))).toBe(0.5);
    // no positives in truth or predictions: sklearn's zero_division default gives 0
    expect(f1Score([0, 0], binary([0.1, 0.2]))).toBe(0);
  });

  it('macro-averages multiclass F1 over the classes present in truth or predictions', () => {
    // truth [0, 0, 1, 2], predicted [0, 1, 1, 0]: F1 class 0 = 2/(2+1+1) = ½, class 1 = 2/(2+1) = ⅔, class 2 = 0
    const probabilities = [
      [0.6, 0.2, 0.1, 0.1],
      [0.2, 0.6, 0.1, 0.1],
      [0.2, 0.6, 0.1, 0.1],
      [0.6, 0.2, 0.1, 0.1],
    ];
    // class 3 never occurs in truth or predictions, so it does not dilute the mean
    expect(f1Score([0, 0, 1, 2], probabilities)).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 14);
  });
});

describe('classification input validation', () => {
  it('rejects unequal or empty lengths', () => {
    expect(() => classificationMetrics([0, 1], binary([0.5]))).toThrow('got 2 and 1');
    expect(() => accuracy([], [])).toThrow(RangeError);
  });

  it('rejects rows that do not sum to 1, values outside [0, 1], ragged rows and a single column', () => {
    expect(() =>
      logLoss(
        [0, 1],
        [
          [0.5, 0.5],
          [0.6, 0.6],
        ],
      ),
    ).toThrow('log loss: probability row 1 sums to 1.2, not 1');
    expect(() => accuracy([0], [[1.5, -0.5]])).toThrow('probabilities[0][0] is 1.5, not a probability in [0, 1]');
    expect(() => accuracy([0], [[NaN, 1]])).toThrow('probabilities[0][0] is NaN');
    expect(() =>
      f1Score(
        [0, 1],
        [
          [0.5, 0.5],
          [0.2, 0.3, 0.5],
        ],
      ),
    ).toThrow('row 1 has 3 columns, row 0 has 2');
    expect(() => rocAuc([0], [[1]])).toThrow('at least 2 probability columns');
  });

  it('accepts float rounding in row sums', () => {
    expect(accuracy([2], [[0.1, 0.2, 0.7000000001]])).toBe(1);
  });

  it('rejects labels that are out of range or not integers', () => {
    expect(() => classificationMetrics([0, 2], binary([0.1, 0.9]))).toThrow(
      'label yTrue[1] = 2 is not a class index in 0..1 (there are 2 probability columns)',
    );
    expect(() => accuracy([-1], binary([0.5]))).toThrow('yTrue[0] = -1');
    expect(() => accuracy([0.5], binary([0.5]))).toThrow('yTrue[0] = 0.5');
  });
});
