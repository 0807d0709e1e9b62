import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { monitorWorkflowId } from '../../workflows/monitor-defs';
import { retrainWorkflowId } from '../../workflows/retrain-defs';

let bundle: WorkflowBundle;
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
}, 120_000);

it('replays a recorded monitor run (an alarm, a retrain child, evidence signalled to it, continue-as-new)', async () => {
  // Recorded by test/monitor/monitor.test.ts with MLOPS_RECORD_HISTORIES=1: a change to the monitor that would break
  // monitors already running must fail here, not in production.
  const file = path.join(__dirname, 'histories', 'monitor-alarm.json');
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
  const events = history.events;
  const child = events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  expect(child?.startChildWorkflowExecutionInitiatedEventAttributes).toMatchObject({
    workflowId: retrainWorkflowId('monitor-drift', 1),
    workflowType: { name: 'retrainWorkflow' },
  });
  expect(events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toHaveLength(2);
  expect(events.filter((e) => e.childWorkflowExecutionCompletedEventAttributes)).toHaveLength(1);
  expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  const windows = events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkDriftWindow',
  );
  expect(windows).toHaveLength(6);
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, monitorWorkflowId('monitor-drift'));
});
