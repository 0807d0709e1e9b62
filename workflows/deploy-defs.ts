import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeployRequest } from '../activities/deploy';
import type { DeployAllocation } from '../activities/deploy/allocation';
import type { CanaryVerdict } from '../lib/deploy/canary';

export const DEPLOY_STAGES = [
  'plan',
  'endpoint',
  'start',
  'ready',
  'smoke',
  'canary',
  'promote',
  'drain',
  'done',
  'rolling-back',
  'rolled-back',
] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

/** Stages during which a `rollback` update is accepted: before the new version is promoted. */
export const ROLLBACK_STAGES: readonly DeployStage[] = ['plan', 'endpoint', 'start', 'ready', 'smoke', 'canary'];

export type DeployInput = DeployRequest;

export interface DeployProgress {
  stage: DeployStage;
  completed: DeployStage[];
  /** Percent of traffic the new version receives. */
  weight: number;
  previousVersion?: number;
}

export interface DeployResult {
  modelName: string;
  version: number;
  /** `deployed`; `already-serving` (nothing to do); `rolled-back` on a `rollback` update. */
  outcome: 'deployed' | 'already-serving' | 'rolled-back';
  /** The model's stable endpoint. */
  endpoint?: string;
  previousVersion?: number;
  canary: { weight: number; verdict: CanaryVerdict }[];
  reason?: string;
  /** CPUs and replicas of every model the target serves after this deploy (recorded with the serving version). */
  allocation?: DeployAllocation;
}

export interface RollbackResult {
  /** The version serving after the rollback (null when none served before). */
  servingVersion: number | null;
}

export const deployProgressQuery = defineQuery<DeployProgress>('deployProgress');
/** Abandon the rollout and return traffic to the previous version; accepted until the new version is promoted. */
export const rollbackUpdate = defineUpdate<RollbackResult, [{ reason?: string }]>('rollback');

/** Deterministic: deploying the same version twice is one workflow. */
export function deployWorkflowId(modelName: string, version: number): string {
  return `deploy/${modelName}/${version}`;
}
