import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SplitDataset, ValidatedDataset } from '../activities/data';
import type { LifecycleConfig } from '../config/project';
import type { SearchSpace } from '../lib/models/search-space';

export type ParamValues = Record<string, number | string>;

export interface SweepSettings {
  /** Parameters to tune; the model's other hyperparameters keep their configured values. */
  space: SearchSpace;
  maxTrials: number;
  parallelism: number;
  /** The sweep fails once more trials than this have failed. */
  maxFailedTrials: number;
  /** Random (quasi-random) trials before the Gaussian process takes over. */
  initialTrials: number;
  trialTimeout: string;
  /** Median stopping: a trial worse than the completed trials' median after this many epochs stops early. */
  medianStoppingGraceEpochs: number;
  seed: number;
  /** Start a new run (continue-as-new) after this many trials in one run, to bound the history. */
  trialsPerRun: number;
}

export interface SweepInput {
  modelName: string;
  config: LifecycleConfig;
  dataset: ValidatedDataset;
  split: SplitDataset;
  settings: SweepSettings;
}

export type TrialStatus = 'completed' | 'stopped' | 'failed';

export interface TrialRecord {
  id: number;
  params: ParamValues;
  status: TrialStatus;
  /** Best validation loss (null when failed). */
  loss: number | null;
  /** Validation loss per epoch, for the median stopping rule and charts. */
  curve: number[];
  error?: string;
}

/** Everything the sweep carries across continue-as-new: plain JSON. */
export interface SweepState {
  trials: TrialRecord[];
  stopRequested: boolean;
}

export interface SweepProgress {
  done: number;
  running: number;
  failed: number;
  maxTrials: number;
  best?: { id: number; loss: number; params: ParamValues };
  losses: { id: number; loss: number | null; status: TrialStatus }[];
}

export interface SweepResult {
  best: { id: number; loss: number; params: ParamValues };
  trials: TrialRecord[];
  stoppedBySignal: boolean;
}

export const sweepProgressQuery = defineQuery<SweepProgress>('progress');
/** Finish the running trials, start no new ones, return the best so far. */
export const stopSweepSignal = defineSignal('stop');

export function sweepWorkflowId(modelName: string, run: string): string {
  return `sweep/${modelName}/${run}`;
}
