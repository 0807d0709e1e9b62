import type { HyperparameterValues, SearchSpace } from '../../lib/models/search-space';
import { validateHyperparameters } from '../../lib/models/search-space';
import { type Observation, randomSearch, suggest, type SuggestInput } from '../../lib/hpo/suggest';

const space: SearchSpace = {
  lr: { type: 'float', low: 1e-4, high: 1, log: true },
  depth: { type: 'int', low: 1, high: 8 },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
};

/** Best at lr = 0.01, depth = 5, activation = 'tanh'. */
function loss(p: HyperparameterValues): number {
  const lr = Math.log10(p.lr as number) + 2;
  const depth = ((p.depth as number) - 5) / 3;
  const act = { relu: 0.3, tanh: 0, gelu: 0.6 }[p.activation as string] ?? 1;
  return lr * lr + depth * depth + act;
}

function history(count: number, seed = 1): Observation[] {
  const observations: Observation[] = [];
  while (observations.length < count) {
    const result = suggest({ space, observations, seed, nInitial: 6 });
    for (const s of result.suggestions) observations.push({ params: s.params, loss: loss(s.params) });
  }
  return observations;
}

const keyOf = (p: HyperparameterValues) => JSON.stringify([p.lr, p.depth, p.activation]);

describe('suggest', () => {
  it('starts with a quasi-random design that continues across calls', () => {
    const batch = suggest({ space, observations: [], seed: 3, batchSize: 5, nInitial: 10 });
    expect(batch.suggestions.map((s) => s.source)).toEqual(Array(5).fill('initial'));
    expect(batch.model).toBeNull();
    const one = suggest({ space, observations: [], seed: 3, nInitial: 10 });
    expect(one.suggestions[0].params).toEqual(batch.suggestions[0].params);
    const next = suggest({
      space,
      observations: [{ params: batch.suggestions[0].params, loss: 1 }],
      pending: batch.suggestions.slice(1, 3).map((s) => s.params),
      seed: 3,
      nInitial: 10,
    });
    expect(next.suggestions[0].params).toEqual(batch.suggestions[3].params);
    for (const s of batch.suggestions) expect(validateHyperparameters(space, {}, s.params)).toEqual(s.params);
  });

  it('switches to GP-EI after nInitial points and makes progress', () => {
    const observations = history(20);
    const best = Math.min(...observations.slice(6).map((o) => o.loss as number));
    const initialBest = Math.min(...observations.slice(0, 6).map((o) => o.loss as number));
    expect(best).toBeLessThan(initialBest);
    expect(best).toBeLessThan(0.1);
    const result = suggest({ space, observations, seed: 1, nInitial: 6 });
    expect(result.suggestions[0].source).toBe('gp-ei');
    expect(result.model?.observations).toBe(20);
    expect(result.model?.hyperparameters.lengthScales).toHaveLength(1 + 1 + 3);
  });

  it('is deterministic, and its input and result survive JSON', () => {
    const observations = history(12);
    observations.push({ params: { lr: 0.5, depth: 2, activation: 'gelu' }, loss: NaN });
    const input: SuggestInput = { space, observations, seed: 42, batchSize: 3, nInitial: 6 };
    const a = suggest(input);
    const b = suggest(JSON.parse(JSON.stringify(input)) as SuggestInput);
    expect(suggest(input)).toEqual(a);
    // Through JSON the NaN loss became null: only the reported reason differs.
    expect(b.suggestions).toEqual(a.suggestions);
    expect(b.model).toEqual(a.model);
    expect(b.failed.map((f) => [f.index, f.reason])).toEqual([[12, 'null']]);
    expect(a.failed.map((f) => [f.index, f.reason])).toEqual([[12, 'NaN']]);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    const other = suggest({ ...input, seed: 43 });
    expect(other.suggestions.map((s) => s.params)).not.toEqual(a.suggestions.map((s) => s.params));
    // The fitted hyperparameters can be fed back as a warm start.
    const warm = suggest({ ...input, options: { warmStart: a.model!.hyperparameters } });
    expect(warm.suggestions).toHaveLength(3);
  });

  it.each(['constant-liar-min', 'constant-liar-mean', 'constant-liar-max', 'kriging-believer'] as const)(
    'makes distinct batch suggestions (%s), avoiding tried and pending points',
    (batchStrategy) => {
      const observations = history(10);
      const pending = [{ lr: 0.01, depth: 5, activation: 'tanh' }];
      const result = suggest({
        space,
        observations,
        seed: 7,
        batchSize: 6,
        nInitial: 6,
        pending,
        options: { batchStrategy },
      });
      const keys = result.suggestions.map((s) => keyOf(s.params));
      expect(new Set(keys).size).toBe(6);
      const tried = new Set([...observations.map((o) => keyOf(o.params)), ...pending.map(keyOf)]);
      for (const key of keys) expect(tried.has(key)).toBe(false);
      for (const s of result.suggestions) {
        expect(s.source).toBe('gp-ei');
        expect(Number.isFinite(s.logEI)).toBe(true);
        expect(Number.isFinite(s.predictedLoss)).toBe(true);
      }
    },
  );

  it('keeps batches distinct in a tiny discrete space, and copes once it is exhausted', () => {
    const tiny: SearchSpace = {
      k: { type: 'int', low: 1, high: 3 },
      c: { type: 'categorical', choices: ['a', 'b'] },
    };
    const f = (p: HyperparameterValues) => (p.k as number) + (p.c === 'a' ? 0 : 0.5);
    const first = suggest({ space: tiny, observations: [], seed: 1, batchSize: 3, nInitial: 3 });
    const observations = first.suggestions.map((s) => ({ params: s.params, loss: f(s.params) }));
    const second = suggest({ space: tiny, observations, seed: 1, batchSize: 3, nInitial: 3 });
    const all = [...first.suggestions, ...second.suggestions].map((s) => JSON.stringify(s.params));
    expect(new Set(all).size).toBe(6);
    observations.push(...second.suggestions.map((s) => ({ params: s.params, loss: f(s.params) })));
    const third = suggest({ space: tiny, observations, seed: 1, batchSize: 2, nInitial: 3 });
    expect(third.suggestions).toHaveLength(2);
  });

  it('excludes failed trials from the model, reports them and does not retry them', () => {
    const observations = history(10);
    const failedParams = [
      { lr: 0.011, depth: 5, activation: 'tanh' },
      { lr: 0.009, depth: 5, activation: 'tanh' },
      { lr: 0.0105, depth: 5, activation: 'tanh' },
    ];
    const withFailures: Observation[] = [
      ...observations,
      { params: failedParams[0], loss: NaN },
      { params: failedParams[1], loss: Infinity },
      { params: failedParams[2], loss: null },
    ];
    const result = suggest({ space, observations: withFailures, seed: 5, batchSize: 2, nInitial: 6 });
    expect(result.failed).toEqual([
      { index: 10, params: failedParams[0], loss: null, reason: 'NaN' },
      { index: 11, params: failedParams[1], loss: null, reason: 'Infinity' },
      { index: 12, params: failedParams[2], loss: null, reason: 'null' },
    ]);
    expect(result.model?.observations).toBe(10);
    for (const s of result.suggestions) {
      expect(failedParams.map(keyOf)).not.toContain(keyOf(s.params));
      expect(Number.isFinite(s.predictedLoss)).toBe(true);
    }
    // The model ignores them: same suggestion quality with or without.
    expect(result.model?.logMarginalLikelihood).toBeCloseTo(
      suggest({ space, observations, seed: 5, nInitial: 6 }).model!.logMarginalLikelihood,
      1,
    );
  });

  it('stays in the initial design while fewer than 2 trials succeeded', () => {
    const observations: Observation[] = [
      { params: { lr: 0.1, depth: 1, activation: 'relu' }, loss: NaN },
      { params: { lr: 0.2, depth: 2, activation: 'relu' }, loss: NaN },
      { params: { lr: 0.3, depth: 3, activation: 'relu' }, loss: 1 },
    ];
    const result = suggest({ space, observations, seed: 1, nInitial: 2 });
    expect(result.suggestions[0].source).toBe('initial');
    expect(result.failed.map((f) => f.index)).toEqual([0, 1]);
  });

  it('copes with constant losses and a one-dimensional space', () => {
    const line: SearchSpace = { x: { type: 'float', low: -1, high: 1 } };
    const observations = [-0.5, 0, 0.5].map((x) => ({ params: { x }, loss: 3 }));
    const result = suggest({ space: line, observations, seed: 1, batchSize: 2, nInitial: 3 });
    expect(result.suggestions.map((s) => s.source)).toEqual(['gp-ei', 'gp-ei']);
    for (const s of result.suggestions) expect(Number.isFinite(s.predictedLoss)).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => suggest({ space, observations: [], seed: 1, batchSize: 0 })).toThrow(
      'batchSize must be a positive integer, got 0',
    );
    expect(() => suggest({ space, observations: [], seed: 1.5 })).toThrow('seed must be an integer');
    expect(() =>
      suggest({ space, observations: [{ params: { lr: 5, depth: 1, activation: 'relu' }, loss: 1 }], seed: 1 }),
    ).toThrow('suggest: observation 0: hyperparameter "lr" = 5 is outside [1e-4, 1]');
    expect(() => suggest({ space: { x: { type: 'float', low: 1, high: 0 } }, observations: [], seed: 1 })).toThrow(
      'search space: "x" has an inverted range [1, 0]',
    );
  });

  it('suggests in reasonable time with 100 observations in 6 dimensions', () => {
    const space6: SearchSpace = Object.fromEntries(
      Array.from({ length: 6 }, (_, j) => [`x${j}`, { type: 'float', low: 0, high: 1 }]),
    );
    const points = randomSearch({ space: space6, observations: [], seed: 2, batchSize: 100 }).suggestions;
    const observations = points.map((s) => {
      const x = Object.values(s.params) as number[];
      return { params: s.params, loss: x.reduce((acc, v, j) => acc + (v - 0.1 * j) ** 2, 0) };
    });
    suggest({ space: space6, observations, seed: 0 }); // warm up the JIT
    const started = performance.now();
    const result = suggest({ space: space6, observations, seed: 1 });
    const elapsed = performance.now() - started;
    expect(result.suggestions[0].source).toBe('gp-ei');
    expect(elapsed).toBeLessThan(2000); // ~100–150 ms on an idle 2-core machine; generous for loaded CI
  });
});

describe('randomSearch', () => {
  it('is deterministic, valid and distinct, with the same input shape as suggest', () => {
    const input: SuggestInput = { space, observations: history(3), seed: 9, batchSize: 20 };
    const a = randomSearch(input);
    expect(randomSearch(input)).toEqual(a);
    expect(a.model).toBeNull();
    expect(new Set(a.suggestions.map((s) => keyOf(s.params))).size).toBe(20);
    for (const s of a.suggestions) {
      expect(s.source).toBe('random');
      expect(validateHyperparameters(space, {}, s.params)).toEqual(s.params);
    }
    expect(randomSearch({ ...input, seed: 10 }).suggestions).not.toEqual(a.suggestions);
  });
});
