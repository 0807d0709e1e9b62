import { WorkflowFailedError } from '@temporalio/client';
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
