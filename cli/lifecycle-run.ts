import { fileURLToPath } from 'node:url';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowHandle } from '@temporalio/client';
import { workflowUiLink } from '../config/temporal';
import type { LifecycleConfig } from '../config/project';
import type { lifecycleWorkflow } from '../workflows/lifecycle';
import { lifecycleWorkflowId, LifecycleSummary, progressQuery } from '../workflows/lifecycle-defs';

/** A readable, sortable run name: `20261127-101502-k3f9`. */
export function newRunName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function startLifecycle(
  client: Client,
  config: LifecycleConfig,
  taskQueue: string,
  run = newRunName(),
): Promise<{ handle: WorkflowHandle<typeof lifecycleWorkflow>; uiLink: string }> {
  const workflowId = lifecycleWorkflowId(config.modelName, run);
  let handle: WorkflowHandle;
  try {
    // Idempotent per run name: a running run is joined, a completed one reported; only a failed one runs again.
    handle = await client.workflow.start('lifecycleWorkflow', {
      taskQueue,
      workflowId,
      args: [config],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    console.log(`Started ${handle.workflowId}`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = client.workflow.getHandle(workflowId);
    console.log(`${workflowId} already ran; showing its result (use another --run name to train again)`);
  }
  const { runId } = await handle.describe();
  const uiLink = workflowUiLink(workflowId, runId, client.options.namespace);
  console.log(`Temporal UI: ${uiLink}`);
  return { handle: handle as WorkflowHandle<typeof lifecycleWorkflow>, uiLink };
}

/**
 * Prints each stage the run enters (`  stage train (3.1 s)`), read with the `progress` query about once a second,
 * until the returned function is called. A query that fails (no worker polling yet) is simply tried again.
 */
export function followStages(handle: WorkflowHandle, print = (line: string) => console.log(line)): () => void {
  let stopped = false;
  let last: string | undefined;
  const started = Date.now();
  void (async () => {
    while (!stopped) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (!stopped && progress && progress.stage !== last) {
        last = progress.stage;
        if (progress.stage !== 'done')
          print(`  stage ${progress.stage} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return () => {
    stopped = true;
  };
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;
const displayUri = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : uri);

const fixed = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(4));

/** The headline metric against its baseline: validation MSE (regression) or accuracy (classification). */
function headline(summary: LifecycleSummary): string {
  const m = summary.metrics;
  if (summary.task === 'regression') {
    return (
      `  validation MSE   ${fixed(m.validationMse)}  (baseline, predicting the training mean: ${fixed(m.baselineMse)})\n` +
      `  validation R²    ${fixed(m.validationR2)}   RMSE ${fixed(m.validationRmse)}   MAE ${fixed(m.validationMae)}`
    );
  }
  return (
    `  accuracy         ${fixed(m.validationAccuracy)}  (baseline, predicting the majority class: ` +
    `${fixed(m.baselineAccuracy)})\n` +
    `  log loss         ${fixed(m.validationLogLoss)}   F1 ${fixed(m.validationF1)}   ROC AUC ${fixed(m.validationRocAuc)}`
  );
}

export function formatSummary(summary: LifecycleSummary): string {
  const { dataset } = summary;
  const params = Object.entries(summary.hyperparameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return [
    `  model            ${summary.modelName} v${summary.version} (${summary.modelType} ${summary.task}; ${params})`,
    `  dataset          ${dataset.source} (sha256 ${short(dataset.hash)}, ${dataset.rows} rows: ` +
      `${dataset.trainRows} train / ${dataset.validationRows} validation, ${dataset.splitMethod} split)`,
    ...(summary.sweep
      ? [
          `  sweep            ${summary.sweep.trials} trials (${summary.sweep.failed} failed), best validation loss ` +
            `${summary.sweep.bestLoss.toFixed(4)} with ${JSON.stringify(summary.sweep.bestParams)} (${summary.sweep.workflowId})`,
        ]
      : []),
    headline(summary),
    ...summary.warnings.map((w) => `  data warning     ${w}`),
    `  ONNX model       ${displayUri(summary.artifact.uri)}`,
    `  ONNX parity      max |onnxruntime − TypeScript| = ${summary.onnxParityMaxAbsDiff.toExponential(2)}`,
    `  model card       ${summary.modelCard.path}`,
    ...deployLines(summary),
  ].join('\n');
}

function deployLines({ deploy, modelName }: LifecycleSummary): string[] {
  if (!deploy) return [];
  if (deploy.outcome === 'rolled-back') {
    const serving = deploy.previousVersion ? `v${deploy.previousVersion} keeps serving` : 'nothing serves';
    return [`  deploy           rolled back (${deploy.reason ?? 'rollback requested'}); ${serving}`];
  }
  const where = deploy.endpoint ? ` at ${deploy.endpoint}/v2/models/${modelName}/predict` : '';
  const replaced = deploy.previousVersion ? ` (replaced v${deploy.previousVersion})` : '';
  const already = deploy.outcome === 'already-serving' ? ' (was already serving)' : '';
  return [`  serving          v${deploy.version}${where}${replaced}${already}`];
}
