import { activityInfo } from '@temporalio/activity';
import type { ModelVersion, NewModelVersion, Registry } from '../stores/registry';

export function createRegistryActivities({ registry }: { registry: Registry }) {
  return {
    /** Idempotent per run: a retried or replayed registration returns the version already recorded. */
    async registerModelVersion(entry: Omit<NewModelVersion, 'runKey'>): Promise<ModelVersion> {
      const info = activityInfo();
      const execution = info.workflowExecution;
      const runKey = execution ? `${execution.workflowId}/${execution.runId}` : `activity/${info.activityId}`;
      return registry.register({ ...entry, runKey });
    },
  };
}
