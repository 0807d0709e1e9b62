import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { MODEL_NAME, MODEL_VERSION, STAGE } from '../../config/search-attributes';
import { workflowUiLink } from '../../config/temporal';
import { connectClient } from '../../runtime/temporal';
import { LifecycleSummary, progressQuery } from '../../workflows/lifecycle-defs';
import { retrainProgressQuery } from '../../workflows/retrain-defs';
import { sweepProgressQuery } from '../../workflows/sweep-defs';
import { formatSummary } from '../lifecycle-run';
import { failureMessage } from '../process-utils';

export interface RunStatus {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime?: string;
  model?: { name?: string; version?: number; stage?: string };
  progress?: unknown;
  result?: unknown;
  failure?: string;
  uiLink: string;
}

/** Answers with a timeout: a query needs a live worker, and a status command must not hang without one. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
}

export async function getRunStatus(workflowId: string): Promise<RunStatus> {
  const client = await connectClient();
  try {
    const handle = client.workflow.getHandle(workflowId);
    const info = await handle.describe();
    const attributes = info.typedSearchAttributes;
    const status: RunStatus = {
      workflowId,
      runId: info.runId,
      type: info.type,
      status: info.status.name,
      startTime: info.startTime.toISOString(),
      closeTime: info.closeTime?.toISOString(),
      model: {
        name: attributes.get(MODEL_NAME),
        version: attributes.get(MODEL_VERSION),
        stage: attributes.get(STAGE),
      },
      uiLink: workflowUiLink(workflowId, info.runId, client.options.namespace),
    };
    if (info.status.name === 'COMPLETED') status.result = await handle.result();
    if (info.status.name === 'FAILED') {
      status.failure = await handle.result().then(
        () => undefined,
        (err: Error) => (err instanceof WorkflowFailedError ? failureMessage(err) : err.message),
      );
    }
    if (info.status.name === 'RUNNING') {
      const query =
        info.type === 'sweepWorkflow'
          ? sweepProgressQuery
          : info.type === 'retrainWorkflow'
            ? retrainProgressQuery
            : progressQuery;
      status.progress = await withTimeout(
        handle.query<unknown>(query).catch(() => undefined),
        3000,
      );
    }
    return status;
  } finally {
    await client.connection.close();
  }
}

export async function statusCommand(workflowId: string, options: { json?: boolean }): Promise<void> {
  let status: RunStatus;
  try {
    status = await getRunStatus(workflowId);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new Error(`No workflow with ID "${workflowId}" in this namespace; list runs in the Temporal UI.`);
    }
    throw err;
  }
  if (options.json) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  const lines = [
    `Workflow   ${status.workflowId} (run ${status.runId})`,
    `Type       ${status.type}`,
    `Status     ${status.status}`,
    `Started    ${status.startTime}`,
  ];
  if (status.closeTime) lines.push(`Closed     ${status.closeTime}`);
  if (status.model?.name) {
    lines.push(`Model      ${status.model.name}${status.model.version ? ` v${status.model.version}` : ''}`);
  }
  if (status.model?.stage) lines.push(`Stage      ${status.model.stage}`);
  if (status.progress) lines.push(`Progress   ${JSON.stringify(status.progress)}`);
  if (status.failure) lines.push(`Failure    ${status.failure}`);
  if (status.result && status.type === 'lifecycleWorkflow')
    lines.push(formatSummary(status.result as LifecycleSummary));
  else if (status.result !== undefined) lines.push(`Result     ${JSON.stringify(status.result)}`);
  lines.push(`Temporal UI: ${status.uiLink}`);
  console.log(lines.join('\n'));
}
