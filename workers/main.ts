import { NativeConnection, Runtime } from '@temporalio/worker';
import { DriftMetrics } from '../activities/drift-metrics';
import { TASK_QUEUE, WORKER_METRICS_ADDRESS } from '../config/temporal';
import { createWorkers, runWorkers, WORKER_ROLES, WorkerRole } from './create-workers';
import { configuredEndpoint, unreachableMessage } from '../runtime/temporal';
import { driftMetricsAddress, serveMetrics } from './metrics-server';

export interface WorkerMainOptions {
  role?: WorkerRole;
  taskQueue?: string;
  metricsAddress?: string;
}

/** Worker process: Prometheus metrics, graceful shutdown on SIGINT/SIGTERM (in-flight tasks finish first). */
export async function workerMain(options: WorkerMainOptions = {}): Promise<void> {
  const role = options.role ?? (process.env.MLOPS_WORKER_ROLE as WorkerRole | undefined) ?? 'all';
  if (!WORKER_ROLES.includes(role)) throw new Error(`worker role "${role}" is unknown; use one of ${WORKER_ROLES}`);
  const metricsAddress = options.metricsAddress ?? WORKER_METRICS_ADDRESS;
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: metricsAddress
      ? {
          metrics: {
            prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, useSecondsForDurations: true },
          },
        }
      : {},
  });
  const { connectOptions: connection, namespace } = configuredEndpoint();
  const nativeConnection = await NativeConnection.connect(connection).catch((err: Error) => {
    throw new Error(`${unreachableMessage(connection.address ?? '(no address)')}\n(${err.message})`);
  });
  const driftMetrics = new DriftMetrics();
  const configuredDriftAddress = driftMetricsAddress();
  // A training worker runs no monitoring activity: it leaves the drift port to the worker that does.
  const driftAddress = role === 'training' ? undefined : configuredDriftAddress;
  // A port already taken (another worker on this machine) costs the drift endpoint, not the worker.
  const driftServer = driftAddress
    ? await serveMetrics(driftMetrics.registry, driftAddress).catch((err: Error) => {
        console.error(`drift metrics not served on ${driftAddress.host}:${driftAddress.port}: ${err.message}`);
        return undefined;
      })
    : undefined;
  try {
    const taskQueue = options.taskQueue ?? TASK_QUEUE;
    const workers = await createWorkers({ connection: nativeConnection, namespace, taskQueue, role, driftMetrics });
    console.log(
      `Worker (${role}) polling task queue ${taskQueue} in namespace ${namespace} at ${connection.address}` +
        (metricsAddress ? `; Prometheus metrics at http://${metricsAddress}/metrics` : '') +
        (driftServer ? `; drift metrics at ${driftServer.url}` : ''),
    );
    await runWorkers(workers);
    console.log('Worker stopped.');
  } finally {
    await driftServer?.close();
    await nativeConnection.close();
  }
}

if (require.main === module) {
  workerMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
