import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { deployWorkflow } from '../../workflows/deploy';
import { deployProgressQuery, deployWorkflowId } from '../../workflows/deploy-defs';
import { killAll, runCli, spawnCli, waitFor } from '../helpers/processes';
import { testAddress, uniqueTaskQueue } from '../helpers/temporal';
import { localTarget, registerVersion, requestLoop, seattleOnnx, serversOf, stores } from './fixtures';

const MODEL = 'deploy-durable';
let client: Client;
let dir: string;

beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testAddress() }), namespace: 'default' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-deploy-durable-'));
}, 60_000);

afterAll(async () => {
  await killAll();
  await localTarget().teardown(MODEL);
  expect(serversOf(MODEL)).toEqual([]);
  await client?.connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== '';
  } catch {
    return false;
  }
};

function startWorker(taskQueue: string) {
  const worker = spawnCli(['worker', '--task-queue', taskQueue, '--metrics-address', '']);
  return waitFor('the worker to poll', () => (worker.output().includes('polling task queue') ? worker : undefined));
}

describe('deploy: worker processes, SIGKILL and the mlops command', () => {
  it('a worker killed mid-deploy is replaced and the rollout completes; no model server is left behind', async () => {
    const bytes = seattleOnnx(dir);
    const v1 = (await registerVersion(MODEL, bytes, 'd/1')).version;
    const v2 = (await registerVersion(MODEL, bytes, 'd/2')).version;
    const taskQueue = uniqueTaskQueue('deploy-durable');
    const env = { MLOPS_TASK_QUEUE: taskQueue };
    const first = await startWorker(taskQueue);

    // `mlops deploy` rolls v1 out at once; `mlops predict` answers through the model's endpoint.
    const deployed = await runCli(
      ['deploy', MODEL, String(v1), '--rollout', '100', '--step-seconds', '0', '--json'],
      env,
    );
    expect(deployed.code).toBe(0);
    const firstResult = JSON.parse(deployed.output.trim().split('\n').at(-1)!);
    expect(firstResult).toMatchObject({ outcome: 'deployed', version: v1 });
    const predicted = await runCli([
      'predict',
      MODEL,
      '--row',
      'date=2013-07-14,precipitation=0,temp_min=14.4,wind=3.1,weather=sun',
    ]);
    expect(predicted.code).toBe(0);
    const prediction = JSON.parse(predicted.output.trim().split('\n').at(-1)!);
    expect(prediction).toMatchObject({ model: MODEL, version: String(v1) });
    expect(prediction.predictions[0]).toBeGreaterThan(15);
    expect(prediction.predictions[0]).toBeLessThan(35);
    const badRow = await runCli(['predict', MODEL, '--row', 'wind']);
    expect(badRow.code).toBe(1);
    expect(badRow.output).toContain('--row: "wind" is not name=value');
    const oldPid = serversOf(MODEL)[0].pid;

    // v2 rolls out under load; the worker dies during the canary.
    const loop = requestLoop(firstResult.endpoint, MODEL, 2);
    const handle = await client.workflow.start<typeof deployWorkflow>('deployWorkflow', {
      taskQueue,
      workflowId: deployWorkflowId(MODEL, v2),
      args: [{ modelName: MODEL, version: v2, settings: { rollout: [10, 50, 100], stepSeconds: 2 } }],
    });
    await waitFor('the canary stage', async () => {
      const p = await handle.query(deployProgressQuery).catch(() => undefined);
      return p?.stage === 'canary' ? p : undefined;
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // The servers are detached: they outlive the worker.
    const during = serversOf(MODEL);
    expect(during.map((p) => p.version).sort()).toEqual([v1, v2]);

    const second = await startWorker(taskQueue);
    const result = await handle.result();
    const stats = await loop.stop();
    expect(result).toMatchObject({ outcome: 'deployed', version: v2, previousVersion: v1 });
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBeGreaterThan(20);

    // Exactly one model server is left, v2's, the one started before the crash; v1's process is gone.
    const after = serversOf(MODEL);
    expect(after.map((p) => p.version)).toEqual([v2]);
    expect(after[0].pid).toBe(during.find((p) => p.version === v2)!.pid);
    expect(alive(oldPid)).toBe(false);
    // Each step ran once to completion in the history, though a worker died: the start was not repeated.
    const history = await handle.fetchHistory();
    const started = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startModelServer',
    );
    expect(started).toHaveLength(1);

    // `mlops rollback` with no rollout running serves the previous version again.
    const rolledBack = await runCli(['rollback', MODEL, '--json'], env);
    expect(rolledBack.code).toBe(0);
    expect(JSON.parse(rolledBack.output.trim().split('\n').at(-1)!)).toMatchObject({
      outcome: 'deployed',
      version: v1,
      previousVersion: v2,
    });
    expect(serversOf(MODEL).map((p) => p.version)).toEqual([v1]);
    expect((await stores().registry.getServing(MODEL))!.version).toBe(v1);

    second.child.kill('SIGTERM');
    await second.exited;
  });
});
