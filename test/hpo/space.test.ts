import { sampleHyperparameters, type SearchSpace, validateHyperparameters } from '../../lib/models/search-space';
import { Rng } from '../../lib/hpo/rng';
import { SpaceCodec } from '../../lib/hpo/space';

const space: SearchSpace = {
  lr: { type: 'float', low: 1e-5, high: 1, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  epochs: { type: 'int', low: 1, high: 500, log: true },
  layers: { type: 'int', low: 1, high: 4 },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
  batch: { type: 'categorical', choices: [32, 64] },
};

describe('SpaceCodec', () => {
  const codec = new SpaceCodec(space);

  it('uses one dimension per numeric parameter and one per categorical choice', () => {
    expect(codec.dim).toBe(4 + 3 + 2);
    expect(codec.params.map((p) => [p.name, p.offset])).toEqual([
      ['lr', 0],
      ['dropout', 1],
      ['epochs', 2],
      ['layers', 3],
      ['activation', 4],
      ['batch', 7],
    ]);
  });

  it('round-trips random points through the unit cube', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) {
      const point = sampleHyperparameters(space, () => rng.uniform());
      const u = codec.encode(point);
      for (const v of u) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      const back = codec.decode(u);
      expect(back.lr).toBeCloseTo(point.lr as number, 12);
      expect(Math.abs((back.lr as number) / (point.lr as number) - 1)).toBeLessThan(1e-12);
      expect(back.dropout).toBeCloseTo(point.dropout as number, 12);
      expect({ ...back, lr: 0, dropout: 0 }).toEqual({ ...point, lr: 0, dropout: 0 });
    }
  });

  it('maps the ends of the cube to the ends of the ranges, on a log scale where asked', () => {
    expect(codec.decode([0, 0, 0, 0, 1, 0, 0, 1, 0])).toEqual({
      lr: 1e-5,
      dropout: 0,
      epochs: 1,
      layers: 1,
      activation: 'relu',
      batch: 32,
    });
    expect(codec.decode([1, 1, 1, 1, 0, 0, 1, 0, 1])).toEqual({
      lr: 1,
      dropout: 0.5,
      epochs: 500,
      layers: 4,
      activation: 'gelu',
      batch: 64,
    });
    const mid = codec.decode([0.5, 0.5, 0.5, 0.5, 0, 1, 0, 0, 1]);
    expect(mid.lr).toBeCloseTo(Math.sqrt(1e-5), 12);
    expect(mid.dropout).toBe(0.25);
    expect(mid.activation).toBe('tanh');
  });

  it('gives every integer an equal-width cell and encodes it at the centre', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const layers = codec.decode([0, 0, 0, (i + 0.5) / 400, 1, 0, 0, 1, 0]).layers as number;
      counts.set(layers, (counts.get(layers) ?? 0) + 1);
    }
    expect([...counts.entries()].sort()).toEqual([
      [1, 100],
      [2, 100],
      [3, 100],
      [4, 100],
    ]);
    expect(codec.encode({ lr: 1, dropout: 0, epochs: 1, layers: 2, activation: 'relu', batch: 32 })[3]).toBeCloseTo(
      0.375,
      12,
    );
  });

  it('decodes any vector to a valid point, and snap(u) = encode(decode(u))', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const u = Array.from({ length: codec.dim }, () => rng.uniform() * 1.4 - 0.2);
      const point = codec.decode(u);
      expect(validateHyperparameters(space, {}, point)).toEqual(point);
      const snapped = codec.snap(u);
      const expected = codec.encode(point);
      for (let j = 0; j < codec.dim; j++) expect(snapped[j]).toBeCloseTo(expected[j], 12);
    }
  });

  it('rejects points that are not in the space, naming the parameter', () => {
    const ok = { lr: 0.1, dropout: 0.1, epochs: 10, layers: 2, activation: 'relu', batch: 32 };
    expect(() => codec.encode({ ...ok, layers: 5 })).toThrow('hyperparameter "layers" = 5 is outside [1, 4]');
    expect(() => codec.encode({ ...ok, activation: 'selu' })).toThrow('"activation" = "selu"');
    expect(() => codec.encode({ ...ok, extra: 1 })).toThrow('unknown hyperparameter "extra"');
    const missing: Record<string, string | number> = { ...ok };
    delete missing.lr;
    expect(() => codec.encode(missing)).toThrow('hyperparameter "lr" has no value');
    expect(() => codec.decode([0.5])).toThrow('expected a point with 9 coordinates, got 1');
  });

  it('rejects unusable spaces with errors that name the parameter', () => {
    const bad = (spec: unknown) => () => new SpaceCodec({ p: spec } as unknown as SearchSpace);
    expect(() => new SpaceCodec({})).toThrow('search space has no parameters');
    expect(bad({ type: 'float', low: 1, high: 1 })).toThrow('search space: "p" has an empty range [1, 1]');
    expect(bad({ type: 'float', low: 2, high: 1 })).toThrow('search space: "p" has an inverted range [2, 1]');
    expect(bad({ type: 'int', low: 5, high: 1 })).toThrow('search space: "p" has an inverted range [5, 1]');
    expect(bad({ type: 'float', low: 0, high: 1, log: true })).toThrow(
      'search space: "p" is log-scaled, so its bounds [0, 1] must be positive',
    );
    expect(bad({ type: 'int', low: -3, high: 4, log: true })).toThrow('"p" is log-scaled');
    expect(bad({ type: 'normal', low: 0, high: 1 })).toThrow(
      'search space: "p" has unknown type "normal"; expected "float", "int" or "categorical"',
    );
    expect(bad({ low: 0, high: 1 })).toThrow('search space: "p" has unknown type undefined');
    expect(bad({ type: 'categorical', choices: [] })).toThrow('search space: "p" has no choices');
    expect(bad({ type: 'int', low: 0.5, high: 3 })).toThrow('"p" is an integer parameter but its bounds');
    expect(bad({ type: 'float', low: 0, high: Infinity })).toThrow('"p" needs finite numeric bounds');
    expect(bad({ type: 'float', low: '0', high: 1 })).toThrow('"p" needs finite numeric bounds');
  });

  it('allows an integer range with a single value', () => {
    const one = new SpaceCodec({ k: { type: 'int', low: 3, high: 3 } });
    expect(one.decode([0])).toEqual({ k: 3 });
    expect(one.decode([1])).toEqual({ k: 3 });
    expect(one.encode({ k: 3 })[0]).toBe(0.5);
  });
});
