import { defineQuery } from '@temporalio/workflow';

/** The lifecycle's stages, in order; `progressQuery` reports which one is running. */
export const LIFECYCLE_STAGES = [
  'config',
  'ingest',
  'validate',
  'split',
  'train',
  'evaluate',
  'export',
  'register',
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
  dataset: { source: string; hash: string; rows: number; trainRows: number; validationRows: number };
  hyperparameters: Record<string, number | string>;
  metrics: { validationMse: number; baselineMse: number; trainMse: number };
  artifact: { hash: string; uri: string; size: number };
  onnxParityMaxAbsDiff: number;
  validationReportHash: string;
}

export const progressQuery = defineQuery<LifecycleProgress>('progress');

/** Deterministic, readable workflow ID: `lifecycle/<model>/<run>`. */
export function lifecycleWorkflowId(modelName: string, run: string): string {
  return `lifecycle/${modelName}/${run}`;
}
