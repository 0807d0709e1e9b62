import { WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { TASK_QUEUE } from '../../config/temporal';
import { connectClient, provideTemporal } from '../../runtime/temporal';
import { createWorkers } from '../../workers/create-workers';
import { readConfigFile } from '../config-file';
import { formatSummary, startLifecycle } from '../lifecycle-run';
import { failureMessage, waitForInterrupt } from '../process-utils';

export interface DemoOptions {
  config?: string;
  keepServer: boolean;
}

/** Everything on one machine: a dev server (unless one answers), in-process workers, one lifecycle run. */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const config = readConfigFile(options.config);
  const started = Date.now();
  // The demo prints its own progress; the SDK's INFO lines would drown it, and an activity-only worker's
  // "no workflows registered" warning is expected.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!entry.message.startsWith('No workflows registered'))
        console.error(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
    }),
  });
  const endpoint = await provideTemporal((m) => console.log(m));
  console.log(`Temporal: ${endpoint.origin} at ${endpoint.connectOptions.address}, namespace ${endpoint.namespace}`);
  const connection = await NativeConnection.connect(endpoint.connectOptions);
  try {
    const client = await connectClient(endpoint);
    const workers = await createWorkers({ connection, namespace: endpoint.namespace, taskQueue: TASK_QUEUE });
    const running = workers.map((w) => w.run());
    try {
      const runStarted = Date.now();
      const { handle, uiLink } = await startLifecycle(client, config, TASK_QUEUE);
      const summary = await handle.result();
      const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
      console.log(`\nLifecycle completed in ${seconds(runStarted)} s (${seconds(started)} s with start-up)`);
      console.log(formatSummary(summary));
      console.log(`  Temporal UI      ${uiLink}`);
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw new Error(`Lifecycle failed: ${failureMessage(err)}`);
      throw err;
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
    }
    if (endpoint.devServer && options.keepServer) {
      console.log(
        `\nThe dev server keeps serving the Temporal UI at ${endpoint.devServer.uiUrl}; press Ctrl-C to stop.`,
      );
      await waitForInterrupt();
    }
  } finally {
    await connection.close();
    await endpoint.close();
  }
}
