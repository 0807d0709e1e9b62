import { ScheduleNotFoundError } from '@temporalio/client';
import {
  monitorDeleteCommand,
  monitorPauseCommand,
  monitorResumeCommand,
  monitorScheduleCommand,
  monitorStatusCommand,
  monitorStopCommand,
  monitorThresholdsCommand,
  monitorTriggerCommand,
} from '../../cli/commands/monitor';
import { driftCheckScheduleId, monitorStatusQuery, monitorWorkflowId } from '../../workflows/monitor-defs';
import { temporalTestFile, uniqueTaskQueue, withWorkers } from '../helpers/temporal';
import { killAll, runCli, waitFor } from '../helpers/processes';
import { appendRows, liveRows, seattleOnnxWithReference, serveVersion } from './fixtures';

const suite = temporalTestFile('mlops-monitor-schedule-');
const MODEL = 'monitor-schedule';

afterAll(() => killAll());

/** What the commands print, while `fn` runs. */
async function printed(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

it('mlops monitor schedule/trigger/pause/resume/thresholds/status/delete/stop drive a real Schedule and the monitor', async () => {
  const { version } = await serveVersion(MODEL, seattleOnnxWithReference(suite.dir), 'schedule');
  appendRows(MODEL, version, liveRows(250));
  const taskQueue = uniqueTaskQueue('monitor-schedule');
  const schedule = suite.client.schedule.getHandle(driftCheckScheduleId(MODEL));
  const monitor = suite.client.workflow.getHandle(monitorWorkflowId(MODEL));
  await withWorkers(suite.connection, suite.bundle, taskQueue, async () => {
    expect(await printed(() => monitorScheduleCommand(MODEL, { every: '1 hour', taskQueue }))).toContain(
      `Scheduled drift checks of ${MODEL}: drift-check/${MODEL} (every 1 hour)`,
    );
    const described = await schedule.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'driftCheckWorkflow', taskQueue });

    // A triggered check signal-with-starts the monitor, which reads a window at once.
    await printed(() => monitorTriggerCommand(MODEL));
    const status = await waitFor('the first window', async () => {
      const s = await monitor.query(monitorStatusQuery).catch(() => undefined);
      return s && s.windows >= 1 ? s : undefined;
    });
    expect(status.last).toMatchObject({ version, rows: 250, alarm: false });

    await printed(() => monitorPauseCommand(MODEL));
    expect((await schedule.describe()).state.paused).toBe(true);
    await printed(() => monitorResumeCommand(MODEL));
    expect((await schedule.describe()).state.paused).toBe(false);

    // --workflow pauses the monitor itself.
    await printed(() => monitorPauseCommand(MODEL, { workflow: true }));
    await waitFor('paused', async () => ((await monitor.query(monitorStatusQuery)).paused ? true : undefined));
    await printed(() => monitorResumeCommand(MODEL, { workflow: true }));

    await expect(monitorThresholdsCommand(MODEL, { epsilon: -1 })).rejects.toThrow('monitor.epsilon');
    await expect(monitorThresholdsCommand(MODEL, {})).rejects.toThrow('give at least one of');
    await printed(() => monitorThresholdsCommand(MODEL, { epsilon: 2, consecutiveWindows: 4 }));
    const changed = await waitFor('new thresholds', async () => {
      const s = await monitor.query(monitorStatusQuery);
      return s.settings.epsilon === 2 && !s.paused ? s : undefined;
    });
    expect(changed.settings.consecutiveWindows).toBe(4);

    const table = await printed(() => monitorStatusCommand(MODEL));
    expect(table).toContain(`monitor/${MODEL}: running, 1 windows read`);
    expect(table).toContain('ε 2 in 4 consecutive windows');
    expect(table).toMatch(new RegExp(`v${version}\\s+250\\s+\\d+\\.\\d{4}\\s+0\\s+no `));

    // A cron schedule replaces the interval of the existing one.
    expect(await printed(() => monitorScheduleCommand(MODEL, { cron: '0 * * * *', taskQueue }))).toContain(
      `Updated drift-check/${MODEL}: cron 0 * * * *`,
    );
    expect((await schedule.describe()).spec.calendars?.length).toBeGreaterThan(0);
    await expect(monitorScheduleCommand(MODEL, { taskQueue })).rejects.toThrow('give exactly one of');

    await printed(() => monitorDeleteCommand(MODEL));
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(monitorDeleteCommand(MODEL)).rejects.toThrow(`model "${MODEL}" has no drift-check schedule`);

    // Without a schedule, trigger signals the monitor directly.
    expect(await printed(() => monitorTriggerCommand(MODEL, { taskQueue }))).toContain('(no schedule)');
    await waitFor('the second window', async () =>
      (await monitor.query(monitorStatusQuery)).windows >= 2 ? true : undefined,
    );

    expect(await printed(() => monitorStopCommand(MODEL))).toContain(`Stopped monitor/${MODEL}`);
    expect((await monitor.describe()).status.name).toBe('TERMINATED');
    expect(await printed(() => monitorStopCommand(MODEL))).toContain('no monitor was running');
    await expect(monitorStatusCommand(MODEL)).rejects.toThrow(`the monitor of "${MODEL}" is terminated`);
  });
});

it('the mlops monitor commands as a user runs them: errors name the model and the fix', async () => {
  const [status, thresholds, schedule] = await Promise.all([
    runCli(['monitor', 'status', 'never-monitored']),
    runCli(['monitor', 'thresholds', 'never-monitored', '--epsilon', 'lots']),
    runCli(['monitor', 'schedule', 'never-monitored']),
  ]);
  expect(status).toMatchObject({ code: 1 });
  expect(status.output).toContain(
    'model "never-monitored" has no monitor; start one with mlops monitor start never-monitored',
  );
  expect(thresholds.code).toBe(1);
  expect(thresholds.output).toContain("option '--epsilon <x>' argument 'lots' is invalid. expected a number");
  expect(schedule.code).toBe(1);
  expect(schedule.output).toContain("give exactly one of --every '10 minutes' or --cron '0 * * * *'");
});
