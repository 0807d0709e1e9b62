import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { DriftMetrics } from '../../activities/drift-metrics';
import { parseMonitorSettings, type MonitorSettingsInput } from '../../config/monitor';
import { serveMetrics } from '../../workers/metrics-server';
import {
  checkNowSignal,
  driftHistoryQuery,
  monitorStatusQuery,
  monitorWorkflowId,
  pauseMonitorSignal,
  referenceUpdatedSignal,
  resumeMonitorSignal,
  setThresholdsSignal,
  type DriftPoint,
} from '../../workflows/monitor-defs';
import type { monitorWorkflow } from '../../workflows/monitor';
import { retrainWorkflowId } from '../../workflows/retrain-defs';
import { stores } from '../deploy/fixtures';
import { testAddress, uniqueTaskQueue } from '../helpers/temporal';
import { waitFor } from '../helpers/processes';
import { appendRows, driftedRows, featureLogFile, liveRows, seattleOnnxWithReference, serveVersion } from './fixtures';
import { evidenceQuery, finishRetrainSignal } from './workflows';
import { describeWorkflow } from '../../cli/workflow-lookup';

let client: Client;
let connection: NativeConnection;
let bundle: WorkflowBundle;
let dir: string;
let withReference: Uint8Array;
const metrics = new DriftMetrics();

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const address = testAddress();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-monitor-'));
  let clientConnection: Connection;
  [connection, clientConnection, bundle] = await Promise.all([
    NativeConnection.connect({ address }),
    Connection.connect({ address }),
    // The project's workflows plus a stand-in retrainWorkflow these tests control.
    bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  client = new Client({ connection: clientConnection, namespace: 'default' });
  withReference = seattleOnnxWithReference(dir);
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await client?.connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A worker on a fresh task queue with the project's activities (drift gauges into `metrics`) while `fn` runs. */
async function withMonitorWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('monitor');
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ ...stores(), driftMetrics: metrics, client }),
  });
  return worker.runUntil(fn(taskQueue));
}

function startMonitor(taskQueue: string, modelName: string, settings: MonitorSettingsInput) {
  return client.workflow.start<typeof monitorWorkflow>('monitorWorkflow', {
    taskQueue,
    workflowId: monitorWorkflowId(modelName),
    args: [{ modelName, settings: parseMonitorSettings({ interval: '1 hour', ...settings }) }],
  });
}

type MonitorHandle = Awaited<ReturnType<typeof startMonitor>>;

/** Sends `checkNow` and waits until the window it asked for is in the history; returns that window. */
async function checkWindow(handle: MonitorHandle): Promise<DriftPoint> {
  const before = (await handle.query(monitorStatusQuery)).windows;
  await handle.signal(checkNowSignal, { reason: 'test' });
  await waitFor('the window', async () =>
    (await handle.query(monitorStatusQuery)).windows > before ? true : undefined,
  );
  return (await handle.query(driftHistoryQuery, 1))[0];
}

async function exists(workflowId: string): Promise<boolean> {
  return (await describeWorkflow(client, workflowId)) !== undefined;
}

describe('monitorWorkflow', () => {
  it('drift above ε in N consecutive windows starts one retrain (retrain/<model>/1); later drift is signalled to it', async () => {
    const model = 'monitor-drift';
    const { version } = await serveVersion(model, withReference, 'drift');
    await withMonitorWorker(async (taskQueue) => {
      const settings = { epsilon: 0.5, consecutiveWindows: 2, minWindowRows: 100, windowsPerRun: 6 };
      const handle = await startMonitor(taskQueue, model, settings);
      appendRows(model, version, liveRows(300));
      const calm = await checkWindow(handle);
      expect(calm).toMatchObject({ version, rows: 300, metric: 'kl', alarm: false, consecutive: 0 });
      expect(calm.score).toBeLessThan(0.5);
      expect(Object.keys(calm.features).sort()).toEqual(['date', 'precipitation', 'temp_min', 'weather', 'wind']);

      appendRows(model, version, driftedRows(300));
      const drifted = await checkWindow(handle);
      expect(drifted).toMatchObject({ rows: 300, consecutive: 1, alarm: false });
      expect(drifted.score).toBeGreaterThan(0.5);
      expect(drifted.retrain).toBeUndefined();
      appendRows(model, version, driftedRows(300, 3));
      const second = await checkWindow(handle);
      const retrainId = retrainWorkflowId(model, 1);
      expect(second).toMatchObject({ alarm: true, retrain: retrainId });
      const retrain = client.workflow.getHandle(retrainId);
      expect((await retrain.describe()).status.name).toBe('RUNNING');
      expect(await handle.query(monitorStatusQuery)).toMatchObject({ activeRetrain: retrainId, retrains: 1 });

      // More drift while the retrain runs: evidence for it, not a second retrain.
      appendRows(model, version, driftedRows(300, 4));
      const third = await checkWindow(handle);
      expect(third).toMatchObject({ retrain: retrainId });
      appendRows(model, version, driftedRows(300, 5));
      await checkWindow(handle);
      const evidence = await waitFor('evidence', async () => {
        const e = await retrain.query(evidenceQuery);
        return e.length === 3 ? e : undefined;
      });
      expect(evidence.map((e) => e.version)).toEqual([version, version, version]);
      expect(evidence[0]).toMatchObject({ metric: 'kl', rows: 300, score: second.score });
      expect(await exists(retrainWorkflowId(model, 2))).toBe(false);

      await retrain.signal(finishRetrainSignal, 'kept-champion');
      const status = await waitFor('the retrain outcome', async () => {
        const s = await handle.query(monitorStatusQuery);
        return s.lastRetrain?.outcome === 'kept-champion' ? s : undefined;
      });
      expect(status).toMatchObject({ retrains: 1, consecutive: 0, lastRetrain: { workflowId: retrainId } });
      expect(status.activeRetrain).toBeUndefined();

      // The sixth window ends the run: it continues as new (no retrain runs any more).
      appendRows(model, version, liveRows(300, 6));
      await checkWindow(handle);
      await waitFor('continue-as-new', async () =>
        (await client.workflow.getHandle(handle.workflowId).describe()).runId !== handle.firstExecutionRunId
          ? true
          : undefined,
      );
      const first = client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
      const history = await first.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId);
      if (process.env.MLOPS_RECORD_HISTORIES) {
        const json = temporal.api.history.v1.History.fromObject(history).toJSON();
        fs.writeFileSync(path.join(__dirname, 'histories', 'monitor-alarm.json'), JSON.stringify(json));
      }

      // The gauges of the latest window, and the alarm counter, on the worker's /metrics endpoint.
      const server = await serveMetrics(metrics.registry, { host: '127.0.0.1', port: 0 });
      try {
        const text = await (await fetch(server.url)).text();
        expect(text).toMatch(
          new RegExp(`mlops_drift_score\\{model="${model}",version="${version}",metric="kl"\\} \\d`),
        );
        expect(text).toContain(
          `mlops_feature_drift{model="${model}",version="${version}",feature="temp_min",metric="kl"}`,
        );
        // The second drifted window alarmed and started the retrain; the fourth alarmed again (evidence for it).
        expect(text).toContain(`mlops_drift_alarms_total{model="${model}"} 2`);
        expect(text).toContain(`mlops_drift_windows_total{model="${model}",status="compared"} 6`);
      } finally {
        await server.close();
      }
      await handle.terminate();
    });
  });

  it('tiny and empty windows, a missing log, missing values, unseen categories and a truncated line never alarm', async () => {
    const model = 'monitor-bad-input';
    const { version } = await serveVersion(model, withReference, 'bad-input');
    await withMonitorWorker(async (taskQueue) => {
      const handle = await startMonitor(taskQueue, model, { epsilon: 0.01, consecutiveWindows: 1, minWindowRows: 50 });
      // No log file yet: an empty window, recorded.
      expect(await checkWindow(handle)).toMatchObject({
        rows: 0,
        alarm: false,
        skipped: `no feature log yet (${model}/${version}.jsonl)`,
      });
      // A tiny window.
      appendRows(model, version, driftedRows(5));
      expect(await checkWindow(handle)).toMatchObject({ rows: 5, alarm: false, skipped: '5 rows < minWindowRows 50' });
      // Nothing new.
      expect(await checkWindow(handle)).toMatchObject({ rows: 0, alarm: false, skipped: '0 rows < minWindowRows 50' });
      // Missing values, a string in a numeric column, unseen categories, and a last line still being written.
      const odd = liveRows(60).map((row, i) => ({
        ...row,
        wind: i % 3 === 0 ? null : row.wind,
        precipitation: i % 7 === 0 ? 'n/a' : row.precipitation,
        weather: i % 2 === 0 ? 'hail' : row.weather,
      }));
      const partial = JSON.stringify({ features: liveRows(1)[0] });
      appendRows(model, version, odd, partial.slice(0, 20));
      const window = await checkWindow(handle);
      expect(window.rows).toBe(60);
      expect(window.skipped).toBeUndefined();
      expect(Number.isFinite(window.score)).toBe(true);
      expect(window.features.weather).toBeGreaterThan(window.features.temp_min);
      // The truncated line is consumed only once complete.
      const status = await handle.query(monitorStatusQuery);
      expect(status.cursor.offset).toBe(fs.statSync(featureLogFile(model, version)).size - 20);
      fs.appendFileSync(featureLogFile(model, version), `${partial.slice(20)}\n`);
      expect(await checkWindow(handle)).toMatchObject({ rows: 1, skipped: '1 rows < minWindowRows 50', alarm: false });
      expect((await handle.query(monitorStatusQuery)).cursor.offset).toBe(
        fs.statSync(featureLogFile(model, version)).size,
      );
      const history = await handle.query(driftHistoryQuery);
      expect(history.filter((p) => p.skipped)).toHaveLength(4);
      expect(history.filter((p) => p.skipped).every((p) => !p.alarm && p.score === 0)).toBe(true);
      await handle.terminate();
    });
  });

  it('pause stops reading windows (checkNow ignored), resume continues; setThresholds changes ε, N and the interval', async () => {
    const model = 'monitor-controls';
    const { version } = await serveVersion(model, withReference, 'controls');
    await withMonitorWorker(async (taskQueue) => {
      const handle = await startMonitor(taskQueue, model, {
        epsilon: 0.5,
        consecutiveWindows: 1,
        minWindowRows: 100,
        retrain: { enabled: false },
      });
      await handle.signal(pauseMonitorSignal);
      await handle.signal(checkNowSignal);
      expect(await handle.query(monitorStatusQuery)).toMatchObject({ paused: true, windows: 0 });
      await handle.signal(resumeMonitorSignal);
      appendRows(model, version, driftedRows(200));
      // An alarm without retraining (retrain.enabled false): recorded, no child.
      expect(await checkWindow(handle)).toMatchObject({ alarm: true, consecutive: 1 });
      expect(await exists(retrainWorkflowId(model, 1))).toBe(false);

      await handle.signal(setThresholdsSignal, { epsilon: 1000, consecutiveWindows: 2 });
      appendRows(model, version, driftedRows(200, 9));
      expect(await checkWindow(handle)).toMatchObject({ alarm: false, consecutive: 0 });
      expect((await handle.query(monitorStatusQuery)).settings).toMatchObject({ epsilon: 1000, consecutiveWindows: 2 });
      // Invalid values are ignored; a short interval makes the monitor read windows on its own.
      await handle.signal(setThresholdsSignal, { epsilon: -1, consecutiveWindows: 1001, interval: '1 second' });
      const status = await waitFor(
        'windows on the interval',
        async () => {
          const s = await handle.query(monitorStatusQuery);
          return s.windows >= 4 ? s : undefined;
        },
        20_000,
      );
      expect(status.settings).toMatchObject({ epsilon: 1000, consecutiveWindows: 2, interval: '1 second' });
      await handle.terminate();
    });
  });

  it('continues as new every windowsPerRun windows with its cursor, counters and the newest historyLimit windows', async () => {
    const model = 'monitor-continue';
    const { version } = await serveVersion(model, withReference, 'continue');
    await withMonitorWorker(async (taskQueue) => {
      // ε out of reach: windows this small are noisy, and a retrain would hold off continue-as-new.
      const settings = { windowsPerRun: 3, historyLimit: 4, minWindowRows: 10, epsilon: 1000 };
      const handle = await startMonitor(taskQueue, model, settings);
      for (let w = 0; w < 7; w++) {
        appendRows(model, version, liveRows(10 + w, w));
        await checkWindow(client.workflow.getHandle(handle.workflowId) as MonitorHandle);
      }
      const latest = client.workflow.getHandle(handle.workflowId);
      const history = await latest.query(driftHistoryQuery);
      expect(history.map((p) => p.rows)).toEqual([13, 14, 15, 16]);
      expect(await latest.query(monitorStatusQuery)).toMatchObject({
        windows: 7,
        cursor: { version, offset: fs.statSync(featureLogFile(model, version)).size },
      });
      expect((await latest.describe()).runId).not.toBe(handle.firstExecutionRunId);
      const runs = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(run);
      expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')).toHaveLength(2);
      await latest.terminate();
    });
  });

  it('follows the serving version (and referenceUpdated): a new version is read from offset 0 against its reference, the streak restarts', async () => {
    const model = 'monitor-follow';
    const v1 = await serveVersion(model, withReference, 'follow-1');
    await withMonitorWorker(async (taskQueue) => {
      const handle = await startMonitor(taskQueue, model, { epsilon: 0.5, consecutiveWindows: 2, minWindowRows: 100 });
      appendRows(model, v1.version, driftedRows(200));
      expect(await checkWindow(handle)).toMatchObject({ version: v1.version, consecutive: 1 });
      const v2 = await serveVersion(model, withReference, 'follow-2');
      // What a retrain that deployed sends: the cursor moves to the new version's log start, the streak restarts.
      await handle.signal(referenceUpdatedSignal, { version: v2.version });
      expect(await handle.query(monitorStatusQuery)).toMatchObject({
        cursor: { version: v2.version, offset: 0 },
        consecutive: 0,
      });
      appendRows(model, v2.version, driftedRows(150));
      const window = await checkWindow(handle);
      expect(window).toMatchObject({ version: v2.version, rows: 150, consecutive: 1, alarm: false });
      expect((await handle.query(monitorStatusQuery)).cursor).toEqual({
        version: v2.version,
        offset: fs.statSync(featureLogFile(model, v2.version)).size,
      });
      await handle.terminate();
    });
  });

  it('a model without a training reference fails the monitor with a non-retryable error naming it and the fix', async () => {
    const model = 'monitor-no-reference';
    const { version } = await serveVersion(model, seattleOnnxWithReference(dir, false), 'no-reference');
    await withMonitorWorker(async (taskQueue) => {
      const handle = await startMonitor(taskQueue, model, {});
      await handle.signal(checkNowSignal);
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('DriftReferenceMissingError');
      expect(cause.message).toContain(`${model} v${version} has no training reference for drift monitoring`);
      expect(cause.message).toContain('reference_histograms');
      expect(cause.message).toContain('mlops run');
    });
  });
});
