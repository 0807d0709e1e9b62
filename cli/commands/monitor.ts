import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type ScheduleSpec,
} from '@temporalio/client';
import { checkMonitorNow, startMonitor } from '../../activities/monitor-client';
import { parseMonitorSettings, type MonitorSettings } from '../../config/monitor';
import { TASK_QUEUE, workflowUiLink } from '../../config/temporal';
import { configuredEndpoint, connectClient } from '../../runtime/temporal';
import type { driftCheckWorkflow } from '../../workflows/drift-check';
import {
  driftCheckScheduleId,
  driftHistoryQuery,
  monitorStatusQuery,
  monitorWorkflowId,
  pauseMonitorSignal,
  resumeMonitorSignal,
  setThresholdsSignal,
  type DriftPoint,
  type MonitorStatus,
  type ThresholdUpdate,
} from '../../workflows/monitor-defs';
import { readConfigFile } from '../config-file';
import { describeWorkflow } from '../workflow-lookup';

export interface MonitorCommandOptions {
  /** Project config whose `monitor` section to use. */
  config?: string;
  /** Task queue the monitor and the scheduled checks run on (default: MLOPS_TASK_QUEUE or `mlops`). */
  taskQueue?: string;
  json?: boolean;
}

/** Runs `fn` with a client connected to the configured server (TEMPORAL_ADDRESS or the local dev server). */
async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient();
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

function settingsFrom(options: MonitorCommandOptions): MonitorSettings {
  return options.config ? readConfigFile(options.config).monitor : parseMonitorSettings({});
}

/** `mlops monitor start <model>`: starts the model's monitor, or reports the one already running. */
export async function monitorStartCommand(modelName: string, options: MonitorCommandOptions = {}): Promise<void> {
  const settings = settingsFrom(options);
  await withClient(async (client) => {
    const handle = await startMonitor(client, options.taskQueue ?? TASK_QUEUE, { modelName, settings });
    const workflowId = handle.workflowId;
    console.log(
      `Monitoring ${modelName}: ${workflowId} (every ${settings.interval}, ε ${settings.epsilon} for ${settings.consecutiveWindows} windows)`,
    );
    console.log(`Temporal UI: ${workflowUiLink(workflowId, handle.firstExecutionRunId, client.options.namespace)}`);
  });
}

const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(4) : String(n));

/** The drift time series as a table: one line per window, newest last. */
export function formatDriftHistory(points: DriftPoint[]): string {
  const header = 'window end                 version    rows  score    streak  alarm  top features / note';
  const lines = points.map((p) => {
    const top = Object.entries(p.features)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([f, s]) => `${f} ${fixed(s)}`)
      .join(', ');
    const note = p.skipped ? `skipped: ${p.skipped}` : top;
    const retrain = p.retrain ? ` → ${p.retrain}` : '';
    return [
      p.windowEnd.padEnd(26),
      (p.version === null ? '-' : `v${p.version}`).padStart(7),
      String(p.rows).padStart(7),
      (p.skipped ? '-' : fixed(p.score)).padStart(7),
      String(p.consecutive).padStart(7),
      (p.alarm ? 'yes' : 'no').padStart(6),
      ` ${note}${retrain}`,
    ].join(' ');
  });
  return [header, ...lines].join('\n');
}

function formatStatus(status: MonitorStatus): string {
  const s = status.settings;
  const retrain = status.activeRetrain
    ? `running ${status.activeRetrain}`
    : status.lastRetrain
      ? `last ${status.lastRetrain.workflowId}: ${status.lastRetrain.outcome}${status.lastRetrain.reason ? ` (${status.lastRetrain.reason})` : ''}`
      : 'none yet';
  return [
    `${monitorWorkflowId(status.modelName)}: ${status.paused ? 'paused' : 'running'}, ${status.windows} windows read`,
    `  serving version ${status.cursor.version === null ? 'none' : `v${status.cursor.version}`}, log offset ${status.cursor.offset} bytes`,
    `  alarm rule      ${s.metric} score > ε ${s.epsilon} in ${s.consecutiveWindows} consecutive windows (now ${status.consecutive}); every ${s.interval}`,
    `  retrains        ${status.retrains} started; ${retrain}`,
  ].join('\n');
}

/** `mlops monitor status <model>`: the monitor's state and its drift history table. */
export async function monitorStatusCommand(
  modelName: string,
  options: { json?: boolean; last?: number } = {},
): Promise<void> {
  await withClient(async (client) => {
    const handle = client.workflow.getHandle(monitorWorkflowId(modelName));
    const info = await handle.describe().catch((err: Error) => {
      if (err instanceof WorkflowNotFoundError) {
        throw new Error(`model "${modelName}" has no monitor; start one with mlops monitor start ${modelName}`);
      }
      throw err;
    });
    if (info.status.name !== 'RUNNING') {
      const failure = await handle.result().then(
        () => undefined,
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
      throw new Error(
        `the monitor of "${modelName}" is ${info.status.name.toLowerCase()}${failure ? `: ${failure}` : ''}; start it again with mlops monitor start ${modelName}`,
      );
    }
    const [status, history] = await Promise.all([
      handle.query(monitorStatusQuery),
      handle.query(driftHistoryQuery, options.last),
    ]);
    if (options.json) {
      console.log(JSON.stringify({ status, history }));
      return;
    }
    console.log(formatStatus(status));
    console.log(history.length ? formatDriftHistory(history) : '  no window read yet');
  });
}

export interface ScheduleOptions extends MonitorCommandOptions {
  every?: string;
  cron?: string;
}

/**
 * `mlops monitor schedule <model> --every '10 minutes' | --cron '0 * * * *'`: a Temporal Schedule
 * (`drift-check/<model>`) that runs `driftCheckWorkflow`, which signal-with-starts the monitor with `checkNow`.
 * Overlapping checks are skipped. An existing schedule gets the new timing.
 */
export async function monitorScheduleCommand(modelName: string, options: ScheduleOptions): Promise<void> {
  if (Boolean(options.every) === Boolean(options.cron)) {
    throw new Error("give exactly one of --every '10 minutes' or --cron '0 * * * *'");
  }
  const spec: ScheduleSpec = options.every
    ? { intervals: [{ every: options.every }] }
    : { cronExpressions: [options.cron!] };
  const settings = settingsFrom(options);
  const scheduleId = driftCheckScheduleId(modelName);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'driftCheckWorkflow',
    workflowId: scheduleId,
    args: [{ modelName, settings }] as Parameters<typeof driftCheckWorkflow>,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
  };
  await withClient(async (client) => {
    try {
      await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
      console.log(
        `Scheduled drift checks of ${modelName}: ${scheduleId} (${options.every ? `every ${options.every}` : `cron ${options.cron}`})`,
      );
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
      console.log(`Updated ${scheduleId}: ${options.every ? `every ${options.every}` : `cron ${options.cron}`}`);
    }
  });
}

async function onSchedule(modelName: string, fn: (client: Client, scheduleId: string) => Promise<void>): Promise<void> {
  await withClient(async (client) => {
    const scheduleId = driftCheckScheduleId(modelName);
    await fn(client, scheduleId).catch((err: Error) => {
      if (err instanceof ScheduleNotFoundError) {
        throw new Error(
          `model "${modelName}" has no drift-check schedule; create one with mlops monitor schedule ${modelName} --every '10 minutes'`,
        );
      }
      throw err;
    });
  });
}

/**
 * `mlops monitor pause <model>`: pauses the drift-check schedule (the monitor still reads windows at its own
 * interval); with `workflow`, pauses the monitor itself (no window is read, scheduled or not).
 */
export async function monitorPauseCommand(modelName: string, options: { workflow?: boolean } = {}): Promise<void> {
  if (options.workflow) {
    await withClient((client) => client.workflow.getHandle(monitorWorkflowId(modelName)).signal(pauseMonitorSignal));
    console.log(`Paused ${monitorWorkflowId(modelName)}: no windows are read until mlops monitor resume --workflow`);
    return;
  }
  await onSchedule(modelName, (client, id) => client.schedule.getHandle(id).pause('mlops monitor pause'));
  console.log(`Paused schedule ${driftCheckScheduleId(modelName)}`);
}

/** `mlops monitor resume <model>`: unpauses the schedule; with `workflow`, the monitor itself. */
export async function monitorResumeCommand(modelName: string, options: { workflow?: boolean } = {}): Promise<void> {
  if (options.workflow) {
    await withClient((client) => client.workflow.getHandle(monitorWorkflowId(modelName)).signal(resumeMonitorSignal));
    console.log(`Resumed ${monitorWorkflowId(modelName)}`);
    return;
  }
  await onSchedule(modelName, (client, id) => client.schedule.getHandle(id).unpause('mlops monitor resume'));
  console.log(`Resumed schedule ${driftCheckScheduleId(modelName)}`);
}

/**
 * `mlops monitor trigger <model>`: runs the schedule's drift check now; without a schedule, signal-with-starts the
 * monitor with `checkNow` directly.
 */
export async function monitorTriggerCommand(modelName: string, options: MonitorCommandOptions = {}): Promise<void> {
  await withClient(async (client) => {
    const scheduleId = driftCheckScheduleId(modelName);
    try {
      await client.schedule.getHandle(scheduleId).trigger();
      console.log(`Triggered ${scheduleId}: the monitor reads a window now`);
      return;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    const settings = settingsFrom(options);
    await checkMonitorNow(
      client,
      options.taskQueue ?? TASK_QUEUE,
      { modelName, settings },
      { reason: 'mlops monitor trigger' },
    );
    console.log(`Signalled ${monitorWorkflowId(modelName)} (no schedule): it reads a window now`);
  });
}

/** `mlops monitor delete <model>`: deletes the drift-check schedule; the monitor keeps running (see `stop`). */
export async function monitorDeleteCommand(modelName: string): Promise<void> {
  await onSchedule(modelName, (client, id) => client.schedule.getHandle(id).delete());
  console.log(`Deleted schedule ${driftCheckScheduleId(modelName)}`);
}

/** Terminates the model's monitor if one runs (a running retrain is not affected). Returns whether one ran. */
export async function stopMonitor(client: Client, modelName: string, reason: string): Promise<boolean> {
  const info = await describeWorkflow(client, monitorWorkflowId(modelName));
  if (info?.status.name !== 'RUNNING') return false;
  await client.workflow.getHandle(monitorWorkflowId(modelName)).terminate(reason);
  return true;
}

/** `mlops monitor stop <model>`: terminates the monitor (its drift history stays in Temporal's history). */
export async function monitorStopCommand(modelName: string): Promise<void> {
  const stopped = await withClient((client) => stopMonitor(client, modelName, 'mlops monitor stop'));
  console.log(stopped ? `Stopped ${monitorWorkflowId(modelName)}` : `${modelName}: no monitor was running`);
}

/** `mlops monitor thresholds <model> --epsilon X --windows N --interval d`: changes a running monitor's alarm rule. */
export async function monitorThresholdsCommand(modelName: string, update: ThresholdUpdate): Promise<void> {
  const fields = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) as ThresholdUpdate;
  if (Object.keys(fields).length === 0) throw new Error('give at least one of --epsilon, --windows or --interval');
  parseMonitorSettings(fields); // names a bad field before anything is sent
  await withClient((client) =>
    client.workflow.getHandle(monitorWorkflowId(modelName)).signal(setThresholdsSignal, fields),
  );
  console.log(`Sent new thresholds to ${monitorWorkflowId(modelName)}: ${JSON.stringify(fields)}`);
}

/**
 * After `mlops undeploy`: terminates the model's monitor, if one runs; returns its workflow ID then. No server
 * answering is no error (an undeploy works without Temporal).
 */
export async function stopMonitorOfUndeployed(modelName: string): Promise<string | undefined> {
  const endpoint = configuredEndpoint();
  const connectOptions = { ...endpoint.connectOptions, connectTimeout: '3 seconds' };
  const client = await connectClient({ ...endpoint, connectOptions }).catch(() => undefined);
  if (!client) return undefined;
  try {
    return (await stopMonitor(client, modelName, 'the model was undeployed'))
      ? monitorWorkflowId(modelName)
      : undefined;
  } catch {
    return undefined;
  } finally {
    await client.connection.close();
  }
}
