import { parseLifecycleConfig } from '../../config/project';
import { GOLDEN_ATTACHMENT } from '../../activities/deploy/golden';
import { lifecycleWorkflow } from '../../workflows/lifecycle';
import { lifecycleWorkflowId } from '../../workflows/lifecycle-defs';
import { monitorStatusQuery, monitorWorkflowId } from '../../workflows/monitor-defs';
import { temporalTestFile, uniqueTaskQueue, withWorkers } from '../helpers/temporal';
import { localTarget, serversOf, stores } from './fixtures';

const suite = temporalTestFile('mlops-lifecycle-deploy-');
const MODEL = 'lifecycle-deploy';

afterAll(async () => {
  await localTarget().teardown(MODEL);
  expect(serversOf(MODEL)).toEqual([]);
});

it('the lifecycle deploys the version it registered, smoke-tested on golden rows from its validation set', async () => {
  const taskQueue = uniqueTaskQueue('lifecycle-deploy');
  const config = parseLifecycleConfig({
    modelName: MODEL,
    deploy: { enabled: true, rollout: [50, 100], stepSeconds: 0, smoke: { rows: 16 } },
  });
  const summary = await withWorkers(suite.connection, suite.bundle, taskQueue, () =>
    suite.client.workflow.execute(lifecycleWorkflow, {
      taskQueue,
      workflowId: lifecycleWorkflowId(MODEL, 'deploy'),
      args: [config],
    }),
  );
  expect(summary.deploy).toMatchObject({ outcome: 'deployed', version: summary.version });
  // A first deploy: one judged step at 100 %, whatever the configured steps.
  expect(summary.deploy!.canary.map((c) => c.weight)).toEqual([100]);

  const golden = JSON.parse((await stores().registry.readAttachment(MODEL, summary.version, GOLDEN_ATTACHMENT))!);
  expect(golden.rows).toHaveLength(16);
  expect(Object.keys(golden.rows[0]).sort()).toEqual(['date', 'precipitation', 'temp_min', 'weather', 'wind']);
  const serving = await stores().registry.getServing(MODEL);
  expect(serving).toMatchObject({ version: summary.version, endpoint: summary.deploy!.endpoint });

  // The golden rows through the stable endpoint give the recorded predictions.
  const response = await fetch(`${serving!.endpoint}/v2/models/${MODEL}/predict`, {
    method: 'POST',
    body: JSON.stringify({ rows: golden.rows }),
  });
  const body = (await response.json()) as { predictions: number[] };
  body.predictions.forEach((p, i) => expect(p).toBeCloseTo(golden.expected[i], 3));
  expect(serversOf(MODEL).map((p) => p.version)).toEqual([summary.version]);

  // The deployed model has its drift monitor, with the config's monitor settings.
  const monitor = suite.client.workflow.getHandle(monitorWorkflowId(MODEL));
  expect((await monitor.describe()).status.name).toBe('RUNNING');
  const status = await withWorkers(suite.connection, suite.bundle, taskQueue, () => monitor.query(monitorStatusQuery));
  expect(status.settings).toEqual(config.monitor);
  await monitor.terminate();
});
