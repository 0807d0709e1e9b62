import { WorkflowFailedError } from '@temporalio/client';
import { resolveLifecycleConfig } from '../../config/resolve';
import { TASK_QUEUE, workflowUiLink } from '../../config/temporal';
import { connectClient } from '../../runtime/temporal';
import type { sweepWorkflow } from '../../workflows/sweep';
import { sweepProgressQuery, sweepSettingsFrom, sweepWorkflowId, type SweepProgress } from '../../workflows/sweep-defs';
import { readConfigFile } from '../config-file';
import { newRunName } from '../lifecycle-run';
import { failureMessage } from '../process-utils';
import { bar, ProgressLine } from '../progress-bar';

function describe(p: SweepProgress): string {
  const best = p.best ? `best loss ${p.best.loss.toPrecision(5)} (trial ${p.best.id})` : 'no result yet';
  return `trials ${bar(p.done, p.maxTrials)} ${p.done}/${p.maxTrials}  running ${p.running}  failed ${p.failed}  ${best}`;
}

/** Starts a hyperparameter sweep (data steps included) and shows its progress until it ends. */
export async function sweepCommand(options: { config?: string; run?: string; wait: boolean }): Promise<void> {
  const config = resolveLifecycleConfig(readConfigFile(options.config));
  const client = await connectClient();
  try {
    const workflowId = sweepWorkflowId(config.modelName, options.run ?? newRunName());
    const handle = await client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ modelName: config.modelName, config, settings: sweepSettingsFrom(config) }],
    });
    console.log(`Started ${workflowId} (model ${config.model.type}, ${config.sweep.maxTrials} trials)`);
    console.log(`Temporal UI: ${workflowUiLink(workflowId, handle.firstExecutionRunId, client.options.namespace)}`);
    if (!options.wait) return;

    const line = new ProgressLine();
    let finished = false;
    const result = handle.result().finally(() => (finished = true));
    while (!finished) {
      const progress = await handle.query(sweepProgressQuery).catch(() => undefined);
      if (progress) line.update(describe(progress));
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    }
    line.done();
    const summary = await result.catch((err: Error) => {
      throw err instanceof WorkflowFailedError ? new Error(`Sweep failed: ${failureMessage(err)}`) : err;
    });
    const failed = summary.trials.filter((t) => t.status === 'failed').length;
    const stopped = summary.trials.filter((t) => t.status === 'stopped').length;
    console.log(
      `Sweep finished: ${summary.trials.length} trials (${failed} failed, ${stopped} stopped early)` +
        `${summary.stoppedBySignal ? ', stopped by signal' : ''}`,
    );
    console.log(`  best validation loss ${summary.best.loss.toPrecision(6)} (trial ${summary.best.id})`);
    console.log(`  best hyperparameters ${JSON.stringify(summary.best.params)}`);
  } finally {
    await client.connection.close();
  }
}
