import { defineQuery } from '@temporalio/workflow';
import type { DeployResult } from './deploy-defs';

/** The lifecycle's stages, in order; `progressQuery` reports which one is running. */
export const LIFECYCLE_STAGES = [
  'config',
  'ingest',
  'validate',
  'split',
  'tune',
  'train',
  'evaluate',
  'export',
  'register',
  'deploy',
  'done',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface LifecycleProgress {
  stage: LifecycleStage;
  completed: LifecycleStage[];
}

export interface LifecycleSummary {
  modelName: string;
  version: number;
  modelType: string;
  task: 'regression' | 'classification';
  dataset: {
    source: string;
    hash: string;
    rows: number;
    trainRows: number;
    validationRows: number;
    splitMethod: 'random' | 'time';
  };
  hyperparameters: Record<string, number | string>;
  /** Regression: validationMse/Rmse/Mae/R2, trainMse, baselineMse; classification: validationAccuracy, ... */
  metrics: Record<string, number>;
  artifact: { hash: string; uri: string; size: number };
  onnxParityMaxAbsDiff: number;
  validationReportHash: string;
  /** Data-validation warnings (the run went on). */
  warnings: string[];
  modelCard: { path: string; hash: string };
  /** The hyperparameter sweep that chose the final model's hyperparameters, when tuning was on. */
  sweep?: {
    workflowId: string;
    trials: number;
    failed: number;
    bestLoss: number;
    bestParams: Record<string, number | string>;
  };
  /** The rollout of the registered version, when `deploy.enabled`. */
  deploy?: DeployResult;
}

export const progressQuery = defineQuery<LifecycleProgress>('progress');

/** Deterministic, readable workflow ID: `lifecycle/<model>/<run>`. */
export function lifecycleWorkflowId(modelName: string, run: string): string {
  return `lifecycle/${modelName}/${run}`;
}
