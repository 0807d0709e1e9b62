// workflows/retrain-defs.ts
import { defineSignal } from '@temporalio/workflow';
export interface DriftEvidence {
  windowEnd: string;
  version: number;
  score: number;
  metric: 'kl' | 'psi' | 'js';
  features: Record<string, number>;
  rows: number;
}
export interface RetrainInput {
  modelName: string;
  championVersion: number;
  trigger: DriftEvidence;
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
}
export const driftEvidenceSignal = defineSignal<[DriftEvidence]>('driftEvidence');
export function retrainWorkflowId(modelName: string, n: number): string {
  return `retrain/${modelName}/${n}`;
}
