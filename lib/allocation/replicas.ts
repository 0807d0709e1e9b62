import {
  allocateCpu,
  allocationCost,
  AllocationInputError,
  roundToStep,
  type CpuAllocationOptions,
  type CpuShare,
  type ModelWorkload,
} from './cpu';

export interface ReplicaOptions {
  /** Most CPU one replica (one model-server process or pod) gets; a larger share is split over more replicas. */
  maxCpuPerReplica: number;
  /** Fewest replicas of a model that gets CPU (default 1; e.g. 2 to survive losing one). */
  minReplicas?: number;
  /** Granularity of each replica's CPU (e.g. 0.001 for millicores); unset: continuous. */
  cpuStep?: number;
}

export interface ReplicaPlan {
  name: string;
  requestsPerSecond: number;
  /** CPU the model gets in all: replicas × cpuPerReplica (≤ its allocated share). */
  cpu: number;
  replicas: number;
  cpuPerReplica: number;
}

export interface DeploymentPlan {
  /** One plan per workload, in the order given. */
  models: ReplicaPlan[];
  /** Σ w_i / R_i over the planned CPUs. */
  cost: number;
  /** Budget no replica uses. */
  unallocatedCpu: number;
}

function positive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AllocationInputError(`${field} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Turns CPU shares into replicas: the fewest replicas (at least minReplicas) whose per-replica CPU stays within
 * maxCpuPerReplica, the share split evenly between them. A share of 0 gets 0 replicas (give the model a minCpu to
 * keep it running without traffic).
 */
export function planReplicas(shares: readonly CpuShare[], options: ReplicaOptions): ReplicaPlan[] {
  const maxCpu = positive(options?.maxCpuPerReplica, 'maxCpuPerReplica');
  const minReplicas = options.minReplicas ?? 1;
  if (!Number.isSafeInteger(minReplicas) || minReplicas < 1) {
    throw new AllocationInputError(`minReplicas must be an integer ≥ 1, got ${String(minReplicas)}`);
  }
  const step = options.cpuStep === undefined ? undefined : positive(options.cpuStep, 'cpuStep');
  if (step !== undefined && step > maxCpu) {
    throw new AllocationInputError(`cpuStep ${step} is larger than maxCpuPerReplica ${maxCpu}; lower cpuStep`);
  }
  return shares.map((share) => {
    if (!(share.cpu > 0)) {
      return { name: share.name, requestsPerSecond: share.requestsPerSecond, cpu: 0, replicas: 0, cpuPerReplica: 0 };
    }
    const replicas = Math.max(minReplicas, Math.ceil(share.cpu / maxCpu - 1e-9));
    let cpuPerReplica = Math.min(maxCpu, share.cpu / replicas);
    if (step !== undefined) {
      const units = Math.floor(cpuPerReplica / step + 1e-9);
      if (units === 0) {
        throw new AllocationInputError(
          `model "${share.name}" gets ${share.cpu} CPUs, less than cpuStep ${step} for each of its ${replicas} replicas (minReplicas); raise its minCpu to ${replicas * step} or lower minReplicas`,
        );
      }
      cpuPerReplica = roundToStep(units, step);
    }
    return {
      name: share.name,
      requestsPerSecond: share.requestsPerSecond,
      cpu: replicas === 1 ? cpuPerReplica : Number((replicas * cpuPerReplica).toPrecision(12)),
      replicas,
      cpuPerReplica,
    };
  });
}

/**
 * Sizes every deployment at once: the CPU allocation minimising Σ w_i / R_i within the budget, then replicas and
 * per-replica CPU. With cpuStep the shares are multiples of it and so, when a share splits evenly, are the replicas.
 */
export function planDeployments(
  workloads: readonly ModelWorkload[],
  options: CpuAllocationOptions & ReplicaOptions,
): DeploymentPlan {
  const allocation = allocateCpu(workloads, { cpuBudget: options?.cpuBudget, cpuStep: options?.cpuStep });
  const models = planReplicas(allocation.shares, options);
  const used = models.reduce((sum, m) => sum + m.cpu, 0);
  const cost = allocationCost(
    models.map((m) => m.requestsPerSecond),
    models.map((m) => m.cpu),
  );
  return { models, cost, unallocatedCpu: Math.max(0, Number((options.cpuBudget - used).toPrecision(12))) };
}
