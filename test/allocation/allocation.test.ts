import {
  allocateCpu,
  allocationCost,
  AllocationInputError,
  planDeployments,
  planReplicas,
  type ModelWorkload,
} from '../../lib/allocation';
import { seededRandom } from '../helpers/random';

const random = seededRandom(5);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function workloads(rates: number[], minimums: number[] = []): ModelWorkload[] {
  return rates.map((requestsPerSecond, i) => ({
    name: `m${i}`,
    requestsPerSecond,
    ...(minimums[i] !== undefined ? { minCpu: minimums[i] } : {}),
  }));
}

/** Every split of the budget on a grid of `cells` steps per CPU (the last model takes the rest): the least cost. */
function gridSearch(rates: number[], minimums: number[], budget: number, cells: number): number {
  const h = budget / cells;
  let best = Infinity;
  const visit = (i: number, left: number, cpu: number[]) => {
    if (i === rates.length - 1) {
      if (left + 1e-12 < minimums[i]) return;
      best = Math.min(best, allocationCost(rates, [...cpu, left]));
      return;
    }
    for (let k = 0; k * h <= left + 1e-12; k++)
      if (k * h >= minimums[i] - 1e-12) visit(i + 1, left - k * h, [...cpu, k * h]);
  };
  visit(0, budget, []);
  return best;
}

/** Every integer split of `units` steps with Σ ≤ units: the exact least cost. */
function integerSearch(rates: number[], minUnits: number[], units: number): number {
  let best = Infinity;
  const visit = (i: number, left: number, cpu: number[]) => {
    if (i === rates.length) {
      best = Math.min(best, allocationCost(rates, cpu));
      return;
    }
    for (let k = minUnits[i]; k <= left; k++) visit(i + 1, left - k, [...cpu, k]);
  };
  visit(0, units, []);
  return best;
}

describe('allocateCpu (continuous)', () => {
  it('gives CPU in proportion to √w when no minimum binds, and spends the whole budget', () => {
    const { shares, cost, unallocatedCpu } = allocateCpu(workloads([100, 400, 900]), { cpuBudget: 6 });
    expect(shares.map((s) => s.cpu)).toEqual([1, 2, 3].map((x) => expect.closeTo(x, 12)));
    expect(shares.every((s) => !s.atMinimum)).toBe(true);
    expect(cost).toBeCloseTo(100 / 1 + 400 / 2 + 900 / 3, 9);
    expect(unallocatedCpu).toBe(0);
  });

  it('clamps models whose share is under their minimum and shares the rest by √w (water-filling)', () => {
    // Without minimums: 0.5, 1, 4.5 of 6. Model 0 needs 2: the other two share 4 in the ratio 1 : 4.5.
    const { shares } = allocateCpu(workloads([1, 4, 81], [2, 0, 0]), { cpuBudget: 6 });
    expect(shares[0]).toMatchObject({ cpu: 2, atMinimum: true });
    expect(shares[1].cpu).toBeCloseTo(4 * (2 / 11), 12);
    expect(shares[2].cpu).toBeCloseTo(4 * (9 / 11), 12);
    // A second round: clamping model 0 lowers the others' level below model 1's minimum, so it clamps too.
    const cascade = allocateCpu(workloads([1, 4, 81], [2, 0.8, 0]), { cpuBudget: 6 });
    expect(cascade.shares.map((s) => s.cpu)).toEqual([2, 0.8, expect.closeTo(3.2, 12)]);
    expect(cascade.shares.map((s) => s.atMinimum)).toEqual([true, true, false]);
  });

  it('gives models without traffic their minimum only; a budget nobody can use stays unallocated', () => {
    const { shares } = allocateCpu(workloads([0, 50], [0.25, 0.5]), { cpuBudget: 2 });
    expect(shares.map((s) => s.cpu)).toEqual([0.25, 1.75]);
    const idle = allocateCpu(workloads([0, 0], [0.25, 0.5]), { cpuBudget: 2 });
    expect(idle.shares.map((s) => s.cpu)).toEqual([0.25, 0.5]);
    expect(idle.unallocatedCpu).toBeCloseTo(1.25, 12);
    expect(idle.cost).toBe(0);
  });

  it('matches a brute-force grid search on small cases', () => {
    const cases: [number[], number[], number][] = [
      [[10, 90], [0, 0], 4],
      [[1, 100], [1.5, 0], 3],
      [[5, 5, 50], [0, 1, 0], 3],
      [[30, 1, 7], [0.2, 0.9, 0.1], 2],
      [[0, 8, 2], [0.5, 0, 0], 2],
    ];
    for (const [rates, minimums, budget] of cases) {
      const { cost, shares } = allocateCpu(workloads(rates, minimums), { cpuBudget: budget });
      const grid = gridSearch(rates, minimums, budget, rates.length === 2 ? 4000 : 400);
      expect(cost).toBeLessThanOrEqual(grid * (1 + 1e-12)); // no grid point beats the closed form
      expect(grid).toBeLessThanOrEqual(cost * 1.002); // and the grid's best comes close to it
      expect(sum(shares.map((s) => s.cpu))).toBeLessThanOrEqual(budget * (1 + 1e-12));
    }
  });

  it('matches grid search on random cases, and no transfer of CPU between two models lowers the cost', () => {
    for (let trial = 0; trial < 60; trial++) {
      const n = 2 + Math.floor(random() * 2);
      const budget = 0.5 + random() * 8;
      const rates = Array.from({ length: n }, () => (random() < 0.1 ? 0 : Math.exp(random() * 8)));
      const minimums = Array.from({ length: n }, () => (random() < 0.5 ? 0 : (random() * budget) / n));
      const { cost, shares } = allocateCpu(workloads(rates, minimums), { cpuBudget: budget });
      const cpu = shares.map((s) => s.cpu);
      expect(cost).toBeLessThanOrEqual(gridSearch(rates, minimums, budget, 300) * (1 + 1e-12));
      shares.forEach((s, i) => expect(s.cpu).toBeGreaterThanOrEqual(minimums[i]));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const delta = Math.min(1e-3, cpu[i] - minimums[i]);
          if (i === j || delta <= 0) continue;
          const moved = [...cpu];
          moved[i] -= delta;
          moved[j] += delta;
          expect(allocationCost(rates, moved)).toBeGreaterThanOrEqual(cost * (1 - 1e-12));
        }
      }
    }
  });

  it('scales to many models: KKT holds (unclamped models share one level c = R_i / √w_i)', () => {
    const n = 200;
    const rates = Array.from({ length: n }, () => Math.exp(random() * 10));
    const minimums = Array.from({ length: n }, () => random() * 0.2);
    const { shares } = allocateCpu(workloads(rates, minimums), { cpuBudget: 40 });
    expect(sum(shares.map((s) => s.cpu))).toBeCloseTo(40, 9);
    const free = shares.filter((s) => !s.atMinimum);
    const levels = free.map((s) => s.cpu / Math.sqrt(s.requestsPerSecond));
    expect(Math.max(...levels) - Math.min(...levels)).toBeLessThan(1e-12 * Math.max(...levels));
    // A clamped model's √w share at that level would be under its minimum.
    for (const s of shares.filter((x) => x.atMinimum))
      expect(levels[0] * Math.sqrt(s.requestsPerSecond)).toBeLessThan(s.cpu + 1e-12);
  });
});

describe('allocateCpu (in steps)', () => {
  it('matches exhaustive integer search on random cases', () => {
    for (let trial = 0; trial < 80; trial++) {
      const n = 2 + Math.floor(random() * 2);
      const step = [0.1, 0.25, 1][Math.floor(random() * 3)];
      const units = n + Math.floor(random() * 25);
      const rates = Array.from({ length: n }, () => (random() < 0.15 ? 0 : Math.exp(random() * 6)));
      const minUnits = Array.from({ length: n }, () => (random() < 0.6 ? 0 : Math.floor(random() * (units / n))));
      const minimums = minUnits.map((u) => u * step);
      // Models with traffic need at least one step; the exhaustive search enforces the same.
      const need = minUnits.map((u, i) => (rates[i] > 0 ? Math.max(1, u) : u));
      const budget = units * step;
      const { shares, cost } = allocateCpu(workloads(rates, minimums), { cpuBudget: budget, cpuStep: step });
      // The search counts CPU in steps, so its cost is ours × step.
      expect(cost * step).toBeCloseTo(integerSearch(rates, need, units), 9);
      for (const s of shares) expect(Math.abs(s.cpu / step - Math.round(s.cpu / step))).toBeLessThan(1e-9);
      expect(sum(shares.map((s) => s.cpu))).toBeLessThanOrEqual(budget + 1e-9);
    }
  });

  it('returns clean millicore values', () => {
    const { shares } = allocateCpu(workloads([3, 1, 1]), { cpuBudget: 1, cpuStep: 0.001 });
    expect(shares.map((s) => s.cpu)).toEqual([0.464, 0.268, 0.268]);
  });
});

describe('allocation input errors name the field and the fix', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'negative rate',
      () => allocateCpu(workloads([5, -1]), { cpuBudget: 1 }),
      /workloads\[1\]\.requestsPerSecond .*≥ 0, got -1/,
    ],
    ['NaN rate', () => allocateCpu(workloads([NaN]), { cpuBudget: 1 }), /workloads\[0\]\.requestsPerSecond .* got NaN/],
    ['negative minimum', () => allocateCpu(workloads([1], [-0.5]), { cpuBudget: 1 }), /workloads\[0\]\.minCpu/],
    [
      'zero budget',
      () => allocateCpu(workloads([1]), { cpuBudget: 0 }),
      /cpuBudget must be a finite number > 0, got 0/,
    ],
    ['infinite budget', () => allocateCpu(workloads([1]), { cpuBudget: Infinity }), /cpuBudget .* got Infinity/],
    ['no workloads', () => allocateCpu([], { cpuBudget: 1 }), /workloads must be a non-empty array/],
    [
      'duplicate name',
      () =>
        allocateCpu(
          [
            { name: 'a', requestsPerSecond: 1 },
            { name: 'a', requestsPerSecond: 2 },
          ],
          { cpuBudget: 1 },
        ),
      /workloads\[1\]\.name "a" is given twice/,
    ],
    [
      'minimums over budget',
      () => allocateCpu(workloads([1, 1], [0.75, 0.5]), { cpuBudget: 1 }),
      /add up to 1.25 CPUs .* over cpuBudget 1; raise cpuBudget or lower minCpu/,
    ],
    [
      'minimums over budget after rounding',
      () => allocateCpu(workloads([1, 1], [0.55, 0.3]), { cpuBudget: 1.2, cpuStep: 0.5 }),
      /rounded up to cpuStep 0.5, add up to 1.5 CPUs .* over cpuBudget 1.2/,
    ],
    [
      'bad step',
      () => allocateCpu(workloads([1]), { cpuBudget: 1, cpuStep: -1 }),
      /cpuStep must be a finite number > 0/,
    ],
    [
      'too few steps',
      () => allocateCpu(workloads([1, 1, 1]), { cpuBudget: 0.002, cpuStep: 0.001 }),
      /cannot give each of the 3 models with traffic .* one step; raise cpuBudget or lower cpuStep/,
    ],
    [
      'bad max per replica',
      () => planReplicas([], { maxCpuPerReplica: 0 }),
      /maxCpuPerReplica must be a finite number > 0/,
    ],
    [
      'bad min replicas',
      () => planReplicas([], { maxCpuPerReplica: 1, minReplicas: 1.5 }),
      /minReplicas must be an integer ≥ 1, got 1.5/,
    ],
  ];
  it.each(cases)('%s', (_label, run, message) => {
    expect(run).toThrow(AllocationInputError);
    expect(run).toThrow(message);
  });
});

describe('planReplicas / planDeployments', () => {
  it('splits a share over the fewest replicas within maxCpuPerReplica, honouring minReplicas', () => {
    const shares = [
      { name: 'a', requestsPerSecond: 9, cpu: 3.5, atMinimum: false },
      { name: 'b', requestsPerSecond: 1, cpu: 0.6, atMinimum: false },
      { name: 'c', requestsPerSecond: 0, cpu: 0, atMinimum: true },
    ];
    expect(planReplicas(shares, { maxCpuPerReplica: 1 })).toEqual([
      { name: 'a', requestsPerSecond: 9, cpu: 3.5, replicas: 4, cpuPerReplica: 0.875 },
      { name: 'b', requestsPerSecond: 1, cpu: 0.6, replicas: 1, cpuPerReplica: 0.6 },
      { name: 'c', requestsPerSecond: 0, cpu: 0, replicas: 0, cpuPerReplica: 0 },
    ]);
    const twoEach = planReplicas(shares, { maxCpuPerReplica: 2, minReplicas: 2, cpuStep: 0.25 });
    expect(twoEach.map((p) => [p.replicas, p.cpuPerReplica, p.cpu])).toEqual([
      [2, 1.75, 3.5],
      [2, 0.25, 0.5], // 0.3 per replica rounds down to the step
      [0, 0, 0],
    ]);
    expect(() => planReplicas(shares, { maxCpuPerReplica: 1, minReplicas: 4, cpuStep: 0.25 })).toThrow(
      /model "b" gets 0.6 CPUs, less than cpuStep 0.25 for each of its 4 replicas .* raise its minCpu to 1/,
    );
  });

  it('sizes deployments within the budget, in millicores', () => {
    const plan = planDeployments(
      [
        { name: 'seattle', requestsPerSecond: 900 },
        { name: 'penguins', requestsPerSecond: 100 },
        { name: 'rarely-used', requestsPerSecond: 0, minCpu: 0.1 },
      ],
      { cpuBudget: 4, cpuStep: 0.001, maxCpuPerReplica: 1 },
    );
    expect(plan.models.map((m) => [m.name, m.replicas, m.cpuPerReplica])).toEqual([
      ['seattle', 3, 0.975],
      ['penguins', 1, 0.975],
      ['rarely-used', 1, 0.1],
    ]);
    expect(sum(plan.models.map((m) => m.cpu))).toBeLessThanOrEqual(4);
    expect(plan.unallocatedCpu).toBeCloseTo(4 - 3 * 0.975 - 0.975 - 0.1, 9);
    expect(plan.cost).toBeCloseTo(900 / 2.925 + 100 / 0.975, 9);
  });
});
