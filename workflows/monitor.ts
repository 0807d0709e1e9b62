import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DriftWindowResult } from '../activities/monitoring';
import { isDuration } from '../config/duration';
import { MAX_CONSECUTIVE_WINDOWS } from '../config/monitor-limits';
import { MODEL_NAME } from '../config/search-attributes';
import { nextAlarmState } from '../lib/drift/alarm';
import {
  checkNowSignal,
  driftHistoryQuery,
  monitorStatusQuery,
  pauseMonitorSignal,
  referenceUpdatedSignal,
  resumeMonitorSignal,
  setThresholdsSignal,
  type DriftPoint,
  type MonitorInput,
  type MonitorState,
  type RetrainRecord,
} from './monitor-defs';
import { retrainWorkflow } from './retrain';
import { driftEvidenceSignal, retrainWorkflowId, type DriftEvidence } from './retrain-defs';

const { checkDriftWindow, exportDriftMetrics } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

const INITIAL_STATE: MonitorState = {
  cursor: { version: null, offset: 0 },
  consecutive: 0,
  history: [],
  paused: false,
  windows: 0,
  retrains: 0,
};

/** The evidence a drifted window hands to a retrain: its score and per-feature scores, not its rows. */
function evidenceOf(result: DriftWindowResult & { version: number }): DriftEvidence {
  return {
    windowEnd: result.windowEnd,
    version: result.version,
    score: result.score,
    metric: result.metric,
    features: result.features,
    rows: result.rows,
  };
}

/**
 * One long-running monitor per deployed model (`monitor/<model>`): every `interval` (or on `checkNow`) it reads the
 * next window of the serving version's feature log, compares it with the version's training reference, exports the
 * drift gauges and keeps the time series. A score above ε in N consecutive windows starts a retrain child; while it
 * runs, further drifted windows are signalled to it. Continues as new every `windowsPerRun` windows with plain JSON
 * state and the newest `historyLimit` windows.
 */
export async function monitorWorkflow(input: MonitorInput): Promise<void> {
  const { modelName } = input;
  let settings = input.settings;
  const state: MonitorState = { ...INITIAL_STATE, ...input.state };
  const history: DriftPoint[] = [...state.history];
  let { cursor, consecutive, paused, windows, retrains, lastRetrain } = state;
  let checkRequested = false;
  let wake = false;
  let windowsThisRun = 0;
  let active: { workflowId: string; handle: ChildWorkflowHandle<typeof retrainWorkflow> } | undefined;

  upsertSearchAttributes([{ key: MODEL_NAME, value: modelName }]);
  setHandler(pauseMonitorSignal, () => {
    paused = true;
  });
  setHandler(resumeMonitorSignal, () => {
    paused = false;
    wake = true;
  });
  setHandler(setThresholdsSignal, (update) => {
    const { epsilon, consecutiveWindows, interval } = update ?? {};
    // Signals cannot be refused: invalid values (the CLI checks them first) are logged and ignored.
    if (epsilon !== undefined && Number.isFinite(epsilon) && epsilon >= 0) settings = { ...settings, epsilon };
    else if (epsilon !== undefined) log.warn('setThresholds: ignored epsilon', { epsilon });
    if (
      consecutiveWindows !== undefined &&
      Number.isInteger(consecutiveWindows) &&
      consecutiveWindows >= 1 &&
      consecutiveWindows <= MAX_CONSECUTIVE_WINDOWS
    )
      settings = { ...settings, consecutiveWindows };
    else if (consecutiveWindows !== undefined)
      log.warn('setThresholds: ignored consecutiveWindows', { consecutiveWindows });
    if (interval !== undefined && isDuration(interval)) settings = { ...settings, interval: interval.trim() };
    else if (interval !== undefined) log.warn('setThresholds: ignored interval', { interval });
    wake = true; // the next window waits the new interval
  });
  setHandler(checkNowSignal, (request) => {
    // A paused monitor reads no window, scheduled or not.
    if (paused) log.info('checkNow ignored: the monitor is paused', { reason: request?.reason });
    else checkRequested = true;
  });
  setHandler(referenceUpdatedSignal, (update) => {
    const version = update?.version;
    if (typeof version !== 'number') return log.warn('referenceUpdated without a version ignored', { update });
    if (version !== cursor.version) cursor = { version, offset: 0 };
    consecutive = 0;
  });
  setHandler(driftHistoryQuery, (last?: number) =>
    last !== undefined && last >= 0 ? history.slice(Math.max(0, history.length - last)) : [...history],
  );
  setHandler(monitorStatusQuery, () => ({
    modelName,
    paused,
    settings,
    cursor,
    consecutive,
    windows,
    retrains,
    ...(active ? { activeRetrain: active.workflowId } : {}),
    ...(lastRetrain ? { lastRetrain } : {}),
    ...(history.length ? { last: history[history.length - 1] } : {}),
  }));

  const record = (point: DriftPoint) => {
    history.push(point);
    if (history.length > settings.historyLimit) history.splice(0, history.length - settings.historyLimit);
  };

  const finishRetrain = (outcome: RetrainRecord) => {
    lastRetrain = outcome;
    active = undefined;
    consecutive = 0; // a new alarm needs N fresh drifted windows
  };

  const startRetrain = async (evidence: DriftEvidence): Promise<string> => {
    const workflowId = retrainWorkflowId(modelName, ++retrains);
    try {
      const handle = await startChild(retrainWorkflow, {
        workflowId,
        args: [{ modelName, championVersion: evidence.version, trigger: evidence }],
        // ABANDON: a retrain mid-rollout must finish or roll back on its own, never be killed with its monitor.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      active = { workflowId, handle };
      lastRetrain = { workflowId, outcome: 'running' };
      void handle.result().then(
        (r) => finishRetrain({ workflowId, outcome: r.outcome, servingVersion: r.servingVersion, reason: r.reason }),
        (err: Error) =>
          finishRetrain({
            workflowId,
            outcome: 'failed',
            reason: (err.cause as Error | undefined)?.message ?? err.message,
          }),
      );
    } catch (err) {
      // The ID is taken by a retrain still running from an earlier monitor: it gets the evidence instead.
      log.warn('retrain not started', { workflowId, error: String(err) });
      await getExternalWorkflowHandle(workflowId)
        .signal(driftEvidenceSignal, evidence)
        .catch(() => undefined);
      lastRetrain = { workflowId, outcome: 'failed', reason: `not started: ${(err as Error).message}` };
    }
    return workflowId;
  };

  const readWindow = async (): Promise<void> => {
    let result: DriftWindowResult;
    try {
      result = await checkDriftWindow({ modelName, cursor, settings });
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      // Setup errors (no training reference, missing artifact) fail the monitor with the activity's message.
      if (cause instanceof ApplicationFailure && cause.nonRetryable) {
        throw ApplicationFailure.nonRetryable(cause.message, cause.type ?? 'MonitorError');
      }
      record({
        windowEnd: new Date().toISOString(),
        version: cursor.version,
        rows: 0,
        metric: settings.metric,
        score: 0,
        features: {},
        skipped: `window failed: ${(cause as Error).message}`,
        consecutive,
        alarm: false,
      });
      return;
    }
    windows++;
    windowsThisRun++;
    cursor = result.cursor;
    if (result.versionChanged) consecutive = 0; // a new serving version starts a new streak
    const rule = { threshold: settings.epsilon, windows: settings.consecutiveWindows };
    const skipped = result.skipped ? { reason: result.skipped } : undefined;
    const next = nextAlarmState({ consecutive }, { score: result.score, skipped }, rule);
    consecutive = next.state.consecutive;
    const drifted = !skipped && result.score > settings.epsilon;
    const point: DriftPoint = {
      windowEnd: result.windowEnd,
      version: result.version,
      rows: result.rows,
      metric: result.metric,
      score: result.score,
      features: result.features,
      ...(result.skipped ? { skipped: result.skipped } : {}),
      consecutive,
      alarm: next.alarm,
    };
    if (drifted && result.version !== null) {
      const evidence = evidenceOf({ ...result, version: result.version });
      if (active) {
        point.retrain = active.workflowId;
        await active.handle.signal(driftEvidenceSignal, evidence).catch((err: Error) => {
          log.warn('drift evidence not delivered', { workflowId: point.retrain, error: err.message });
        });
      } else if (next.alarm && settings.retrain.enabled) {
        point.retrain = await startRetrain(evidence);
        consecutive = 0;
      }
    }
    record(point);
    try {
      await exportDriftMetrics({
        modelName,
        version: result.version,
        metric: result.metric,
        rows: result.rows,
        score: result.score,
        features: result.features,
        ...(result.skipped ? { skipped: result.skipped } : {}),
        alarm: next.alarm,
      });
    } catch (err) {
      // Gauges are a view of the history above: a failed export costs a scrape, not the monitor.
      log.warn('drift metrics not exported', { error: String(err) });
    }
  };

  // No continue-as-new while a retrain runs: only this run can learn its outcome (ABANDON keeps it alive regardless).
  const timeToContinueAsNew = () =>
    !active && (windowsThisRun >= settings.windowsPerRun || workflowInfo().continueAsNewSuggested);

  while (!timeToContinueAsNew()) {
    if (paused) {
      await condition(() => !paused || timeToContinueAsNew());
      continue;
    }
    wake = false;
    const signalled = await condition(() => checkRequested || wake || paused, settings.interval);
    if (paused || (signalled && !checkRequested)) continue; // paused, or woken to restart the interval
    checkRequested = false;
    await readWindow();
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof monitorWorkflow>({
    modelName,
    settings,
    state: { cursor, consecutive, history, paused, windows, retrains, ...(lastRetrain ? { lastRetrain } : {}) },
  });
}
