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
  /**
   * Warm start: the first trials evaluate these points, in order, before any suggestion (a retrain passes the
   * champion's hyperparameters); they count towards `initialTrials`.
   */
  initialPoints?: ParamValues[];
}

/** A validated dataset and its split, as the lifecycle's data steps produce them. */
export interface PreparedDataRefs {
  dataset: ValidatedDataset;
  split: SplitDataset;
}

export interface SweepInput {
  modelName: string;
  /** A resolved lifecycle config: dataset, split and the model family with its fixed hyperparameters. */
  config: LifecycleConfig;
  settings: SweepSettings;
  /** Data prepared by a parent lifecycle; without it the sweep runs the data steps itself. */
  data?: PreparedDataRefs;
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
  /** MLP and logistic: the kernels that trained a completed trial. */
  kernels?: 'wasm' | 'js';
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

/** The sweep a lifecycle run starts as its child: `lifecycle/<model>/<run>` → `sweep/<model>/<run>`. */
export function sweepIdForLifecycle(lifecycleWorkflowId: string): string {
  return lifecycleWorkflowId.replace(/^lifecycle\//, 'sweep/');
}

/** The sweep a resolved config asks for (its `sweep` section; the space defaults per model family). */
export function sweepSettingsFrom(config: LifecycleConfig): SweepSettings {
  const { space, maxTrials, parallelism, maxFailedTrials, initialTrials, trialTimeout, trialsPerRun, seed } =
    config.sweep;
  return {
    space: space ?? {},
    maxTrials,
    parallelism,
    maxFailedTrials,
    initialTrials,
    trialTimeout,
    trialsPerRun,
    seed,
    medianStoppingGraceEpochs: config.sweep.medianStoppingGraceEpochs,
  };
}
