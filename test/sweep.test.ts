import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  createDataActivities,
  type IngestedDataset,
  type SplitDataset,
  type ValidatedDataset,
} from '../activities/data';
import { paths } from '../config/paths';
import type { LifecycleConfig } from '../config/project';
import { FileArtifactStore } from '../stores/artifact-store';
import { FileRegistry } from '../stores/registry';
import { sweepWorkflow } from '../workflows/sweep';
import {
  stopSweepSignal,
  type SweepInput,
  sweepProgressQuery,
  type SweepSettings,
  sweepWorkflowId,
} from '../workflows/sweep-defs';
import { waitFor } from './helpers/processes';
import { temporalTestFile, uniqueTaskQueue, withWorkers } from './helpers/temporal';

const suite = temporalTestFile('mlops-sweep-');

/** Runs the lifecycle's data steps directly, so a sweep has a validated dataset and a split to tune on. */
async function prepare(configInput: object): Promise<Pick<SweepInput, 'config' | 'data'>> {
  const activities = createDataActivities({
    store: new FileArtifactStore(paths.artifacts()),
    registry: new FileRegistry(paths.registry()),
  });
  const env = new MockActivityEnvironment();
  const config: LifecycleConfig = await env.run(activities.resolveConfig, configInput);
  const raw: IngestedDataset = await env.run(activities.ingestDataset, config);
  const dataset: ValidatedDataset = await env.run(activities.validateDataset, raw, config);
  const split: SplitDataset = await env.run(activities.splitDataset, dataset, config);
  return { config, data: { dataset, split } };
}

const settings = (overrides: Partial<SweepSettings>): SweepSettings => ({
  space: {
    learningRate: { type: 'float', low: 1e-3, high: 0.1, log: true },
    hiddenUnits: { type: 'int', low: 4, high: 32, log: true },
  },
  maxTrials: 6,
  parallelism: 2,
  maxFailedTrials: 2,
  initialTrials: 3,
  trialTimeout: '5 minutes',
  medianStoppingGraceEpochs: 5,
  seed: 7,
  trialsPerRun: 100,
  ...overrides,
});

const mlp = { model: { type: 'mlp', hyperparameters: { epochs: 20, patience: 5 } } };

describe('sweep workflow on the real dev server', () => {
  it('runs every trial once, in parallel, continues as new, and returns the best trial', async () => {
    const prepared = await prepare({ modelName: 'sweep-seattle', ...mlp });
    const taskQueue = uniqueTaskQueue('sweep');
    const workflowId = sweepWorkflowId('sweep-seattle', taskQueue);
    const handle = await suite.client.workflow.start(sweepWorkflow, {
      taskQueue,
      workflowId,
      args: [{ modelName: 'sweep-seattle', ...prepared, settings: settings({ trialsPerRun: 4 }) }],
    });
    const result = await withWorkers(suite.connection, suite.bundle, taskQueue, () => handle.result());
    expect(result.trials.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.trials.every((t) => t.status !== 'failed')).toBe(true);
    const losses = result.trials.map((t) => t.loss as number);
    expect(result.best.loss).toBe(Math.min(...losses));
    expect(result.best.loss).toBeLessThan(20); // far below the mean baseline (≈ 52)
    for (const t of result.trials) {
      expect(t.params.learningRate).toBeGreaterThanOrEqual(1e-3);
      expect(Number.isInteger(t.params.hiddenUnits)).toBe(true);
    }
    // The workers' trials train on the WebAssembly kernels.
    const completed = result.trials.filter((t) => t.status === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.map((t) => t.kernels)).toEqual(completed.map(() => 'wasm'));
    // The first run continued as new after 4 trials: the history stays bounded.
    const history = await suite.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

    // Replay: the recorded histories of both runs still replay against the current workflow code.
    const latest = await handle.fetchHistory();
    const replays = Worker.runReplayHistories({ workflowBundle: suite.bundle }, [
      { workflowId, history },
      { workflowId, history: latest },
    ]);
    for await (const replay of replays) expect(replay.error).toBeUndefined();
  });

  it('replays a history recorded when the suggest step was a regular activity', async () => {
    // Five ridge trials, parallelism 2, recorded before the suggest step became a local activity (patch
    // "sweep-local-suggest"): its suggestTrials activity events must still replay against the current code.
    const file = path.join(__dirname, 'hpo', 'fixtures', 'sweep-history-suggest-activity.json');
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
    const scheduled = history.events.filter((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).sort()).toEqual([
      ...Array<string>(5).fill('runTrial'),
      ...Array<string>(4).fill('suggestTrials'),
    ]);
    await Worker.runReplayHistory({ workflowBundle: suite.bundle }, history, 'sweep/sweep-replay/v1');
  });

  it('reports progress, and a stop signal finishes the running trials and returns the best', async () => {
    const prepared = await prepare({ modelName: 'sweep-stop', ...mlp });
    const taskQueue = uniqueTaskQueue('sweep');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const handle = await suite.client.workflow.start(sweepWorkflow, {
        taskQueue,
        workflowId: sweepWorkflowId('sweep-stop', taskQueue),
        args: [{ modelName: 'sweep-stop', ...prepared, settings: settings({ maxTrials: 200 }) }],
      });
      const progress = await waitFor('two finished trials', async () => {
        const p = await handle.query(sweepProgressQuery);
        return p.done >= 2 ? p : undefined;
      });
      expect(progress.maxTrials).toBe(200);
      expect(progress.best?.loss).toBeGreaterThan(0);
      await handle.signal(stopSweepSignal);
      const result = await handle.result();
      expect(result.stoppedBySignal).toBe(true);
      expect(result.trials.length).toBeLessThan(20);
      expect((await handle.query(sweepProgressQuery)).running).toBe(0);
    });
  });

  it('fails with the trials’ errors once more than maxFailedTrials fail', async () => {
    // Ridge cannot classify: every trial fails the same way.
    const prepared = await prepare({
      modelName: 'sweep-fail',
      dataset: { source: 'vega-datasets:penguins.json', target: 'Species' },
      model: { type: 'ridge' },
    });
    const taskQueue = uniqueTaskQueue('sweep');
    const err = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      suite.client.workflow
        .execute(sweepWorkflow, {
          taskQueue,
          workflowId: sweepWorkflowId('sweep-fail', taskQueue),
          args: [
            {
              modelName: 'sweep-fail',
              ...prepared,
              settings: settings({ space: { l2: { type: 'float', low: 0.1, high: 10 } }, maxFailedTrials: 2 }),
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('SweepFailedError');
    expect(cause.message).toContain('trials failed (maxFailedTrials 2)');
    expect(cause.message).toContain('cannot do classification');
  });

  it('marks a trial whose validation MSE is not finite as failed, and the sweep goes on', async () => {
    // y ≈ 2x on 200 days; the latest day (a validation row under the time split) has x = 1e155. Weakly regularised
    // ridge extrapolates it to a prediction near 2e155, whose square overflows: that trial's MSE is Infinity.
    // Only l2 ≳ 2,000 shrinks the weight enough for a finite MSE.
    const rows = ['date,x,y'];
    for (let i = 0; i < 200; i++) {
      const date = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
      const x = i === 199 ? 1e155 : (i % 17) / 17;
      rows.push(`${date},${x},${i === 199 ? 1 : 2 * x + 0.1 * Math.sin(i)}`);
    }
    const source = path.join(suite.dir, 'outlier.csv');
    fs.writeFileSync(source, rows.join('\n') + '\n');
    const prepared = await prepare({
      modelName: 'sweep-nonfinite',
      dataset: { source, target: 'y', timeColumn: 'date', features: [{ name: 'x', type: 'numeric' }] },
      split: { method: 'time' },
      model: { type: 'ridge' },
    });
    const taskQueue = uniqueTaskQueue('sweep');
    const result = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      suite.client.workflow.execute(sweepWorkflow, {
        taskQueue,
        workflowId: sweepWorkflowId('sweep-nonfinite', taskQueue),
        args: [
          {
            modelName: 'sweep-nonfinite',
            ...prepared,
            settings: settings({
              space: { l2: { type: 'float', low: 1e-4, high: 1e6, log: true } },
              maxTrials: 10,
              initialTrials: 4,
              maxFailedTrials: 10,
            }),
          },
        ],
      }),
    );
    expect(result.trials.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const failed = result.trials.filter((t) => t.status === 'failed');
    const completed = result.trials.filter((t) => t.status === 'completed');
    expect(failed.length).toBeGreaterThan(0);
    expect(completed.length).toBeGreaterThan(0);
    for (const t of failed) {
      expect(t.loss).toBeNull();
      expect(t.error).toBe('objective is not finite (Infinity)');
      expect(t.params.l2).toBeLessThan(2_500);
    }
    for (const t of completed) expect(Number.isFinite(t.loss)).toBe(true);
    expect(result.best.loss).toBe(Math.min(...completed.map((t) => t.loss as number)));
    expect(result.best.params.l2).toBeGreaterThan(2_000);
  });

  it('a search space with an inverted range fails the sweep at once, naming the parameter', async () => {
    const prepared = await prepare({ modelName: 'sweep-bad-space', ...mlp });
    const taskQueue = uniqueTaskQueue('sweep');
    const started = Date.now();
    const err = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      suite.client.workflow
        .execute(sweepWorkflow, {
          taskQueue,
          workflowId: sweepWorkflowId('sweep-bad-space', taskQueue),
          args: [
            {
              modelName: 'sweep-bad-space',
              ...prepared,
              settings: settings({ space: { learningRate: { type: 'float', low: 0.1, high: 1e-3, log: true } } }),
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // The suggest step's failure, wherever the SDK nests it (a local activity's failure has no activity wrapper).
    let app: unknown = (err as WorkflowFailedError).cause;
    while (app && !(app instanceof ApplicationFailure)) app = (app as Error).cause;
    if (!(app instanceof ApplicationFailure)) throw new Error(`no application failure in ${String(err)}`);
    expect(app.type).toBe('SweepInputError');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toContain('"learningRate" has an inverted range [0.1, 0.001]');
    expect(Date.now() - started).toBeLessThan(10_000); // not retried with backoff
  });

  it('fails with every trial’s error when every trial failed within the failure budget', async () => {
    const prepared = await prepare({
      modelName: 'sweep-all-fail',
      dataset: { source: 'vega-datasets:penguins.json', target: 'Species' },
      model: { type: 'ridge' },
    });
    const taskQueue = uniqueTaskQueue('sweep');
    const err = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      suite.client.workflow
        .execute(sweepWorkflow, {
          taskQueue,
          workflowId: sweepWorkflowId('sweep-all-fail', taskQueue),
          args: [
            {
              modelName: 'sweep-all-fail',
              ...prepared,
              settings: settings({
                space: { l2: { type: 'float', low: 0.1, high: 10 } },
                maxTrials: 3,
                maxFailedTrials: 5,
              }),
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('SweepFailedError');
    expect(cause.message).toContain('every trial failed');
    for (const id of [0, 1, 2]) expect(cause.message).toContain(`trial ${id}: `);
    expect(cause.message).toContain('cannot do classification');
  });

  it('a stop signal that arrives before any trial ran fails the sweep with a clear message', async () => {
    const prepared = await prepare({ modelName: 'sweep-early-stop', ...mlp });
    const taskQueue = uniqueTaskQueue('sweep');
    // signalWithStart delivers the stop in the sweep's very first workflow task.
    const handle = await suite.client.workflow.signalWithStart(sweepWorkflow, {
      taskQueue,
      workflowId: sweepWorkflowId('sweep-early-stop', taskQueue),
      args: [{ modelName: 'sweep-early-stop', ...prepared, settings: settings({}) }],
      signal: stopSweepSignal,
      signalArgs: [],
    });
    const err = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      handle.result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('SweepFailedError');
    expect(cause.message).toContain('sweep stopped before any trial ran');
  });
});
