import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { sweepWorkflow } from '../workflows/sweep';
import { sweepProgressQuery, sweepWorkflowId } from '../workflows/sweep-defs';
import { killAll, spawnCli, waitFor } from './helpers/processes';
import { testAddress } from './helpers/temporal';

let client: Client;
let dir: string;

beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testAddress() }), namespace: 'default' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-sweep-cli-'));
});

afterAll(async () => {
  await killAll();
  await client?.connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('mlops sweep with a worker killed mid-sweep', () => {
  it('resumes on a new worker with no trial lost or counted twice, and the CLI reports the result', async () => {
    const taskQueue = `sweep-durable-${Date.now()}`;
    const config = path.join(dir, 'sweep.yaml');
    fs.writeFileSync(
      config,
      [
        'modelName: sweep-durable',
        // Enough trials, each long enough (100 epochs, no early or median stopping), that the sweep is surely mid-way
        // when the worker is killed after the first ones: with 20-epoch trials a fast run had finished 20 by then.
        'model: { type: mlp, hyperparameters: { epochs: 100, patience: 100, batchSize: 32, hiddenLayers: 1 } }',
        'sweep: { maxTrials: 30, parallelism: 2, initialTrials: 3, trialsPerRun: 10, medianStoppingGraceEpochs: 100 }',
      ].join('\n'),
    );
    const env = { MLOPS_TASK_QUEUE: taskQueue };
    const first = spawnCli(['worker', '--metrics-address', ''], env);
    await waitFor('the first worker', () => (first.output().includes('polling task queue') ? true : undefined));
    const cli = spawnCli(['sweep', '--config', config, '--run', 'r1'], env);

    const handle = client.workflow.getHandle<typeof sweepWorkflow>(sweepWorkflowId('sweep-durable', 'r1'));
    const seen = await waitFor('a finished trial', async () => {
      const p = await handle.query(sweepProgressQuery).catch(() => undefined);
      return p && p.done >= 1 ? p : undefined;
    });
    expect(seen.done).toBeLessThan(20);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    spawnCli(['worker', '--metrics-address', ''], env);
    const { code } = await cli.exited;
    expect(cli.output()).toContain('Sweep finished: 30 trials');
    expect(cli.output()).toMatch(/best validation loss \d/);
    expect(cli.output()).toMatch(/trials \[[█░]+\] \d+\/30/);
    expect(code).toBe(0);

    const result = await handle.result();
    expect(result.trials.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  }, 180_000);
});
