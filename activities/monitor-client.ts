import type {
  Client,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowHandleWithSignaledRunId,
} from '@temporalio/client';
import type { monitorWorkflow } from '../workflows/monitor';
import { checkNowSignal, monitorWorkflowId, type CheckRequest, type MonitorInput } from '../workflows/monitor-defs';

/** Starts `monitor/<model>` on `taskQueue` unless it runs (then it keeps its settings). */
export function startMonitor(
  client: Client,
  taskQueue: string,
  input: MonitorInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof monitorWorkflow>> {
  return client.workflow.start<typeof monitorWorkflow>('monitorWorkflow', {
    taskQueue,
    workflowId: monitorWorkflowId(input.modelName),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Signal-with-start of `monitor/<model>` with `checkNow`: it reads a window now, started first if it does not run. */
export function checkMonitorNow(
  client: Client,
  taskQueue: string,
  input: MonitorInput,
  request: CheckRequest,
): Promise<WorkflowHandleWithSignaledRunId<typeof monitorWorkflow>> {
  return client.workflow.signalWithStart<typeof monitorWorkflow, [CheckRequest?]>('monitorWorkflow', {
    taskQueue,
    workflowId: monitorWorkflowId(input.modelName),
    args: [input],
    signal: checkNowSignal,
    signalArgs: [request],
  });
}
