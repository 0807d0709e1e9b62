import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, createHeavyActivities } from '../activities';
import type { DriftMetrics } from '../activities/drift-metrics';
import { loadTrainingKernels } from '../activities/training-kernels';
import { paths } from '../config/paths';
import { trainingTaskQueue } from '../config/task-queues';
import { FileArtifactStore } from '../stores/artifact-store';
import { FileRegistry } from '../stores/registry';

/** `workflows`: workflows plus light activities; `training`: heavy activities only; `all`: both, in one process. */
export type WorkerRole = 'all' | 'workflows' | 'training';
export const WORKER_ROLES: WorkerRole[] = ['all', 'workflows', 'training'];

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  role?: WorkerRole;
  /** A pre-built bundle (tests build one per file); otherwise workflows are bundled from source at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The drift gauges the process serves on `/metrics` (workers/metrics-server.ts); none: not recorded. */
  driftMetrics?: DriftMetrics;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/** Builds the project's workers with the embedded stores under MLOPS_HOME. */
export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const role = options.role ?? 'all';
  const deps = { store: new FileArtifactStore(paths.artifacts()), registry: new FileRegistry(paths.registry()) };
  const common = { connection: options.connection, namespace: options.namespace };
  // Training is synchronous: its kernels are loaded (wabt initialises asynchronously) before any worker starts.
  const kernels = role === 'workflows' ? null : await loadTrainingKernels();
  const workers: Promise<Worker>[] = [];
  if (role !== 'training') {
    workers.push(
      Worker.create({
        ...common,
        taskQueue: options.taskQueue,
        // Drift checks start and signal monitors with the worker's own client (the activity context's).
        activities: createActivities({ ...deps, driftMetrics: options.driftMetrics }),
        ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
      }),
    );
  }
  if (kernels) {
    workers.push(
      Worker.create({
        ...common,
        taskQueue: trainingTaskQueue(options.taskQueue),
        activities: createHeavyActivities({ ...deps, kernels }),
        // Training is CPU-bound: on a small machine, a few at a time.
        maxConcurrentActivityTaskExecutions: 2,
      }),
    );
  }
  return Promise.all(workers);
}

/** Runs workers until they shut down (SIGINT/SIGTERM or `shutdown()`), then resolves. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
