import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { deployWorkflow } from '../../workflows/deploy';
import { deployProgressQuery, deployWorkflowId, rollbackUpdate, type DeployInput } from '../../workflows/deploy-defs';
import { killAll, runCli, waitFor } from '../helpers/processes';
import { temporalTestFile, uniqueTaskQueue, withWorkers } from '../helpers/temporal';
import { servingProcesses } from '../../activities/deploy/local';
import { localTarget, registerVersion, requestLoop, seattleOnnx, serversOf, stores } from './fixtures';

const suite = temporalTestFile('mlops-deploy-');
const MODEL = 'deploy-it';
/** Short canary steps; a generous latency limit, since this machine is shared while the tests run. */
const SETTINGS = { rollout: [10, 50, 100], stepSeconds: 1, canary: { probeRequests: 10, maxP99LatencyMs: 5_000 } };

let good: Uint8Array;
const versions: Record<string, number> = {};

beforeAll(async () => {
  good = seattleOnnx(suite.dir);
  for (const key of ['blue', 'green', 'rollback', 'cli'])
    versions[key] = (await registerVersion(MODEL, good, `t/${key}`)).version;
  versions.unloadable = (
    await registerVersion(MODEL, Buffer.from('not an ONNX model'), 't/unloadable', { from: good })
  ).version;
  versions.wrong = (await registerVersion(MODEL, good, 't/wrong', { from: good, shift: 5 })).version;
  versions.faulty = (await registerVersion(MODEL, good, 't/faulty')).version;
}, 120_000);

afterAll(async () => {
  await killAll();
  await localTarget().teardown(MODEL);
  expect(serversOf(MODEL)).toEqual([]);
});

function deploy(taskQueue: string, version: number, extra: Partial<DeployInput> = {}) {
  return suite.client.workflow.execute(deployWorkflow, {
    taskQueue,
    workflowId: deployWorkflowId(MODEL, version),
    args: [{ modelName: MODEL, version, settings: SETTINGS, ...extra }],
  });
}

/** The deploy failed and was rolled back; returns the failing step's error type and message. */
async function rolledBack(promise: Promise<unknown>): Promise<{ type: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const outer = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(outer.type).toBe('DeployRolledBackError');
  expect(outer.cause).toBeInstanceOf(ActivityFailure);
  const inner = outer.cause!.cause as ApplicationFailure;
  return { type: inner.type ?? '', message: outer.message };
}

const versionsServing = () => serversOf(MODEL).map((p) => p.version);

describe('deploy workflow: local target on the real dev server', () => {
  it('a first deploy serves the version behind the stable endpoint, and the registry records it', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    const result = await withWorkers(suite.connection, suite.bundle, taskQueue, () => deploy(taskQueue, versions.blue));
    expect(result).toMatchObject({ outcome: 'deployed', version: versions.blue });
    expect(result.previousVersion).toBeUndefined();
    // Nothing served before: no traffic to share, so one judged step at 100 % (no dwell).
    expect(result.canary.map((c) => c.weight)).toEqual([100]);
    expect(result.canary[0].verdict).toMatchObject({ ok: true, failures: 0 });
    expect(result.canary[0].verdict.requests).toBeGreaterThanOrEqual(10);

    const serving = await stores().registry.getServing(MODEL);
    expect(serving).toMatchObject({ version: versions.blue, endpoint: result.endpoint, history: [] });
    // Sized with lib/allocation over the serving models (none before) within this machine's CPUs: recorded, and
    // not enforced by the local target (one process per version, no CPU limits).
    const mine = result.allocation!.models.find((m) => m.name === MODEL)!;
    expect(result.allocation!.applied).toEqual([]);
    expect(mine).toMatchObject({ requestsPerSecond: 10 });
    expect(mine.cpu).toBeGreaterThan(0);
    expect(mine.cpu).toBeLessThanOrEqual(result.allocation!.cpuBudget);
    expect(serving!.allocation).toMatchObject({
      requestsPerSecond: 10,
      cpu: mine.cpu,
      replicas: mine.replicas,
      minCpu: 0.1,
      cpuBudget: result.allocation!.cpuBudget,
      applied: [],
    });
    const response = await fetch(`${result.endpoint}/v2/models/${MODEL}/predict`, {
      method: 'POST',
      body: JSON.stringify({ rows: [{ date: '2013-07-14', precipitation: 0, temp_min: 14, wind: 3, weather: 'sun' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model_version: string }).model_version).toBe(String(versions.blue));
    expect(versionsServing()).toEqual([versions.blue]);

    // Deploying the serving version again changes nothing.
    const again = await withWorkers(suite.connection, suite.bundle, taskQueue, () => deploy(taskQueue, versions.blue));
    expect(again.outcome).toBe('already-serving');
  });

  it('blue/green under a continuous request loop: every request succeeds, both versions answer, the old one stops', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    const endpoint = (await stores().registry.getServing(MODEL))!.endpoint;
    const loop = requestLoop(endpoint, MODEL);
    const result = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      deploy(taskQueue, versions.green),
    );
    await new Promise((r) => setTimeout(r, 500)); // requests after the old version stopped
    const stats = await loop.stop();

    expect(stats.errors.slice(0, 5)).toEqual([]);
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.byBackend[`${MODEL}-v${versions.blue}`]).toBeGreaterThan(0);
    expect(stats.byBackend[`${MODEL}-v${versions.green}`]).toBeGreaterThan(0);
    expect(result).toMatchObject({ outcome: 'deployed', endpoint, previousVersion: versions.blue });
    expect(versionsServing()).toEqual([versions.green]);
    const serving = await stores().registry.getServing(MODEL);
    expect(serving).toMatchObject({ version: versions.green, history: [{ version: versions.blue }] });
  });

  it('broken versions (unloadable ONNX, failing smoke test, canary errors) roll back while the old one serves every request', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    const endpoint = (await stores().registry.getServing(MODEL))!.endpoint;
    const loop = requestLoop(endpoint, MODEL);
    const failures = await withWorkers(suite.connection, suite.bundle, taskQueue, async () => [
      await rolledBack(deploy(taskQueue, versions.unloadable)),
      await rolledBack(deploy(taskQueue, versions.wrong)),
      // Healthy for the smoke test's request, then every request fails.
      await rolledBack(deploy(taskQueue, versions.faulty, { faults: { errorRate: 1, afterRequests: 1 } })),
    ]);
    const stats = await loop.stop();

    expect(failures[0].type).toBe('ModelServerExitedError');
    expect(failures[0].message).toMatch(/failed at stage "ready" and was rolled back \(v\d+ keeps serving\)/);
    expect(failures[0].message).toContain('exited before it was ready');
    expect(failures[1].type).toBe('SmokeTestFailedError');
    expect(failures[1].message).toContain('4 of 4 golden rows differ');
    expect(failures[2].type).toBe('CanaryFailedError');
    expect(failures[2].message).toMatch(/canary at 10% .*error rate 100\.0%/);

    expect(stats.errors.slice(0, 5)).toEqual([]);
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBeGreaterThan(50);
    expect(versionsServing()).toEqual([versions.green]);
    expect((await stores().registry.getServing(MODEL))!.version).toBe(versions.green);
  });

  it('the rollback update abandons a rollout mid-canary and returns traffic to the serving version', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const handle = await suite.client.workflow.start(deployWorkflow, {
        taskQueue,
        workflowId: deployWorkflowId(MODEL, versions.rollback),
        args: [{ modelName: MODEL, version: versions.rollback, settings: { ...SETTINGS, stepSeconds: 120 } }],
      });
      await waitFor('the canary stage', async () => {
        const p = await handle.query(deployProgressQuery).catch(() => undefined);
        return p?.stage === 'canary' && p.weight === 10 ? p : undefined;
      });
      expect(versionsServing().sort()).toEqual([versions.green, versions.rollback].sort());
      const update = await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'latency looks off' }] });
      expect(update).toEqual({ servingVersion: versions.green });
      expect(await handle.result()).toMatchObject({ outcome: 'rolled-back', reason: 'latency looks off' });
      // Too late now: the validator rejects an update once the rollout has ended.
      await expect(handle.executeUpdate(rollbackUpdate, { args: [{}] })).rejects.toThrow();
    });
    expect(versionsServing()).toEqual([versions.green]);
    expect((await stores().registry.getServing(MODEL))!.version).toBe(versions.green);
  });

  it('mlops rollback sends the rollback update to the rollout running for the model', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
      const handle = await suite.client.workflow.start(deployWorkflow, {
        taskQueue,
        workflowId: deployWorkflowId(MODEL, versions.cli),
        args: [{ modelName: MODEL, version: versions.cli, settings: { ...SETTINGS, stepSeconds: 120 } }],
      });
      await waitFor('the canary stage', async () => {
        const p = await handle.query(deployProgressQuery).catch(() => undefined);
        return p?.stage === 'canary' ? p : undefined;
      });
      const cli = await runCli(['rollback', MODEL, '--reason', 'drill from the CLI', '--json']);
      expect(cli.output).not.toContain('mlops:');
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.output.trim().split('\n').at(-1)!)).toEqual({ servingVersion: versions.green });
      expect(await handle.result()).toMatchObject({ outcome: 'rolled-back', reason: 'drill from the CLI' });
    });
    expect(versionsServing()).toEqual([versions.green]);
  });

  it('replays the recorded histories of completed, rolled-back and update-abandoned deploys with the current code', async () => {
    const histories = [];
    for (const key of ['blue', 'green', 'unloadable', 'wrong', 'faulty', 'rollback']) {
      const handle = suite.client.workflow.getHandle(deployWorkflowId(MODEL, versions[key]));
      histories.push({ workflowId: handle.workflowId, history: await handle.fetchHistory() });
    }
    for await (const result of Worker.runReplayHistories({ workflowBundle: suite.bundle }, histories))
      expect(result.error).toBeUndefined();
  });

  it('replays a blue/green history recorded by an earlier version of the deploy workflow', async () => {
    // v1 → v2 with canary steps 10/50/100 under load (the blue/green test above, recorded once): a change to the
    // workflow that would break rollouts already running must fail here, not in production.
    const file = path.join(__dirname, 'histories', 'blue-green.json');
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
    const scheduled = history.events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled.filter((name) => name === 'shiftTraffic')).toHaveLength(3);
    expect(scheduled.filter(Boolean).at(-1)).toBe('drainModelServer');
    await Worker.runReplayHistory({ workflowBundle: suite.bundle }, history, deployWorkflowId(MODEL, 2));
  });

  it('an unknown version fails at once with a non-retryable error naming what is registered', async () => {
    const taskQueue = uniqueTaskQueue('deploy');
    const err = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      deploy(taskQueue, 999).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('ModelVersionNotFoundError');
    expect(cause.message).toContain(`model "${MODEL}" has no version 999 in the registry (registered: 1, 2`);
    expect(versionsServing()).toEqual([versions.green]);
  });

  it('mlops undeploy stops the router and servers, records that nothing serves and keeps the history', async () => {
    const endpoint = (await stores().registry.getServing(MODEL))!.endpoint;
    const undeployed = await runCli(['undeploy', MODEL, '--json']);
    expect(undeployed.code).toBe(0);
    expect(JSON.parse(undeployed.output.trim().split('\n').at(-1)!)).toEqual({
      model: MODEL,
      servedVersion: versions.green,
      stoppedVersions: [versions.green],
    });
    expect(servingProcesses(MODEL)).toEqual([]);
    expect(await localTarget().endpoint(MODEL)).toBeUndefined();
    await expect(fetch(`${endpoint}/v2/models/${MODEL}/predict`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(await stores().registry.getServing(MODEL)).toBeUndefined();
    const predicted = await runCli(['predict', MODEL, '--row', 'wind=3']);
    expect(predicted.code).toBe(1);
    expect(predicted.output).toContain(`model "${MODEL}" is not deployed`);
    // The next deploy starts from nothing and continues the history.
    const taskQueue = uniqueTaskQueue('deploy');
    const again = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
      deploy(taskQueue, versions.blue, { settings: { ...SETTINGS, rollout: [100], stepSeconds: 0 } }),
    );
    expect(again).toMatchObject({ outcome: 'deployed', version: versions.blue });
    expect(again.previousVersion).toBeUndefined();
    const serving = (await stores().registry.getServing(MODEL))!;
    expect(serving.history.map((h) => h.version)).toEqual([versions.blue, versions.green]);
  });
});
