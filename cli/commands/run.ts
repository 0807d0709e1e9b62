import { WorkflowFailedError } from '@temporalio/client';
import { TASK_QUEUE } from '../../config/temporal';
import { connectClient } from '../../runtime/temporal';
import { readConfigFile } from '../config-file';
import { followStages, formatSummary, startLifecycle } from '../lifecycle-run';
import { failureMessage } from '../process-utils';

/** Starts a lifecycle run on a running server and worker (`mlops server`, `mlops worker`, or a cluster). */
export async function runCommand(options: { config?: string; wait: boolean; run?: string }): Promise<void> {
  const config = readConfigFile(options.config);
  const client = await connectClient();
  try {
    const { handle } = await startLifecycle(client, config, TASK_QUEUE, options.run);
    if (!options.wait) return;
    console.log('Waiting for the result (a worker must be polling; Ctrl-C leaves the run going)...');
    const stopFollowing = followStages(handle);
    const summary = await handle
      .result()
      .catch((err: Error) => {
        throw err instanceof WorkflowFailedError ? new Error(`Lifecycle failed: ${failureMessage(err)}`) : err;
      })
      .finally(stopFollowing);
    console.log(formatSummary(summary));
  } finally {
    await client.connection.close();
  }
}
