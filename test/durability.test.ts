import { Client, Connection } from '@temporalio/client';
import { parseLifecycleConfig } from '../config/project';
import { lifecycleWorkflowId, LifecycleProgress, progressQuery } from '../workflows/lifecycle-defs';
import type { lifecycleWorkflow } from '../workflows/lifecycle';
import { freePort } from '../runtime/ports';
import { killAll, runCli, spawnCli, waitFor } from './helpers/processes';
import { testAddress, uniqueTaskQueue } from './helpers/temporal';

let client: Client;

beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testAddress() }), namespace: 'default' });
});

afterAll(async () => {
  await killAll();
  await client?.connection.close();
});

describe('durability: worker processes against the real dev server', () => {
  it('a worker killed with SIGKILL mid-lifecycle is replaced, and the same workflow completes', async () => {
    const taskQueue = uniqueTaskQueue('durable');
    const metricsPort = await freePort();
    // This worker polls only the workflow queue, so the run is certain to be mid-flight (waiting on training) when
    // it is killed.
    const first = spawnCli([
      'worker',
      '--role',
      'workflows',
      '--task-queue',
      taskQueue,
      '--metrics-address',
      `127.0.0.1:${metricsPort}`,
    ]);
    await waitFor('the first worker to poll', () => (first.output().includes('polling task queue') ? true : undefined));

    const config = parseLifecycleConfig({ modelName: 'durable', deploy: { enabled: false } });
    const workflowId = lifecycleWorkflowId(config.modelName, taskQueue);
    const handle = await client.workflow.start<typeof lifecycleWorkflow>('lifecycleWorkflow', {
      taskQueue,
      workflowId,
      args: [config],
    });
    const progress = await waitFor<LifecycleProgress>('the run to reach the train stage', async () => {
      const p = await handle.query(progressQuery).catch(() => undefined);
      return p?.stage === 'train' ? p : undefined;
    });
    expect(progress.completed).toEqual(['config', 'ingest', 'validate', 'split']);

    // SDK runtime metrics are exposed for Prometheus while the worker runs.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^temporal_\w+/m);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const second = spawnCli(['worker', '--task-queue', taskQueue, '--metrics-address', '']);
    const summary = await handle.result();
    expect(summary.modelName).toBe('durable');
    expect(summary.metrics.validationMse).toBeLessThan(summary.metrics.baselineMse);

    // The history shows one run, resumed: each data step ran exactly once.
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => Boolean(name));
    expect(scheduled).toEqual([
      'resolveConfig',
      'ingestDataset',
      'validateDataset',
      'splitDataset',
      'trainModel',
      'evaluateModel',
      'exportOnnx',
      'registerModelVersion',
      'writeModelCard',
    ]);

    // `mlops status` reports the finished run, as text and as JSON.
    const text = await runCli(['status', workflowId]);
    expect(text.code).toBe(0);
    expect(text.output).toContain('COMPLETED');
    expect(text.output).toContain(`durable v${summary.version}`);
    expect(text.output).toContain(`validation MSE   ${summary.metrics.validationMse.toFixed(4)}`);
    expect(text.output).toContain(`/workflows/${encodeURIComponent(workflowId)}`);
    const json = await runCli(['status', workflowId, '--json']);
    const status = JSON.parse(json.output);
    expect(status).toMatchObject({
      status: 'COMPLETED',
      model: { name: 'durable', version: summary.version, stage: 'done' },
      result: { metrics: summary.metrics, artifact: { hash: summary.artifact.hash } },
    });

    // SIGTERM drains the worker and it exits cleanly.
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output()).toContain('Worker stopped.');
  });

  it('`mlops status` on an unknown workflow exits 1 with a clear message', async () => {
    const result = await runCli(['status', 'lifecycle/none/nope']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('No workflow with ID "lifecycle/none/nope"');
  });
});
