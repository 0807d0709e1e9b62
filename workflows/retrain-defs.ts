// workflows/retrain-defs.ts
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RetrainSettingsInput } from '../config/retrain';
import type { DriftMetric } from '../lib/drift';
export interface DriftEvidence {
  windowEnd: string;
  version: number;
  score: number;
  metric: DriftMetric;
  features: Record<string, number>;
  rows: number;
}
export interface RetrainInput {
  modelName: string;
  championVersion: number;
  trigger: DriftEvidence;
  /** Overrides of the champion's `retrain` config section (margin, holdoutFraction, minFeedbackRows, ...). */
  settings?: RetrainSettingsInput;
}
export interface RetrainResult {
  modelName: string;
  outcome: 'deployed' | 'kept-champion';
  championVersion: number;
  challengerVersion?: number;
  servingVersion: number;
  metric: string;
  champion: Record<string, number>;
  challenger?: Record<string, number>;
  evidence: number;
  reason: string;
  /** Whether the monitor (`monitor/<model>`) received `referenceUpdated` after a deploy (false: none runs). */
  monitorNotified?: boolean;
  /** The warm-started sweep that tuned the challenger, when the model family is tuned. */
  sweepWorkflowId?: string;
  /** Labelled feedback rows in the window: trained on, and kept back as the holdout. */
  feedback?: { trainingRows: number; holdoutRows: number };
}
export const driftEvidenceSignal = defineSignal<[DriftEvidence]>('driftEvidence');
export function retrainWorkflowId(modelName: string, n: number): string {
  return `retrain/${modelName}/${n}`;
}

/** The retrain's stages, in order; `retrainProgressQuery` reports which one is running. */
export const RETRAIN_STAGES = [
  'plan',
  'ingest',
  'validate',
  'split',
  'tune',
  'train',
  'evaluate',
  'export',
  'compare',
  'register',
  'deploy',
  'notify',
  'done',
] as const;
export type RetrainStage = (typeof RETRAIN_STAGES)[number];

export interface RetrainProgress {
  stage: RetrainStage;
  completed: RetrainStage[];
  championVersion: number;
  challengerVersion?: number;
  /** Drift reports so far: the trigger plus every `driftEvidence` signal received. */
  evidence: number;
  latestEvidence: DriftEvidence;
}

export const retrainProgressQuery = defineQuery<RetrainProgress>('retrainProgress');

/** Sent to `monitor/<model>` after a retrain deployed a new version: the monitor's own signal (one definition). */
export { referenceUpdatedSignal } from './monitor-defs';

/** The warm-started sweep of a retrain: `retrain/<model>/<n>` → `sweep/<model>/retrain-<n>`. */
export function sweepIdForRetrain(retrainId: string): string {
  const match = /^retrain\/(.+)\/([^/]+)$/.exec(retrainId);
  return match ? `sweep/${match[1]}/retrain-${match[2]}` : `${retrainId}/sweep`;
}
