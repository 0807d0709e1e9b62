import { Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { LocalTarget } from '../../activities/deploy/local';
import { parseDeploySettings, type DeploySettingsInput } from '../../config/deploy';
import { paths } from '../../config/paths';
import { TASK_QUEUE, workflowUiLink } from '../../config/temporal';
import { connectClient } from '../../runtime/temporal';
import { FileRegistry } from '../../stores/registry';
import type { deployWorkflow } from '../../workflows/deploy';
import {
  deployProgressQuery,
  deployWorkflowId,
  rollbackUpdate,
  type DeployInput,
  type DeployResult,
} from '../../workflows/deploy-defs';
import { readConfigFile } from '../config-file';
import { stopMonitorOfUndeployed } from './monitor';
import { ProgressLine } from '../progress-bar';

export interface DeployOptions {
  config?: string;
  rollout?: number[];
  stepSeconds?: number;
  wait: boolean;
  json?: boolean;
}

function describeResult(result: DeployResult): string {
  const lines = [
    result.outcome === 'deployed'
      ? `Deployed ${result.modelName} v${result.version}${result.previousVersion !== undefined ? ` (replacing v${result.previousVersion})` : ''}`
      : result.outcome === 'already-serving'
        ? `${result.modelName} v${result.version} already serves; nothing to do`
        : `Rolled back: ${result.modelName} v${result.version} was abandoned (${result.reason ?? 'requested'})`,
  ];
  if (result.endpoint) lines.push(`  endpoint  ${result.endpoint}/v2/models/${result.modelName}/predict`);
  const mine = result.allocation?.models.find((m) => m.name === result.modelName);
  if (result.allocation && mine) {
    const applied = result.allocation.applied.length ? `applied: ${result.allocation.applied.join(', ')}` : 'recorded';
    lines.push(
      `  resources ${mine.cpu} of ${result.allocation.cpuBudget} CPUs for ${mine.requestsPerSecond} requests/s: ` +
        `${mine.replicas} replica(s) × ${mine.cpuPerReplica} CPU (${applied})`,
    );
  }
  for (const { weight, verdict } of result.canary) {
    const p99 = verdict.p99LatencyMs === null ? 'n/a' : `≤ ${verdict.p99LatencyMs.toFixed(2)} ms`;
    lines.push(
      `  canary ${String(weight).padStart(3)}%  ${verdict.requests} requests, ${verdict.failures} failed, p99 ${p99}`,
    );
  }
  return lines.join('\n');
}

/** Runs a deploy workflow (or joins the one already running for this version) and reports its outcome. */
async function runDeploy(client: Client, input: DeployInput, options: { wait: boolean; json?: boolean }) {
  const workflowId = deployWorkflowId(input.modelName, input.version);
  const handle = await client.workflow
    .start<typeof deployWorkflow>('deployWorkflow', { taskQueue: TASK_QUEUE, workflowId, args: [input] })
    .catch((err: Error) => {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
      throw err;
    });
  if (!options.json) {
    console.log(`Deploying ${input.modelName} v${input.version}: ${workflowId}`);
    console.log(`Temporal UI: ${workflowUiLink(workflowId, undefined, client.options.namespace)}`);
  }
  if (!options.wait) return;
  const line = options.json ? undefined : new ProgressLine();
  let finished = false;
  const result = handle.result().finally(() => (finished = true));
  while (!finished && line) {
    const p = await handle.query(deployProgressQuery).catch(() => undefined);
    if (p) line.update(`stage ${p.stage}${p.stage === 'canary' ? ` ${p.weight}%` : ''}`);
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 300))]);
  }
  line?.done();
  const summary = (await result.catch((err: Error) => {
    if (err instanceof WorkflowFailedError) throw new Error(err.cause?.message ?? err.message);
    throw err;
  })) as DeployResult;
  console.log(options.json ? JSON.stringify(summary) : describeResult(summary));
}

/** `mlops deploy <model> <version>`: a blue/green rollout with canary steps, rolled back on failure. */
export async function deployCommand(modelName: string, version: number, options: DeployOptions): Promise<void> {
  const fromFile: DeploySettingsInput = options.config ? readConfigFile(options.config).deploy : {};
  const settings = parseDeploySettings({
    ...fromFile,
    ...(options.rollout ? { rollout: options.rollout } : {}),
    ...(options.stepSeconds !== undefined ? { stepSeconds: options.stepSeconds } : {}),
  });
  const client = await connectClient();
  try {
    await runDeploy(client, { modelName, version, settings }, options);
  } finally {
    await client.connection.close();
  }
}

/**
 * `mlops rollback <model>`: a rollout still running is abandoned (the `rollback` update); otherwise the version that
 * served before the current one is deployed again, at once.
 */
export async function rollbackCommand(modelName: string, options: { reason?: string; json?: boolean }): Promise<void> {
  const client = await connectClient();
  try {
    const query = `WorkflowType = 'deployWorkflow' AND ExecutionStatus = 'Running' AND MlopsModelName = '${modelName}'`;
    for await (const execution of client.workflow.list({ query })) {
      const handle = client.workflow.getHandle(execution.workflowId);
      const result = await handle.executeUpdate(rollbackUpdate, {
        args: [{ reason: options.reason ?? 'mlops rollback' }],
      });
      const serving = result.servingVersion === null ? 'no version serves' : `v${result.servingVersion} serves`;
      console.log(options.json ? JSON.stringify(result) : `Rolled back ${execution.workflowId}: ${serving}`);
      return;
    }
    const serving = await new FileRegistry(paths.registry()).getServing(modelName);
    const previous = serving?.history.filter((h) => h.version !== serving.version).at(-1);
    if (!serving || !previous) {
      throw new Error(`model "${modelName}" has no earlier serving version to roll back to (see mlops deploy)`);
    }
    const settings = parseDeploySettings({ rollout: [100], stepSeconds: 0 });
    await runDeploy(client, { modelName, version: previous.version, settings }, { wait: true, json: options.json });
  } finally {
    await client.connection.close();
  }
}

/**
 * `mlops undeploy <model>`: the registry records that no version serves (the history stays), then the model's
 * router and servers stop. A rollout still running should be rolled back first (`mlops rollback`).
 */
export async function undeployCommand(modelName: string, options: { json?: boolean } = {}): Promise<void> {
  const registry = new FileRegistry(paths.registry());
  const served = await registry.clearServing(modelName);
  const { stopped } = await new LocalTarget({ stateDir: paths.deploy(), featureLogDir: paths.featureLogs() }).undeploy(
    modelName,
  );
  const versions = stopped.map((s) => s.version);
  // Nothing serves any more, so nothing is left to watch: the drift monitor stops too (its retrains keep running).
  const monitor = await stopMonitorOfUndeployed(modelName);
  if (options.json) {
    console.log(JSON.stringify({ model: modelName, servedVersion: served ?? null, stoppedVersions: versions }));
    return;
  }
  console.log(
    served === undefined && versions.length === 0
      ? `${modelName}: nothing was serving`
      : `Undeployed ${modelName}${served !== undefined ? ` v${served}` : ''}: stopped its router and ${versions.length} model server(s); the serving history is kept`,
  );
  if (monitor) console.log(`Stopped its drift monitor ${monitor}`);
}

/** `k=v,k=v` → one row: numbers where they parse, empty values missing, the rest strings. */
export function parseRow(text: string): Record<string, number | string | null> {
  const row: Record<string, number | string | null> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--row: "${pair}" is not name=value; write e.g. --row precipitation=0,wind=3.2`);
    const value = pair.slice(eq + 1).trim();
    row[pair.slice(0, eq).trim()] = value === '' ? null : Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return row;
}

/** `mlops predict <model> --row ...`: predictions from the model's stable endpoint. */
export async function predictCommand(modelName: string, options: { row?: string[]; json?: string }): Promise<void> {
  let rows: unknown[];
  if (options.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.json);
    } catch (err) {
      throw new Error(`--json is not valid JSON (${(err as Error).message}); give a row object or an array of rows`);
    }
    rows = Array.isArray(parsed) ? parsed : [parsed];
  } else if (options.row?.length) {
    rows = options.row.map(parseRow);
  } else {
    throw new Error('give the features with --row name=value,... or --json \'{"name": value}\'');
  }
  const body = await predictThroughEndpoint(modelName, rows);
  console.log(JSON.stringify({ model: modelName, version: body.model_version, predictions: body.predictions }));
}

/** Rows of raw features through the model's stable endpoint (its router), as a client would send them. */
export async function predictThroughEndpoint(
  modelName: string,
  rows: unknown[],
): Promise<{ predictions?: unknown[]; model_version?: string }> {
  const serving = await new FileRegistry(paths.registry()).getServing(modelName);
  if (!serving) throw new Error(`model "${modelName}" is not deployed; run mlops deploy ${modelName} <version>`);
  const url = `${serving.endpoint}/v2/models/${modelName}/predict`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows }),
  }).catch((err: Error) => {
    throw new Error(`the endpoint of "${modelName}" (${serving.endpoint}) does not answer: ${err.message}`);
  });
  const body = (await response.json()) as { predictions?: unknown[]; error?: string; model_version?: string };
  if (!response.ok) throw new Error(`predict answered ${response.status}: ${body.error ?? ''}`);
  return body;
}
