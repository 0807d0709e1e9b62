import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DriftCheckInput, EnsureMonitorResult } from './monitor-defs';

const { triggerDriftCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * What a drift-check Schedule (`drift-check/<model>`) runs: signal-with-start of the model's monitor with `checkNow`,
 * so a scheduled check both starts a monitor that is not running and makes a running one read a window now.
 */
export async function driftCheckWorkflow(input: DriftCheckInput): Promise<EnsureMonitorResult> {
  return triggerDriftCheck({ ...input, reason: `schedule drift-check/${input.modelName}` });
}
