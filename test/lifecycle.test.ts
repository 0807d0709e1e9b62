import { defaultPayloadConverter, RetryState } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import type { TrainedModelRef } from '../activities/training';
import { parseLifecycleConfig, SEATTLE_DATASET } from '../config/project';
import { MODEL_NAME, MODEL_VERSION } from '../config/search-attributes';
import { isServing } from '../runtime/dev-server';
import { sha256 } from '../stores/artifact-store';
import { lifecycleWorkflow } from '../workflows/lifecycle';
import { LIFECYCLE_STAGES, lifecycleWorkflowId } from '../workflows/lifecycle-defs';
import { followStages } from '../cli/lifecycle-run';
import { activityFailureOf, temporalTestFile, testAddress, uniqueTaskQueue, withWorkers } from './helpers/temporal';

const seattleCsv = fs.readFileSync(
  require.resolve('vega-datasets').replace(/build[/\\]index\.js$/, 'data/seattle-weather.csv'),
  'utf8',
);

const suite = temporalTestFile('mlops-data-');

function writeCsv(name: string, transform: (lines: string[]) => string[]): string {
  const file = path.join(suite.dir, name);
  fs.writeFileSync(file, transform(seattleCsv.trimEnd().split('\n')).join('\n'));
  return file;
}

/** The demo's dataset section with another file. */
function seattleWith(source: string) {
  return { ...SEATTLE_DATASET, source };
}

/** What the workflow's (single) activity of this type returned, from its recorded history. */
async function activityResult<T>(workflowId: string, activityType: string): Promise<T> {
  const events = (await suite.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const completed = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  if (!payload) throw new Error(`no completed ${activityType} activity in ${workflowId}`);
  return defaultPayloadConverter.fromPayload<T>(payload);
}

async function runLifecycle(taskQueue: string, config: object, run: string) {
  // These tests are about training; test/deploy covers the deploy stage.
  const parsed = parseLifecycleConfig({ deploy: { enabled: false }, ...config });
  return suite.client.workflow.execute(lifecycleWorkflow, {
    taskQueue,
    workflowId: lifecycleWorkflowId(parsed.modelName, run),
    args: [parsed],
  });
}

describe('lifecycle workflow on the real dev server', () => {
  it('trains a ridge model on seattle-weather that beats the mean baseline, exports ONNX and registers it', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const summary = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      runLifecycle(taskQueue, { modelName: 'seattle-it' }, 'happy'),
    );

    expect(summary.dataset.rows).toBe(1461);
    expect(summary.dataset.trainRows + summary.dataset.validationRows).toBe(1461);
    expect(summary.metrics.validationMse).toBeLessThan(summary.metrics.baselineMse);
    expect(summary.metrics.validationMse).toBeLessThan(0.5 * summary.metrics.baselineMse);
    expect(summary.onnxParityMaxAbsDiff).toBeLessThanOrEqual(1e-5);

    const onnxFile = fileURLToPath(summary.artifact.uri);
    expect(onnxFile).toContain(path.join('artifacts', 'sha256', summary.artifact.hash));
    expect(sha256(fs.readFileSync(onnxFile))).toBe(summary.artifact.hash);

    const registered = JSON.parse(
      fs.readFileSync(path.join(process.env.MLOPS_HOME!, 'registry', 'seattle-it', `${summary.version}.json`), 'utf8'),
    );
    expect(registered).toMatchObject({
      name: 'seattle-it',
      version: summary.version,
      dataset: { hash: summary.dataset.hash, rows: 1461 },
      hyperparameters: { l2: 1, seed: 42 },
      metrics: { validationMse: summary.metrics.validationMse },
      artifact: { hash: summary.artifact.hash },
    });
    expect(registered.dataset.hash).toBe(sha256(seattleCsv));

    // The model card sits beside the registry entry and names the data, metrics and lineage.
    const card = fs.readFileSync(summary.modelCard.path, 'utf8');
    expect(summary.modelCard.path).toBe(
      path.join(process.env.MLOPS_HOME!, 'registry', 'seattle-it', `${summary.version}.card.md`),
    );
    expect(card).toContain(`# Model card: seattle-it v${summary.version}`);
    expect(card).toContain(sha256(seattleCsv));
    expect(card).toContain('lifecycle/seattle-it/happy');

    const description = await suite.client.workflow.getHandle(lifecycleWorkflowId('seattle-it', 'happy')).describe();
    expect(description.typedSearchAttributes.get(MODEL_NAME)).toBe('seattle-it');
    expect(description.typedSearchAttributes.get(MODEL_VERSION)).toBe(summary.version);
  });

  it('is reproducible: the same data, seed and l2 give the same metrics and the same ONNX file', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const [a, b] = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      Promise.all([
        runLifecycle(taskQueue, { modelName: 'repro' }, 'a'),
        runLifecycle(taskQueue, { modelName: 'repro' }, 'b'),
      ]),
    );
    expect(a.metrics).toEqual(b.metrics);
    expect(a.artifact.hash).toBe(b.artifact.hash);
    expect(new Set([a.version, b.version])).toEqual(new Set([1, 2]));
  });

  it('tunes and trains an MLP penguin classifier; the ONNX model takes raw features and carries schema and histograms', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const summary = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      runLifecycle(
        taskQueue,
        {
          modelName: 'penguins-mlp',
          dataset: { source: 'vega-datasets:penguins.json', target: 'Species' },
          model: { type: 'mlp', hyperparameters: { epochs: 60 } },
          sweep: { maxTrials: 4, parallelism: 2, initialTrials: 2 },
        },
        'mlp',
      ),
    );
    expect(summary.task).toBe('classification');
    // The MLP was tuned first (a child sweep), and the final model trained with the best trial's hyperparameters.
    expect(summary.sweep).toMatchObject({ workflowId: 'sweep/penguins-mlp/mlp', trials: 4, failed: 0 });
    for (const [name, value] of Object.entries(summary.sweep!.bestParams)) {
      expect(summary.hyperparameters[name]).toBe(value);
    }
    expect(summary.metrics.validationAccuracy).toBeGreaterThan(0.9);
    expect(summary.metrics.validationAccuracy).toBeGreaterThan(summary.metrics.baselineAccuracy);
    // The worker's trainModel activity trained on the WebAssembly kernels.
    const trained = await activityResult<TrainedModelRef>(lifecycleWorkflowId('penguins-mlp', 'mlp'), 'trainModel');
    expect(trained).toMatchObject({ modelType: 'mlp', kernels: 'wasm' });
    expect(summary.onnxParityMaxAbsDiff).toBeLessThanOrEqual(1e-5);

    const session = await InferenceSession.create(fileURLToPath(summary.artifact.uri));
    try {
      expect([...session.inputNames].sort()).toEqual(
        ['Beak Depth (mm)', 'Beak Length (mm)', 'Body Mass (g)', 'Flipper Length (mm)', 'Island', 'Sex'].sort(),
      );
      expect(session.outputNames).toEqual(['probabilities', 'label']);
      // One raw penguin (a Gentoo from the dataset), as a client would send it.
      const f32 = (v: number) => new Tensor('float32', Float32Array.of(v), [1]);
      const output = await session.run({
        'Beak Length (mm)': f32(46.1),
        'Beak Depth (mm)': f32(13.2),
        'Flipper Length (mm)': f32(211),
        'Body Mass (g)': f32(4500),
        Island: new Tensor('string', ['Biscoe'], [1]),
        Sex: new Tensor('string', ['FEMALE'], [1]),
      });
      const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
      expect(classes[Number((output.label.data as BigInt64Array)[0])]).toBe('Gentoo');
    } finally {
      await session.release();
    }
    const model = onnx.ModelProto.decode(fs.readFileSync(fileURLToPath(summary.artifact.uri)));
    const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(metadata.classes)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(JSON.parse(metadata.schema).target).toEqual({ name: 'Species', type: 'categorical' });
    expect(JSON.parse(metadata.reference_histograms).Island.type).toBe('categorical');
    expect(JSON.parse(metadata.reference_histograms)['Body Mass (g)'].edges.length).toBeGreaterThan(5);
  });

  it('trains from Parquet: the first rows of flights-3m, with categorical airports and dates', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const summary = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      runLifecycle(
        taskQueue,
        {
          modelName: 'flights-delay',
          dataset: { source: 'vega-datasets:flights-3m.parquet', target: 'delay', maxRows: 5000 },
          model: { hyperparameters: { l2: 10 } },
        },
        'parquet',
      ),
    );
    expect(summary.dataset.rows).toBe(5000);
    expect(summary.dataset.hash).toBe(
      sha256(
        fs.readFileSync(require.resolve('vega-datasets').replace(/build[/\\]index\.js$/, 'data/flights-3m.parquet')),
      ),
    );
    expect(summary.task).toBe('regression');
    expect(Number.isFinite(summary.metrics.validationMse)).toBe(true);
    expect(summary.onnxParityMaxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('splits by time: the latest dates validate', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const summary = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      runLifecycle(
        taskQueue,
        { modelName: 'seattle-time', dataset: { ...SEATTLE_DATASET, timeColumn: 'date' }, split: { method: 'time' } },
        'time',
      ),
    );
    expect(summary.dataset.splitMethod).toBe('time');
    expect(summary.dataset.validationRows).toBe(Math.round(1461 * 0.2));
    expect(summary.metrics.validationMse).toBeLessThan(summary.metrics.baselineMse);
  });

  it("validates new data against the previous version's training statistics and warns about drifted ranges", async () => {
    const shifted = writeCsv('warmer.csv', (lines) =>
      lines.map((l, i) =>
        i === 0
          ? l
          : l
              .split(',')
              .map((v, j) => (j === 3 ? String(Number(v) + 15) : v))
              .join(','),
      ),
    );
    const taskQueue = uniqueTaskQueue('lifecycle');
    const [first, second] = await withWorkers(suite.connection, suite.bundle, taskQueue, async () => [
      await runLifecycle(taskQueue, { modelName: 'drift-ref' }, 'first'),
      await runLifecycle(taskQueue, { modelName: 'drift-ref', dataset: seattleWith(shifted) }, 'second'),
    ]);
    expect(first.warnings.filter((w) => w.includes('temp_min'))).toEqual([]);
    expect(second.warnings.some((w) => w.includes('"temp_min"') && /range|drift/.test(w))).toBe(true);
    expect(second.version).toBe(first.version + 1);
  });

  describe('bad input fails the run non-retryably, naming the column and row, and leaves server and worker up', () => {
    it('missing column (declared feature)', async () => {
      const file = writeCsv('no-wind.csv', (lines) =>
        lines.map((l) => l.split(',').slice(0, 4).concat(l.split(',')[5]).join(',')),
      );
      const taskQueue = uniqueTaskQueue('bad-input');
      await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
        const { activity, app } = await activityFailureOf(
          runLifecycle(taskQueue, { modelName: 'bad-column', dataset: seattleWith(file) }, 'missing-column'),
        );
        expect(app.type).toBe('DatasetSchemaError');
        expect(app.nonRetryable).toBe(true);
        expect(activity.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
        expect(app.message).toContain('features[3]: column "wind" is not in the dataset');

        // The same worker, against the same server, still runs a good lifecycle.
        const ok = await runLifecycle(taskQueue, { modelName: 'bad-column' }, 'after-missing-column');
        expect(ok.metrics.validationMse).toBeLessThan(ok.metrics.baselineMse);
      });
      expect(await isServing(testAddress())).toBe(true);
    });

    it('non-numeric value in a column declared numeric', async () => {
      // Data row 5 (file line 6): temp_min becomes "abc".
      const file = writeCsv('abc.csv', (lines) =>
        lines.map((l, i) =>
          i === 5
            ? l
                .split(',')
                .map((v, j) => (j === 3 ? 'abc' : v))
                .join(',')
            : l,
        ),
      );
      const taskQueue = uniqueTaskQueue('bad-input');
      await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
        const { activity, app } = await activityFailureOf(
          runLifecycle(taskQueue, { modelName: 'bad-value', dataset: seattleWith(file) }, 'non-numeric'),
        );
        expect(app.type).toBe('DatasetSchemaError');
        expect(activity.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
        expect(app.message).toContain('column "temp_min" is declared numeric but holds text (e.g. "abc" in row 5)');

        // Without declared types the column is still numeric (mostly numbers); the validation report names the row.
        const inferred = await activityFailureOf(
          runLifecycle(
            taskQueue,
            { modelName: 'bad-value', dataset: { source: file, target: 'temp_max', features: ['temp_min', 'wind'] } },
            'non-numeric-inferred',
          ),
        );
        expect(inferred.app.type).toBe('DatasetValidationError');
        expect(inferred.app.message).toMatch(/temp_min/);
        expect(inferred.app.message).toMatch(/"abc"/);
        expect(inferred.app.message).toMatch(/row 5\b/);
      });
      expect(fs.existsSync(path.join(process.env.MLOPS_HOME!, 'registry', 'bad-value'))).toBe(false);
    });

    it('missing file and invalid config', async () => {
      const taskQueue = uniqueTaskQueue('bad-input');
      await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
        const missing = await activityFailureOf(
          runLifecycle(
            taskQueue,
            { modelName: 'bad-file', dataset: seattleWith(path.join(suite.dir, 'nope.csv')) },
            'f',
          ),
        );
        expect(missing.app.type).toBe('DatasetNotFoundError');
        expect(missing.app.message).toContain('dataset.source');

        const badConfig = await activityFailureOf(
          suite.client.workflow.execute(lifecycleWorkflow, {
            taskQueue,
            workflowId: lifecycleWorkflowId('bad-config', 'c'),
            args: [{ split: { validationFraction: 3 } }],
          }),
        );
        expect(badConfig.app.type).toBe('ConfigError');
        expect(badConfig.app.message).toContain('split.validationFraction');
      });
    });
  });
});

describe('determinism', () => {
  it('mlops run follows the stages the run enters through the progress query', async () => {
    const taskQueue = uniqueTaskQueue('lifecycle');
    const lines: string[] = [];
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const parsed = parseLifecycleConfig({ deploy: { enabled: false } });
      const handle = await suite.client.workflow.start(lifecycleWorkflow, {
        taskQueue,
        workflowId: lifecycleWorkflowId(parsed.modelName, 'follow'),
        args: [parsed],
      });
      const stop = followStages(handle, (line) => lines.push(line));
      await handle.result().finally(stop);
    });
    expect(lines.length).toBeGreaterThan(0);
    const stages = lines.map((line) => /^ {2}stage (\w+) \(\d+\.\d s\)$/.exec(line)?.[1]);
    for (const stage of stages) expect(LIFECYCLE_STAGES).toContain(stage);
    const order = stages.map((stage) => LIFECYCLE_STAGES.indexOf(stage as (typeof LIFECYCLE_STAGES)[number]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(stages).size).toBe(stages.length);
  });

  it('replays the recorded history of a completed lifecycle with the current workflow code', async () => {
    const handle = suite.client.workflow.getHandle(lifecycleWorkflowId('seattle-it', 'happy'));
    const history = await handle.fetchHistory();
    const results = Worker.runReplayHistories({ workflowBundle: suite.bundle }, [
      { workflowId: handle.workflowId, history },
    ]);
    for await (const result of results) expect(result.error).toBeUndefined();
  });
});
