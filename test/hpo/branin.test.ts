import type { SearchSpace } from '../../lib/models/search-space';
import { type Observation, randomSearch, suggest, type SuggestInput, type SuggestResult } from '../../lib/hpo/suggest';

/** Branin–Hoo on [−5, 10] × [0, 15]; global minimum 0.397887 at three points. */
function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const space: SearchSpace = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } };

function bestAfter(method: (input: SuggestInput) => SuggestResult, seed: number, budget: number): number {
  const observations: Observation[] = [];
  while (observations.length < budget) {
    const { suggestions } = method({ space, observations, seed });
    for (const { params } of suggestions) {
      observations.push({ params, loss: branin(params.x1 as number, params.x2 as number) });
    }
  }
  return Math.min(...observations.map((o) => o.loss as number));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('Branin benchmark (30 evaluations, 5 seeds)', () => {
  it('GP-EI beats random search and gets close to the global minimum 0.397887', () => {
    const seeds = [0, 1, 2, 3, 4];
    const bo = seeds.map((seed) => bestAfter(suggest, seed, 30));
    const random = seeds.map((seed) => bestAfter(randomSearch, seed, 30));
    expect(median(bo)).toBeLessThan(median(random));
    expect(median(bo)).toBeLessThan(0.6);
    for (const value of bo) expect(value).toBeGreaterThanOrEqual(0.397887 - 1e-6);
  });
});
