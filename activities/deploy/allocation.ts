import { parseDeploySettings, type DeploySettings } from '../../config/deploy';
import { planDeployments, type ModelWorkload, type ReplicaPlan } from '../../lib/allocation';
import type { ServingRecord } from '../../stores/registry';
import type { TargetResources } from './target';

/** The sizing of one deploy: every model the target serves, re-planned with the new one's workload. */
export interface DeployAllocation {
  /** R_total shared by the models. */
  cpuBudget: number;
  /** One plan per model (those serving, then this one): requests/s, CPUs, replicas, CPUs per replica. */
  models: ReplicaPlan[];
  /** Σ w_i / R_i of the plan. */
  cost: number;
  /** What the target enforces (`replicas`, `cpu`); an empty list means the allocation is recorded only. */
  applied: TargetResources['applies'];
}

/**
 * R_i ∝ √w_i over the models serving now (their recorded request rates and minimums; the defaults for a model
 * deployed before allocations were recorded) plus the one being deployed, within the target's CPU budget.
 */
export function planAllocation(
  modelName: string,
  settings: DeploySettings,
  target: TargetResources,
  serving: readonly ServingRecord[],
): DeployAllocation {
  const defaults = parseDeploySettings({}).resources;
  const { resources } = settings;
  const workloads: ModelWorkload[] = serving
    .filter((r) => r.name !== modelName)
    .map((r) => ({
      name: r.name,
      requestsPerSecond: r.allocation?.requestsPerSecond ?? defaults.requestsPerSecond,
      minCpu: r.allocation?.minCpu ?? defaults.minCpu,
    }));
  workloads.push({ name: modelName, requestsPerSecond: resources.requestsPerSecond, minCpu: resources.minCpu });
  const cpuBudget = resources.cpuBudget ?? target.cpuBudget;
  let plan;
  try {
    plan = planDeployments(workloads, {
      cpuBudget,
      cpuStep: resources.cpuStep,
      maxCpuPerReplica: resources.maxCpuPerReplica,
    });
  } catch (err) {
    const others = workloads.length - 1;
    throw new Error(
      `deploy.resources: ${(err as Error).message} (the budget is shared with ${others} other serving model${others === 1 ? '' : 's'}; set deploy.resources.cpuBudget, or lower deploy.resources.minCpu)`,
    );
  }
  return { cpuBudget, models: plan.models, cost: plan.cost, applied: target.applies };
}
