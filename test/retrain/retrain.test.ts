import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import { onnx } from 'onnx-proto';
import path from 'node:path';
import { appendFeedbackRows } from '../../activities/feedback';
import { paths } from '../../config/paths';
import { parseMonitorSettings } from '../../config/monitor';
import { parseLifecycleConfig } from '../../config/project';
import type { ReferenceHistogram } from '../../lib/data/histogram';
import { FileFeedbackStore } from '../../stores/feedback-store';
import type { ModelVersion } from '../../stores/registry';
import { lifecycleWorkflow } from '../../workflows/lifecycle';
import { lifecycleWorkflowId } from '../../workflows/lifecycle-defs';
import { monitorStatusQuery, monitorWorkflowId } from '../../workflows/monitor-defs';
import { retrainWorkflow } from '../../workflows/retrain';
import {
  driftEvidenceSignal,
  retrainProgressQuery,
  retrainWorkflowId,
  type DriftEvidence,
  type RetrainInput,
} from '../../workflows/retrain-defs';
import { localTarget, serversOf, stores } from '../deploy/fixtures';
import { temporalTestFile, uniqueTaskQueue, withWorkers } from '../helpers/temporal';

const suite = temporalTestFile('mlops-retrain-');
/** Seattle and New York, 2012-2015: the Seattle rows are seattle-weather.csv, which the champion trains on. */
const WEATHER = fs.readFileSync(
  require.resolve('vega-datasets').replace(/build[/\\]index\.js$/, 'data/weather.csv'),
  'utf8',
);
const DRIFTED = 'retrain-ny';
const SAME = 'retrain-same';
const FEW = 'retrain-few';
const DEPLOY = {
  rollout: [100],
  stepSeconds: 0,
  smoke: { rows: 8 },
  canary: { probeRequests: 5, maxP99LatencyMs: 5000 },
};

/** The rows of one city as a feedback CSV: its location column is ignored, its date is the observation time. */
function cityCsv(location: string, name: string, limit = Infinity): string {
  const [header, ...lines] = WEATHER.trimEnd().split('\n');
  const rows = lines.filter((l) => l.startsWith(`${location},`)).slice(0, limit);
  const file = path.join(suite.dir, name);
  fs.writeFileSync(file, [header, ...rows].join('\n'));
  return file;
}

async function appendCsv(modelName: string, file: string) {
  return appendFeedbackRows(
    { registry: stores().registry, feedback: new FileFeedbackStore(paths.feedback()) },
    { modelName, content: fs.readFileSync(file, 'utf8'), source: path.basename(file), timestampColumn: 'date' },
  );
}

function trigger(version: number, score = 0.4): DriftEvidence {
  return {
    windowEnd: '2026-01-01T00:00:00.000Z',
    version,
    score,
    metric: 'kl',
    features: { temp_min: score },
    rows: 500,
  };
}

async function trainChampion(taskQueue: string, modelName: string, deploy: boolean) {
  // The tests start the one monitor they need themselves.
  const config = parseLifecycleConfig({
    modelName,
    deploy: { ...DEPLOY, enabled: deploy },
    monitor: { enabled: false },
  });
  return suite.client.workflow.execute(lifecycleWorkflow, {
    taskQueue,
    workflowId: lifecycleWorkflowId(modelName, 'champion'),
    args: [config],
  });
}

function retrain(taskQueue: string, input: RetrainInput, n: number) {
  return suite.client.workflow.start(retrainWorkflow, {
    taskQueue,
    workflowId: retrainWorkflowId(input.modelName, n),
    args: [input],
  });
}

/** The retrain failed in one of its activities; returns that activity's error type and message. */
async function failureOf(promise: Promise<unknown>): Promise<{ type: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const app = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
  expect(app).toBeInstanceOf(ApplicationFailure);
  return { type: app.type ?? '', message: app.message };
}

const HISTORIES = path.join(__dirname, 'histories');

/** With MLOPS_RECORD_HISTORIES=1, keeps a run's history for the replay test (format it with Prettier afterwards). */
async function record(workflowId: string, name: string): Promise<void> {
  if (!process.env.MLOPS_RECORD_HISTORIES) return;
  const history = await suite.client.workflow.getHandle(workflowId).fetchHistory();
  const json = temporal.api.history.v1.History.fromObject(history).toJSON();
  fs.writeFileSync(path.join(HISTORIES, `${name}.json`), JSON.stringify(json));
}

afterAll(async () => {
  for (const model of [DRIFTED, SAME]) await localTarget().teardown(model);
  expect([...serversOf(DRIFTED), ...serversOf(SAME)]).toEqual([]);
});

describe('retrain workflow on the real dev server', () => {
  it('drifted feedback (New York rows for a Seattle model): the challenger wins on the holdout and is deployed', async () => {
    const taskQueue = uniqueTaskQueue('retrain');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const champion = await trainChampion(taskQueue, DRIFTED, true);
      expect(champion.deploy).toMatchObject({ outcome: 'deployed', version: 1 });
      const appended = await appendCsv(DRIFTED, cityCsv('New York', 'new-york.csv'));
      expect(appended).toMatchObject({ appended: 1461, ignoredColumns: ['location'], version: 1 });
      // A writer that died mid-line: the retrain reads every complete row and leaves the fragment alone.
      fs.appendFileSync(appended.file, '{"timestamp":"2016-01-01T00:00:00.000Z","features":{"date":"2016-');

      // The model's monitor, idle between windows: the retrain tells it to follow the new version.
      const monitor = await suite.client.workflow.start('monitorWorkflow', {
        taskQueue,
        workflowId: monitorWorkflowId(DRIFTED),
        args: [{ modelName: DRIFTED, settings: parseMonitorSettings({ interval: '1 hour' }) }],
      });

      const handle = await retrain(taskQueue, { modelName: DRIFTED, championVersion: 1, trigger: trigger(1) }, 1);
      const result = await handle.result();
      expect((await monitor.query(monitorStatusQuery)).cursor).toEqual({ version: 2, offset: 0 });
      await record(handle.workflowId, 'retrain-deployed');
      await monitor.terminate('test done');
      expect(result).toMatchObject({
        modelName: DRIFTED,
        outcome: 'deployed',
        championVersion: 1,
        challengerVersion: 2,
        servingVersion: 2,
        metric: 'mse',
        evidence: 1,
        monitorNotified: true,
        feedback: { trainingRows: 1023, holdoutRows: 438 },
      });
      expect(result.challenger!.mse).toBeLessThan(result.champion.mse * 0.98);
      expect(result.reason).toMatch(/^deployed v2: holdout mse: challenger .* better \(margin 2\.0 %\)$/);

      const { registry } = stores();
      expect((await registry.getServing(DRIFTED))?.version).toBe(2);
      expect(serversOf(DRIFTED).map((p) => p.version)).toEqual([2]);
      const v2 = (await registry.get(DRIFTED, 2))!;
      // Before and after, recorded with the challenger: the accuracy-over-retrains history.
      expect(v2.retrain).toMatchObject({
        workflowId: retrainWorkflowId(DRIFTED, 1),
        championVersion: 1,
        baseDataset: { source: 'vega-datasets:seattle-weather.csv', format: 'csv' },
        feedback: { rows: 1461, trainingRows: 1023, holdoutRows: 438, from: '2012-01-01T00:00:00.000Z' },
        holdout: {
          metric: 'mse',
          margin: 0.02,
          champion: result.champion,
          challenger: result.challenger,
          better: true,
        },
      });
      // The challenger trained on a content-addressed snapshot: Seattle's 1461 rows plus New York's training rows.
      expect(v2.dataset.source).toMatch(/^artifact:sha256:[0-9a-f]{64}$/);
      expect(v2.dataset.rows).toBe(1461 + 1023);
      expect(v2.config?.dataset.source).toBe(v2.dataset.source);
      expect((await registry.get(DRIFTED, 1))?.config?.model.type).toBe('ridge');
      // Its drift reference is New York's feedback training rows (the regime that raised the alarm), not the merged set.
      expect(v2.retrain?.reference).toBe('feedback');
      const reference = (version: ModelVersion) =>
        JSON.parse(
          onnx.ModelProto.decode(
            fs.readFileSync(path.join(paths.artifacts(), 'sha256', version.artifact.hash)),
          ).metadataProps.find((p) => p.key === 'reference_histograms')!.value!,
        ) as Record<string, ReferenceHistogram>;
      const wind = reference(v2).wind;
      if (wind.type === 'categorical') throw new Error('wind is numeric');
      expect(wind.counts.reduce((a, b) => a + b, 0) + wind.missing).toBe(1023);
      const seattleWind = reference((await registry.get(DRIFTED, 1))!).wind;
      expect(seattleWind.type === 'numeric' && seattleWind.edges).not.toEqual(wind.edges);

      // Retraining the retrained champion starts again from the lineage's Seattle data (feedback rows are never
      // counted twice): with no new labelled row that is v2's own snapshot, so no copy of v2 is trained or registered.
      const again = await (
        await retrain(taskQueue, { modelName: DRIFTED, championVersion: 2, trigger: trigger(2) }, 2)
      ).result();
      expect(again).toMatchObject({ outcome: 'kept-champion', servingVersion: 2, champion: result.challenger });
      expect(again.challengerVersion).toBeUndefined();
      expect(again.reason).toBe(
        `kept v2: it was trained on these very rows (no labelled row arrived since); append labels with mlops feedback ${DRIFTED}`,
      );
      expect((await registry.list(DRIFTED)).map((v) => v.version)).toEqual([1, 2]);
    });
  });

  it('feedback like the training data: the challenger is not better by the margin, the champion keeps serving', async () => {
    const taskQueue = uniqueTaskQueue('retrain');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      await trainChampion(taskQueue, SAME, true);
      await appendCsv(SAME, cityCsv('Seattle', 'seattle.csv'));
      const result = await (
        await retrain(taskQueue, { modelName: SAME, championVersion: 1, trigger: trigger(1) }, 1)
      ).result();
      expect(result).toMatchObject({
        outcome: 'kept-champion',
        championVersion: 1,
        challengerVersion: 2,
        servingVersion: 1,
      });
      expect(result.reason).toMatch(/^kept v1: holdout mse: .* below the margin of 2\.0 %$/);
      expect(result.monitorNotified).toBeUndefined();
      const { registry } = stores();
      expect((await registry.getServing(SAME))?.version).toBe(1);
      expect(serversOf(SAME).map((p) => p.version)).toEqual([1]);
      expect((await registry.get(SAME, 2))?.retrain?.holdout).toMatchObject({
        better: false,
        champion: result.champion,
      });
    });
  });

  it('counts the drift evidence signalled while it runs, and reports its stage', async () => {
    const taskQueue = uniqueTaskQueue('retrain');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      // The champion and its feedback rows come from the previous test.
      const handle = await retrain(taskQueue, { modelName: SAME, championVersion: 1, trigger: trigger(1) }, 2);
      await handle.signal(driftEvidenceSignal, trigger(1, 0.5));
      await handle.signal(driftEvidenceSignal, trigger(1, 0.6));
      const progress = await handle.query(retrainProgressQuery);
      expect(progress).toMatchObject({ championVersion: 1, evidence: 3, latestEvidence: { score: 0.6 } });
      const result = await handle.result();
      expect(result.evidence).toBe(3);
      expect(result.outcome).toBe('kept-champion');
      const history = await handle.fetchHistory();
      const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
      expect(signals).toHaveLength(2);
    });
  });

  it("tunes an MLP challenger with a smaller sweep whose first trial is the champion's hyperparameters", async () => {
    const taskQueue = uniqueTaskQueue('retrain');
    const modelName = 'retrain-mlp';
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const config = parseLifecycleConfig({
        modelName,
        dataset: { source: 'vega-datasets:penguins.json', target: 'Species' },
        model: { type: 'mlp', hyperparameters: { epochs: 40 } },
        sweep: { maxTrials: 3, parallelism: 2, initialTrials: 2 },
        deploy: { enabled: false },
        retrain: { sweep: { maxTrials: 3, initialTrials: 2 } },
      });
      const champion = await suite.client.workflow.execute(lifecycleWorkflow, {
        taskQueue,
        workflowId: lifecycleWorkflowId(modelName, 'champion'),
        args: [config],
      });
      // Every penguin again as labelled feedback, in a shuffled order of observation.
      const penguins = JSON.parse(
        fs.readFileSync(require.resolve('vega-datasets').replace(/build[/\\]index\.js$/, 'data/penguins.json'), 'utf8'),
      ) as Record<string, number | string | null>[];
      const lines = penguins.map((_, i) => {
        const { Species, ...features } = penguins[(i * 101) % penguins.length];
        const timestamp = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
        return JSON.stringify({ timestamp, features, label: Species });
      });
      const file = path.join(suite.dir, 'penguins.jsonl');
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      await appendFeedbackRows(
        { registry: stores().registry, feedback: new FileFeedbackStore(paths.feedback()) },
        { modelName, content: fs.readFileSync(file, 'utf8'), source: 'penguins.jsonl' },
      );

      const input = { modelName, championVersion: 1, trigger: trigger(1), settings: { margin: 1 } };
      const handle = await retrain(taskQueue, input, 1);
      const result = await handle.result();
      await record(handle.workflowId, 'retrain-tuned');
      expect(result).toMatchObject({
        outcome: 'kept-champion',
        metric: 'accuracy',
        sweepWorkflowId: `sweep/${modelName}/retrain-1`,
        challengerVersion: 2,
      });
      expect(result.champion.accuracy).toBeGreaterThan(0.9);
      const sweep = await suite.client.workflow.getHandle(result.sweepWorkflowId!).result();
      expect(sweep.trials).toHaveLength(3);
      const tuned = Object.keys(sweep.trials[0].params);
      expect(tuned.length).toBeGreaterThan(0);
      expect(sweep.trials[0].params).toEqual(Object.fromEntries(tuned.map((k) => [k, champion.hyperparameters[k]])));
    });
  });

  it('fails at once, naming the problem, with too few labelled rows or a broken feedback file', async () => {
    const taskQueue = uniqueTaskQueue('retrain');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      await trainChampion(taskQueue, FEW, false);
      await appendCsv(FEW, cityCsv('New York', 'few.csv', 12));
      const input = { modelName: FEW, championVersion: 1, trigger: trigger(1) };
      const few = await failureOf((await retrain(taskQueue, input, 1)).result());
      expect(few.type).toBe('NotEnoughFeedbackError');
      expect(few.message).toContain('need ≥ 50 labelled rows, have 12');
      expect(few.message).toContain(`append labels with mlops feedback ${FEW}`);

      // Lower the bar, but break a line in the middle of the store: the line and the field are named.
      const file = new FileFeedbackStore(paths.feedback()).location(FEW);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[4] = lines[4].replace(/"temp_min":[-\d.]+/, '"temp_min":"warm"');
      fs.writeFileSync(file, lines.join('\n'));
      const settings = { minFeedbackRows: 10 };
      const broken = await failureOf((await retrain(taskQueue, { ...input, settings }, 2)).result());
      expect(broken).toEqual({
        type: 'FeedbackError',
        message: `${file} line 5: features.temp_min: "warm" is not a finite number; "temp_min" is numeric`,
      });

      const badSetting = await failureOf(
        (await retrain(taskQueue, { ...input, settings: { margin: 2, holdoutFraction: 0 } }, 3)).result(),
      );
      expect(badSetting.type).toBe('ConfigError');
      expect(badSetting.message).toContain('retrain.margin');
      expect(badSetting.message).toContain('retrain.holdoutFraction');
    });
  });

  it("replays this run's retrains and histories recorded by an earlier version of the workflow", async () => {
    const ids = [
      retrainWorkflowId(DRIFTED, 1),
      retrainWorkflowId(DRIFTED, 2),
      retrainWorkflowId(SAME, 1),
      retrainWorkflowId(SAME, 2),
      retrainWorkflowId('retrain-mlp', 1),
      retrainWorkflowId(FEW, 1),
    ];
    const current = await Promise.all(
      ids.map(async (workflowId) => ({
        workflowId,
        history: await suite.client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    for await (const result of Worker.runReplayHistories({ workflowBundle: suite.bundle }, current)) {
      expect(result.error).toBeUndefined();
    }
    // A deploy child and the monitor's signal; a sweep child: a change that breaks running retrains fails here.
    const load = (name: string) =>
      temporal.api.history.v1.History.fromObject(
        JSON.parse(fs.readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8')) as object,
      );
    const deployed = load('retrain-deployed');
    const children = (h: temporal.api.history.v1.History) =>
      h.events.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name).filter(Boolean);
    expect(children(deployed)).toEqual(['deployWorkflow']);
    expect(deployed.events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toHaveLength(1);
    await Worker.runReplayHistory({ workflowBundle: suite.bundle }, deployed, retrainWorkflowId(DRIFTED, 1));
    const tuned = load('retrain-tuned');
    expect(children(tuned)).toEqual(['sweepWorkflow']);
    await Worker.runReplayHistory({ workflowBundle: suite.bundle }, tuned, retrainWorkflowId('retrain-mlp', 1));
  });
});
