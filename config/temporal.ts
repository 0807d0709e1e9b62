import { trainingTaskQueue } from './task-queues';

/** Where the project talks to Temporal: namespace, task queues, dev-server ports and the UI, in one place. */

export const NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';

/** Workflows and light activities (data, registry). */
export const TASK_QUEUE = process.env.MLOPS_TASK_QUEUE ?? 'mlops';
/** Heavy activities (training, export): their own queue, so extra workers scale them out. */
export const TRAINING_TASK_QUEUE = trainingTaskQueue(TASK_QUEUE);

export const DEV_SERVER_HOST = '127.0.0.1';
export const DEV_SERVER_PORT = Number(process.env.MLOPS_DEV_SERVER_PORT ?? 7233);
export const DEV_SERVER_UI_PORT = Number(process.env.MLOPS_DEV_SERVER_UI_PORT ?? 8233);

/** Prometheus scrape address of the worker's SDK metrics; set to an empty string to disable. */
export const WORKER_METRICS_ADDRESS = process.env.MLOPS_WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464';

/** Temporal UI base address: the dev server's UI unless TEMPORAL_UI_URL points elsewhere. */
export function temporalUiUrl(): string {
  return process.env.TEMPORAL_UI_URL ?? `http://localhost:${DEV_SERVER_UI_PORT}`;
}

export function workflowUiLink(workflowId: string, runId?: string, namespace = NAMESPACE): string {
  const base = `${temporalUiUrl()}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}
