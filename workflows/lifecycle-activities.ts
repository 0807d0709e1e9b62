import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, HeavyActivities } from '../activities';
import { trainingTaskQueue } from '../config/task-queues';
import { DATA_ACTIVITY_TIMEOUT, REGISTRY_ACTIVITY_TIMEOUT, TRAINING_ACTIVITY_TIMEOUT } from '../config/timeouts';

/** The activity options of the model-building workflows (lifecycle and retrain), so both retry the same way. */
export const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
};

export const data = proxyActivities<Activities>({ startToCloseTimeout: DATA_ACTIVITY_TIMEOUT, retry });
export const registry = proxyActivities<Activities>({ startToCloseTimeout: REGISTRY_ACTIVITY_TIMEOUT, retry });

/** Heavy steps run on `<this workflow's queue>-training`, so training workers scale out separately. */
export const trainingActivities = () =>
  proxyActivities<HeavyActivities>({
    taskQueue: trainingTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: TRAINING_ACTIVITY_TIMEOUT,
    heartbeatTimeout: '1 minute',
    retry,
  });
