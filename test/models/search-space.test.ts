import { LOGISTIC_DEFAULTS, LOGISTIC_SEARCH_SPACE, trainLogistic } from '../../lib/models/logistic';
import { MLP_DEFAULTS, MLP_SEARCH_SPACE, trainMlp } from '../../lib/models/mlp';
import {
  sampleHyperparameters,
  type SearchSpace,
  validateHyperparameters,
  validateSearchSpace,
} from '../../lib/models/search-space';
import { seededRandom } from '../helpers/random';
import { blobs, nonlinearRegression } from './helpers';

const space: SearchSpace = {
  learningRate: { type: 'float', low: 1e-5, high: 1, log: true },
  epochs: { type: 'int', low: 1, high: 500 },
  activation: { type: 'categorical', choices: ['relu', 'tanh'] },
};
const defaults = { learningRate: 0.01, epochs: 100, activation: 'relu' };

describe('validateHyperparameters', () => {
  it('merges the given values over the defaults', () => {
    expect(validateHyperparameters(space, defaults, { epochs: 20 })).toEqual({ ...defaults, epochs: 20 });
    expect(validateHyperparameters(space, defaults)).toEqual(defaults);
    expect(validateHyperparameters(space, defaults, { learningRate: undefined })).toEqual(defaults);
  });

  it('names the parameter, its value and the allowed range when out of range', () => {
    expect(() => validateHyperparameters(space, defaults, { learningRate: 5 })).toThrow(
      'hyperparameter "learningRate" = 5 is outside [1e-5, 1]',
    );
    expect(() => validateHyperparameters(space, defaults, { epochs: 0 })).toThrow(
      'hyperparameter "epochs" = 0 is outside [1, 500]',
    );
  });

  it('rejects non-integers for int parameters, non-numbers and unknown choices', () => {
    expect(() => validateHyperparameters(space, defaults, { epochs: 2.5 })).toThrow(
      /"epochs" = 2.5 is not an integer; expected an integer in \[1, 500\]/,
    );
    expect(() => validateHyperparameters(space, defaults, { learningRate: '0.1' })).toThrow(
      /"learningRate" = "0.1" is not a finite number/,
    );
    expect(() => validateHyperparameters(space, defaults, { learningRate: NaN })).toThrow(/= NaN is not a finite/);
    expect(() => validateHyperparameters(space, defaults, { activation: 'sigmoid' })).toThrow(
      'hyperparameter "activation" = "sigmoid" is not one of ["relu","tanh"]',
    );
  });

  it('names unknown parameters', () => {
    expect(() => validateHyperparameters(space, defaults, { learningrate: 0.1, depth: 3 })).toThrow(
      /unknown hyperparameters "learningrate", "depth"; expected some of: learningRate, epochs, activation/,
    );
  });

  it('is applied by the trainers before any training', () => {
    const data = blobs(20, 1, [
      [5, 0.2],
      [20, 0.8],
    ]);
    expect(() => trainLogistic(data, { learningRate: 5 }, { seed: 1 })).toThrow(
      'hyperparameter "learningRate" = 5 is outside [1e-4, 1]',
    );
    const reg = nonlinearRegression(20, 1);
    expect(() => trainMlp(reg, reg, { hiddenLayers: 3 }, { task: 'regression', seed: 1 })).toThrow(
      'hyperparameter "hiddenLayers" = 3 is outside [1, 2]',
    );
    expect(() => trainMlp(reg, reg, { dropout: 0.5 } as object, { task: 'regression', seed: 1 })).toThrow(
      /unknown hyperparameter "dropout"/,
    );
  });

  it('accepts the models’ own defaults', () => {
    expect(validateHyperparameters(MLP_SEARCH_SPACE, MLP_DEFAULTS)).toEqual(MLP_DEFAULTS);
    expect(validateHyperparameters(LOGISTIC_SEARCH_SPACE, LOGISTIC_DEFAULTS)).toEqual(LOGISTIC_DEFAULTS);
  });
});

describe('validateSearchSpace and sampleHyperparameters', () => {
  it('accepts the exported spaces and rejects unusable ones', () => {
    expect(() => validateSearchSpace(MLP_SEARCH_SPACE)).not.toThrow();
    expect(() => validateSearchSpace(LOGISTIC_SEARCH_SPACE)).not.toThrow();
    expect(() => validateSearchSpace({ l2: { type: 'float', low: 0, high: 1, log: true } })).toThrow(
      /"l2" is log-scaled, so its range \[0, 1\] must be positive/,
    );
    expect(() => validateSearchSpace({ n: { type: 'int', low: 5, high: 1 } })).toThrow(/empty or non-finite range/);
    expect(() => validateSearchSpace({ c: { type: 'categorical', choices: [] } })).toThrow(/no choices/);
  });

  it('samples valid, seeded points', () => {
    const random = seededRandom(3);
    const samples = Array.from({ length: 200 }, () => sampleHyperparameters(MLP_SEARCH_SPACE, random));
    for (const s of samples) expect(validateHyperparameters(MLP_SEARCH_SPACE, MLP_DEFAULTS, s)).toEqual(s);
    expect(new Set(samples.map((s) => s.hiddenLayers))).toEqual(new Set([1, 2]));
    const again = seededRandom(3);
    expect(sampleHyperparameters(MLP_SEARCH_SPACE, again)).toEqual(samples[0]);
    // Log scale: about half of the learning rates fall below the geometric midpoint 10^-2.5.
    const below = samples.filter((s) => (s.learningRate as number) < 10 ** -2.5).length / samples.length;
    expect(below).toBeGreaterThan(0.35);
    expect(below).toBeLessThan(0.65);
  });
});
