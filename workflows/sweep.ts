import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, HeavyActivities } from '../activities';
import { medianCurve } from '../lib/hpo/median-stopping';
import { trainingTaskQueue } from '../config/task-queues';
import {
  ParamValues,
  PreparedDataRefs,
  stopSweepSignal,
  SweepInput,
  SweepProgress,
  sweepProgressQuery,
  SweepResult,
  SweepState,
  TrialRecord,
} from './sweep-defs';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 };
const { suggestTrials, ingestDataset, validateDataset, splitDataset } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry,
});
/**
 * The suggest step as a local activity: it runs inside the workflow worker's task and its result is recorded with
 * the trials it launches, so each round of suggestions costs no extra task-queue round trip, and the history keeps
 * only the suggestions, not the observations sent to compute them.
 */
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
/** Histories recorded before the suggest step became a local activity replay with the regular one. */
const LOCAL_SUGGEST_PATCH = 'sweep-local-suggest';

/** Each trial is its own activity with a deterministic ID, retried with backoff when its worker dies. */
function trialActivity(id: number, settings: SweepInput['settings']) {
  return proxyActivities<HeavyActivities>({
    taskQueue: trainingTaskQueue(workflowInfo().taskQueue),
    activityId: `trial-${id}`,
    startToCloseTimeout: settings.trialTimeout,
    // Trials heartbeat every epoch: a dead worker's trial is retried elsewhere within seconds.
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
  }).runTrial;
}

async function prepareData(config: SweepInput['config']): Promise<PreparedDataRefs> {
  const raw = await ingestDataset(config);
  const dataset = await validateDataset(raw, config);
  return { dataset, split: await splitDataset(dataset, config) };
}

function bestTrial(trials: TrialRecord[]): SweepResult['best'] | undefined {
  const scored = trials.filter((t): t is TrialRecord & { loss: number } => t.status !== 'failed' && t.loss !== null);
  if (scored.length === 0) return undefined;
  const best = scored.reduce((a, b) => (b.loss < a.loss || (b.loss === a.loss && b.id < a.id) ? b : a));
  return { id: best.id, loss: best.loss, params: best.params };
}

/**
 * Bayesian hyperparameter optimisation: suggest (activity) → up to `parallelism` trial activities → feed the
 * results back → ... until `maxTrials`, a `stop` signal, or too many failures. Continues as new every
 * `trialsPerRun` trials with its state as plain JSON, so long sweeps keep a bounded history.
 */
export async function sweepWorkflow(
  input: SweepInput,
  state: SweepState = { trials: [], stopRequested: false },
): Promise<SweepResult> {
  const { settings } = input;
  // Standalone (e.g. `mlops sweep`): prepare the data once; continue-as-new carries the references.
  const data: PreparedDataRefs = input.data ?? (await prepareData(input.config));
  input = { ...input, data };
  const trials: TrialRecord[] = [...state.trials];
  const running = new Map<number, ParamValues>();
  let stopRequested = state.stopRequested;
  let startedThisRun = 0;

  const failed = () => trials.filter((t) => t.status === 'failed').length;
  const tooManyFailures = () => failed() > settings.maxFailedTrials;
  const canLaunch = () =>
    !stopRequested &&
    !tooManyFailures() &&
    trials.length + running.size < settings.maxTrials &&
    startedThisRun < settings.trialsPerRun &&
    !workflowInfo().continueAsNewSuggested;

  setHandler(stopSweepSignal, () => {
    stopRequested = true;
  });
  setHandler(sweepProgressQuery, (): SweepProgress => {
    const best = bestTrial(trials);
    return {
      done: trials.length,
      running: running.size,
      failed: failed(),
      maxTrials: settings.maxTrials,
      ...(best ? { best } : {}),
      losses: [...trials].sort((a, b) => a.id - b.id).map((t) => ({ id: t.id, loss: t.loss, status: t.status })),
    };
  });

  // Trial IDs count up across runs (continue-as-new starts with no trial running, so trials.length is next).
  let nextTrialId = trials.length;
  const finish = (id: number, record: TrialRecord) => {
    // One synchronous step: a trial is never counted both as running and as finished.
    running.delete(id);
    trials.push(record);
  };
  const launch = (params: ParamValues) => {
    const id = nextTrialId++;
    running.set(id, params);
    startedThisRun++;
    // Trials get one median curve, not every curve: payloads stay small however many trials ran.
    const median = medianCurve(trials.filter((t) => t.status === 'completed').map((t) => t.curve));
    const run = trialActivity(id, settings);
    void run({
      id,
      params,
      input: { config: input.config, data, graceEpochs: settings.medianStoppingGraceEpochs },
      medianCurve: median,
    }).then(
      (record) => finish(id, record),
      (err: Error) => finish(id, { id, params, status: 'failed', loss: null, curve: [], error: err.message }),
    );
  };

  for (;;) {
    const free = Math.min(
      settings.parallelism - running.size,
      settings.maxTrials - trials.length - running.size,
      settings.trialsPerRun - startedThisRun,
    );
    if (canLaunch() && free > 0) {
      const pending = [...running.values()];
      const observations = trials.map((t) => ({ params: t.params, loss: t.status === 'failed' ? null : t.loss }));
      const request = { settings, observations, pending, count: free };
      const suggestions = await (patched(LOCAL_SUGGEST_PATCH) ? local.suggestTrials : suggestTrials)(request);
      // Re-check: a stop signal may have arrived while suggesting.
      if (canLaunch()) suggestions.slice(0, free).forEach(launch);
    }
    if (running.size === 0 && !canLaunch()) break;
    await condition(() => running.size === 0 || (canLaunch() && running.size < settings.parallelism));
  }

  if (tooManyFailures()) {
    const errors = trials.filter((t) => t.status === 'failed').map((t) => `trial ${t.id}: ${t.error ?? 'failed'}`);
    throw ApplicationFailure.nonRetryable(
      `sweep stopped: ${failed()} trials failed (maxFailedTrials ${settings.maxFailedTrials}):\n${errors.join('\n')}`,
      'SweepFailedError',
    );
  }
  const more = !stopRequested && trials.length < settings.maxTrials;
  if (more) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof sweepWorkflow>(input, { trials, stopRequested });
  }
  const best = bestTrial(trials);
  if (!best) {
    const errors = trials.map((t) => `trial ${t.id}: ${t.error ?? t.status}`);
    throw ApplicationFailure.nonRetryable(
      trials.length === 0
        ? 'sweep stopped before any trial ran; nothing to choose from'
        : `every trial failed:\n${errors.join('\n')}`,
      'SweepFailedError',
    );
  }
  return { best, trials: [...trials].sort((a, b) => a.id - b.id), stoppedBySignal: stopRequested };
}
