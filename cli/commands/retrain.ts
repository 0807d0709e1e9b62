import { Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import fs from 'node:fs';
import { appendFeedbackRows } from '../../activities/feedback';
import { paths } from '../../config/paths';
import type { RetrainSettingsInput } from '../../config/retrain';
import { TASK_QUEUE, workflowUiLink } from '../../config/temporal';
import { connectClient } from '../../runtime/temporal';
import { FileFeedbackStore } from '../../stores/feedback-store';
import { FileRegistry } from '../../stores/registry';
import type { retrainWorkflow } from '../../workflows/retrain';
import {
  retrainProgressQuery,
  retrainWorkflowId,
  type RetrainInput,
  type RetrainResult,
} from '../../workflows/retrain-defs';
import { failureMessage } from '../process-utils';
import { ProgressLine } from '../progress-bar';
import { describeWorkflow } from '../workflow-lookup';

export interface RetrainOptions {
  champion?: number;
  margin?: number;
  holdoutFraction?: number;
  minFeedbackRows?: number;
  wait: boolean;
  json?: boolean;
}

/** The smallest n above every retrain of the model the server knows (visibility first, then probing IDs). */
export async function nextRetrainNumber(client: Client, modelName: string): Promise<number> {
  let n = 1;
  const query = `WorkflowType = 'retrainWorkflow' AND MlopsModelName = '${modelName}'`;
  const prefix = retrainWorkflowId(modelName, 0).slice(0, -1);
  for await (const execution of client.workflow.list({ query })) {
    const suffix = execution.workflowId.startsWith(prefix) ? Number(execution.workflowId.slice(prefix.length)) : NaN;
    if (Number.isInteger(suffix) && suffix >= n) n = suffix + 1;
  }
  // Visibility lags behind starts: step over IDs that exist already.
  for (;;) {
    if (!(await describeWorkflow(client, retrainWorkflowId(modelName, n)))) return n;
    n++;
  }
}

function describeResult(result: RetrainResult, workflowId: string): string {
  const metrics = (m?: Record<string, number>) =>
    m
      ? Object.entries(m)
          .filter(([k]) => k !== 'rows' && k !== 'invalidPredictions')
          .map(([k, v]) => `${k} ${v.toPrecision(5)}`)
          .join('  ')
      : '-';
  const lines = [
    `${workflowId}: ${result.outcome === 'deployed' ? `deployed v${result.challengerVersion}` : `kept v${result.championVersion}`}; v${result.servingVersion} serves`,
    `  reason      ${result.reason}`,
    `  holdout     ${result.feedback ? `${result.feedback.holdoutRows} newest labelled rows (${result.feedback.trainingRows} more trained the challenger)` : ''}`,
    `  champion    v${result.championVersion}  ${metrics(result.champion)}`,
    `  challenger  v${result.challengerVersion ?? '-'}  ${metrics(result.challenger)}`,
    `  evidence    ${result.evidence} drift report(s)`,
  ];
  if (result.sweepWorkflowId) lines.push(`  sweep       ${result.sweepWorkflowId}`);
  if (result.monitorNotified !== undefined) {
    lines.push(`  monitor     ${result.monitorNotified ? 'switched to the new reference' : 'none running'}`);
  }
  return lines.join('\n');
}

/** `mlops retrain <model>`: starts `retrain/<model>/<next n>` by hand against the serving (or given) champion. */
export async function retrainCommand(modelName: string, options: RetrainOptions): Promise<void> {
  const registry = new FileRegistry(paths.registry());
  const championVersion =
    options.champion ??
    (await registry.getServing(modelName))?.version ??
    (await registry.list(modelName)).at(-1)?.version;
  if (championVersion === undefined) {
    throw new Error(`model "${modelName}" has no registered version to retrain; run the lifecycle first (mlops run)`);
  }
  const settings: RetrainSettingsInput = {
    ...(options.margin !== undefined ? { margin: options.margin } : {}),
    ...(options.holdoutFraction !== undefined ? { holdoutFraction: options.holdoutFraction } : {}),
    ...(options.minFeedbackRows !== undefined ? { minFeedbackRows: options.minFeedbackRows } : {}),
  };
  const input: RetrainInput = {
    modelName,
    championVersion,
    // Started by hand: no drift score behind it.
    trigger: {
      windowEnd: new Date().toISOString(),
      version: championVersion,
      score: 0,
      metric: 'kl',
      features: {},
      rows: 0,
    },
    ...(Object.keys(settings).length ? { settings } : {}),
  };
  const client = await connectClient();
  try {
    let n = await nextRetrainNumber(client, modelName);
    let handle;
    for (;;) {
      try {
        handle = await client.workflow.start<typeof retrainWorkflow>('retrainWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: retrainWorkflowId(modelName, n),
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [input],
        });
        break;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        n++; // another retrain (a monitor's) took this number meanwhile
      }
    }
    const workflowId = handle.workflowId;
    if (!options.json) {
      console.log(`Started ${workflowId} (champion v${championVersion})`);
      console.log(`Temporal UI: ${workflowUiLink(workflowId, handle.firstExecutionRunId, client.options.namespace)}`);
    }
    if (!options.wait) return;
    const line = options.json ? undefined : new ProgressLine();
    let finished = false;
    const result = handle.result().finally(() => (finished = true));
    while (!finished && line) {
      const p = await handle.query(retrainProgressQuery).catch(() => undefined);
      if (p) line.update(`stage ${p.stage}${p.challengerVersion ? ` (challenger v${p.challengerVersion})` : ''}`);
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    }
    line?.done();
    const summary = await result.catch((err: Error) => {
      throw err instanceof WorkflowFailedError ? new Error(`Retrain failed: ${failureMessage(err)}`) : err;
    });
    console.log(options.json ? JSON.stringify(summary) : describeResult(summary, workflowId));
  } finally {
    await client.connection.close();
  }
}

/** `mlops feedback <model> --file rows.csv|rows.jsonl`: appends labelled rows for the next retrain. */
export async function feedbackCommand(
  modelName: string,
  options: { file: string; timestampColumn?: string; version?: number; json?: boolean },
): Promise<void> {
  const content = await fs.promises.readFile(options.file, 'utf8');
  const result = await appendFeedbackRows(
    { registry: new FileRegistry(paths.registry()), feedback: new FileFeedbackStore(paths.feedback()) },
    {
      modelName,
      content,
      source: options.file,
      ...(options.timestampColumn ? { timestampColumn: options.timestampColumn } : {}),
      ...(options.version !== undefined ? { version: options.version } : {}),
    },
  );
  if (options.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `Appended ${result.appended} labelled row(s) for ${modelName} (checked against v${result.version}) to ${result.file}`,
  );
  if (result.ignoredColumns.length) console.log(`  ignored columns: ${result.ignoredColumns.join(', ')}`);
  if (result.truncatedLastLine) console.log('  the last line was incomplete and was skipped');
}
