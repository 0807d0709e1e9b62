import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MonitorSettings, MonitorSettingsInput } from '../config/monitor';
import type { DriftMetric } from '../lib/drift';
import type { RetrainResult } from './retrain-defs';

/** Which version's feature log the monitor reads, and the byte offset it has read up to. */
export interface MonitorCursor {
  version: number | null;
  offset: number;
}

/** One window of the drift time series (`driftHistory`). */
export interface DriftPoint {
  /** When the window was read (ISO time). */
  windowEnd: string;
  /** The serving version whose log was read (null: nothing served). */
  version: number | null;
  rows: number;
  metric: DriftMetric;
  /** The window's score (0 when skipped). */
  score: number;
  /** Per-feature scores in `metric`. */
  features: Record<string, number>;
  /** Why the window was not compared (too few rows, no log, nothing serving): never evidence of drift. */
  skipped?: string;
  /** Drifted windows in a row after this one (reset when the serving version changes). */
  consecutive: number;
  alarm: boolean;
  /** The retrain this window started or sent its evidence to. */
  retrain?: string;
}

export interface RetrainRecord {
  workflowId: string;
  /** `running`, the child's outcome, or `failed`. */
  outcome: 'running' | RetrainResult['outcome'] | 'failed';
  servingVersion?: number;
  reason?: string;
}

/** Everything a monitor carries across continue-as-new, as plain JSON. */
export interface MonitorState {
  cursor: MonitorCursor;
  consecutive: number;
  /** The newest `historyLimit` windows. */
  history: DriftPoint[];
  paused: boolean;
  /** Windows read since the monitor started (all runs). */
  windows: number;
  /** Retrains started by this monitor; the next one is `retrain/<model>/<retrains + 1>`. */
  retrains: number;
  lastRetrain?: RetrainRecord;
}

export interface MonitorInput {
  modelName: string;
  settings: MonitorSettings;
  state?: MonitorState;
}

export interface MonitorStatus {
  modelName: string;
  paused: boolean;
  settings: MonitorSettings;
  cursor: MonitorCursor;
  consecutive: number;
  windows: number;
  retrains: number;
  /** The retrain running now, if any. */
  activeRetrain?: string;
  lastRetrain?: RetrainRecord;
  last?: DriftPoint;
}

/** Thresholds changed on a running monitor (`mlops monitor thresholds`); unset fields keep their value. */
export interface ThresholdUpdate {
  epsilon?: number;
  consecutiveWindows?: number;
  interval?: string;
}

export interface CheckRequest {
  /** Who asked (e.g. `schedule drift-check/<model>`), for the logs. */
  reason?: string;
}

/** Stop reading windows (signals and queries still work); the feature log keeps its rows for later. */
export const pauseMonitorSignal = defineSignal('pauseMonitor');
export const resumeMonitorSignal = defineSignal('resumeMonitor');
export const setThresholdsSignal = defineSignal<[ThresholdUpdate]>('setThresholds');
/** Read a window now instead of at the end of the interval (what the scheduled drift check sends). */
export const checkNowSignal = defineSignal<[CheckRequest?]>('checkNow');
/**
 * A retrain deployed `version`: the next window reads that version's log from its start against its reference, and
 * the streak starts again (what a retrain sends after deploying its challenger).
 */
export const referenceUpdatedSignal = defineSignal<[{ version: number }]>('referenceUpdated');
/** The drift time series, oldest first; with a number, only the newest that many windows. */
export const driftHistoryQuery = defineQuery<DriftPoint[], [number?]>('driftHistory');
export const monitorStatusQuery = defineQuery<MonitorStatus>('monitorStatus');

/** One monitor per model: starting it twice is one workflow. */
export function monitorWorkflowId(modelName: string): string {
  return `monitor/${modelName}`;
}

/** The Temporal Schedule that runs drift checks of a model. */
export function driftCheckScheduleId(modelName: string): string {
  return `drift-check/${modelName}`;
}

/** What a scheduled drift check runs with: the monitor's settings if it has to start it. */
export interface DriftCheckInput {
  modelName: string;
  settings?: MonitorSettingsInput;
}

/** The monitor a start or signal-with-start reached (an already running one keeps its settings). */
export interface EnsureMonitorResult {
  workflowId: string;
  runId: string;
}
