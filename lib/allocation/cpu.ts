/**
 * CPU allocation across served models: given each model's workload w_i (expected requests per second) and a CPU
 * budget R, choose R_i minimising Σ w_i / R_i subject to Σ R_i ≤ R and R_i ≥ minCpu_i.
 *
 * Without minimums the Lagrange conditions w_i / R_i² = λ give R_i ∝ √w_i. With minimums the optimum is
 * R_i = max(minCpu_i, c·√w_i), the one c that spends the budget (water-filling): models whose √w share is below their
 * minimum are clamped to it and the rest of the budget is shared among the others in proportion to √w.
 */

export interface ModelWorkload {
  /** The model (deployment) name; unique within one allocation. */
  name: string;
  /** Expected request rate w_i (requests per second, ≥ 0). */
  requestsPerSecond: number;
  /** CPU the model gets whatever its workload (default 0). */
  minCpu?: number;
}

export interface CpuAllocationOptions {
  /** CPUs to share (R_total, > 0). */
  cpuBudget: number;
  /**
   * Granularity of the result (e.g. 0.001 for Kubernetes millicores): every R_i becomes a multiple of it and the
   * integer problem is solved exactly. Unset: continuous CPUs.
   */
  cpuStep?: number;
}

export interface CpuShare {
  name: string;
  requestsPerSecond: number;
  cpu: number;
  /** True when the model gets its minimum only (its √w share would have been smaller). */
  atMinimum: boolean;
}

export interface CpuAllocation {
  /** One share per workload, in the order given. */
  shares: CpuShare[];
  /** Σ w_i / R_i, the objective (requests per second per CPU, summed; lower is better). */
  cost: number;
  /** Budget left over: only when no model with traffic could use it (every workload 0, or step rounding). */
  unallocatedCpu: number;
}

/** An input that cannot be allocated; the message names the field and the fix. */
export class AllocationInputError extends Error {
  override name = 'AllocationInputError';
}

function requireNumber(value: unknown, field: string, rule: 'positive' | 'non-negative'): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (rule === 'positive' ? value > 0 : value >= 0);
  if (!ok) {
    const got = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
    throw new AllocationInputError(
      `${field} must be a finite number ${rule === 'positive' ? '> 0' : '≥ 0'}, got ${got}`,
    );
  }
  return value as number;
}

/** Σ w_i / R_i: 0 for a model without traffic, Infinity for a model with traffic and no CPU. */
export function allocationCost(workloads: readonly number[], cpu: readonly number[]): number {
  let cost = 0;
  for (let i = 0; i < workloads.length; i++) {
    if (workloads[i] > 0) cost += cpu[i] > 0 ? workloads[i] / cpu[i] : Infinity;
  }
  return cost;
}

/**
 * The continuous water-filling solution: R_i = max(m_i, c·√w_i) with Σ R_i = budget (models without traffic get
 * their minimum). Clamping a model lowers c, so a clamped model never needs unclamping: at most n rounds.
 */
export function waterFill(workloads: readonly number[], minimums: readonly number[], budget: number): number[] {
  const n = workloads.length;
  const roots = workloads.map(Math.sqrt);
  const clamped = workloads.map((w) => !(w > 0));
  let remaining = budget - minimums.reduce((sum, m, i) => sum + (clamped[i] ? m : 0), 0);
  let c = 0;
  for (;;) {
    let rootSum = 0;
    for (let i = 0; i < n; i++) if (!clamped[i]) rootSum += roots[i];
    if (rootSum === 0) break;
    c = remaining / rootSum;
    let changed = false;
    for (let i = 0; i < n; i++) {
      if (!clamped[i] && c * roots[i] < minimums[i]) {
        clamped[i] = true;
        remaining -= minimums[i];
        changed = true;
      }
    }
    if (!changed) break;
  }
  return roots.map((root, i) => (clamped[i] ? minimums[i] : c * root));
}

/**
 * The exact integer solution in units of one step: the floor of the continuous optimum is part of an optimal integer
 * solution (every unit below it gains at least the common marginal λ), and the < n units left go greedily to the
 * largest marginal gains w/x − w/(x+1).
 */
function waterFillSteps(workloads: readonly number[], minimums: readonly number[], budget: number): number[] {
  const units = waterFill(workloads, minimums, budget).map((x, i) => Math.max(minimums[i], Math.floor(x + 1e-9)));
  let left = budget - units.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let best = -1;
    let bestGain = 0;
    for (let i = 0; i < units.length; i++) {
      const w = workloads[i];
      if (!(w > 0)) continue;
      const gain = units[i] === 0 ? Infinity : w / units[i] - w / (units[i] + 1);
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    if (best < 0) break;
    units[best]++;
    left--;
  }
  return units;
}

/** Shares a CPU budget among models so that Σ w_i / R_i is smallest, honouring each model's minimum. */
export function allocateCpu(workloads: readonly ModelWorkload[], options: CpuAllocationOptions): CpuAllocation {
  if (!Array.isArray(workloads) || workloads.length === 0) {
    throw new AllocationInputError('workloads must be a non-empty array of {name, requestsPerSecond, minCpu?}');
  }
  const budget = requireNumber(options?.cpuBudget, 'cpuBudget', 'positive');
  const step = options.cpuStep === undefined ? undefined : requireNumber(options.cpuStep, 'cpuStep', 'positive');
  const names = new Set<string>();
  const rates = workloads.map((workload, i) => {
    const field = `workloads[${i}]`;
    if (typeof workload?.name !== 'string' || workload.name === '') {
      throw new AllocationInputError(`${field}.name must be a non-empty string, got ${JSON.stringify(workload?.name)}`);
    }
    if (names.has(workload.name)) {
      throw new AllocationInputError(`${field}.name "${workload.name}" is given twice; give each model once`);
    }
    names.add(workload.name);
    return requireNumber(workload.requestsPerSecond, `${field}.requestsPerSecond`, 'non-negative');
  });
  const minimums = workloads.map((w, i) =>
    w.minCpu === undefined ? 0 : requireNumber(w.minCpu, `workloads[${i}].minCpu`, 'non-negative'),
  );

  let cpu: number[];
  if (step === undefined) {
    const total = minimums.reduce((a, b) => a + b, 0);
    if (total > budget) {
      throw new AllocationInputError(
        `the models' minimums add up to ${total} CPUs (Σ workloads[].minCpu), over cpuBudget ${budget}; raise cpuBudget or lower minCpu`,
      );
    }
    cpu = waterFill(rates, minimums, budget);
  } else {
    // Integer units of one step; a tiny tolerance keeps 0.3 / 0.1 from becoming 2.9999… steps.
    const budgetUnits = Math.floor(budget / step + 1e-9);
    const minUnits = minimums.map((m) => Math.ceil(m / step - 1e-9));
    const total = minUnits.reduce((a, b) => a + b, 0);
    if (total > budgetUnits) {
      throw new AllocationInputError(
        `the models' minimums, rounded up to cpuStep ${step}, add up to ${total * step} CPUs (Σ workloads[].minCpu), over cpuBudget ${budget}; raise cpuBudget or lower minCpu`,
      );
    }
    const busy = rates.filter((w, i) => w > 0 && minUnits[i] === 0).length;
    if (budgetUnits - total < busy) {
      throw new AllocationInputError(
        `cpuBudget ${budget} in steps of cpuStep ${step} cannot give each of the ${busy} models with traffic and no minCpu one step; raise cpuBudget or lower cpuStep`,
      );
    }
    cpu = waterFillSteps(rates, minUnits, budgetUnits).map((units) => roundToStep(units, step));
    minimums.forEach((_, i) => (minimums[i] = roundToStep(minUnits[i], step)));
  }
  const used = cpu.reduce((a, b) => a + b, 0);
  return {
    shares: workloads.map((w, i) => ({
      name: w.name,
      requestsPerSecond: rates[i],
      cpu: cpu[i],
      atMinimum: cpu[i] <= minimums[i],
    })),
    cost: allocationCost(rates, cpu),
    unallocatedCpu: Math.max(0, budget - used),
  };
}

/** units × step without float noise such as 3 × 0.1 = 0.30000000000000004 (to 12 significant digits). */
export function roundToStep(units: number, step: number): number {
  return Number((units * step).toPrecision(12));
}
