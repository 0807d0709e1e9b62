import { Command, InvalidArgumentError } from 'commander';
import {
  monitorDeleteCommand,
  monitorPauseCommand,
  monitorResumeCommand,
  monitorScheduleCommand,
  monitorStartCommand,
  monitorStatusCommand,
  monitorStopCommand,
  monitorThresholdsCommand,
  monitorTriggerCommand,
} from './monitor';

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

/** `mlops monitor ...`: the drift monitor of a deployed model and its drift-check schedule. */
export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('drift monitoring of a deployed model: the monitor workflow and its drift-check schedule');
  const common = (command: Command) =>
    command
      .option('-c, --config <file>', 'project config whose monitor section to use (default: the defaults)')
      .option('--task-queue <name>', 'task queue of the monitor and the checks (default: MLOPS_TASK_QUEUE or mlops)');

  common(monitor.command('start <model>').description('start the monitor monitor/<model> (nothing if it runs)')).action(
    (model: string, opts: { config?: string; taskQueue?: string }) => monitorStartCommand(model, opts),
  );

  monitor
    .command('status <model>')
    .description("the monitor's state and its drift history, one line per window")
    .option('--last <n>', 'only the newest n windows', number)
    .option('--json', 'print JSON')
    .action((model: string, opts: { last?: number; json?: boolean }) => monitorStatusCommand(model, opts));

  common(
    monitor
      .command('schedule <model>')
      .description('a Temporal Schedule drift-check/<model> that signal-with-starts the monitor with checkNow')
      .option('--every <duration>', "an interval, e.g. '10 minutes'")
      .option('--cron <expression>', "a cron expression, e.g. '0 * * * *'"),
  ).action((model: string, opts: { every?: string; cron?: string; config?: string; taskQueue?: string }) =>
    monitorScheduleCommand(model, opts),
  );

  monitor
    .command('pause <model>')
    .description('pause the drift-check schedule; --workflow pauses the monitor itself (no window is read)')
    .option('--workflow', 'pause the monitor workflow instead of the schedule')
    .action((model: string, opts: { workflow?: boolean }) => monitorPauseCommand(model, opts));

  monitor
    .command('resume <model>')
    .description('resume the drift-check schedule; --workflow resumes the monitor itself')
    .option('--workflow', 'resume the monitor workflow instead of the schedule')
    .action((model: string, opts: { workflow?: boolean }) => monitorResumeCommand(model, opts));

  common(
    monitor
      .command('trigger <model>')
      .description("run the schedule's drift check now (without a schedule: signal-with-start the monitor)"),
  ).action((model: string, opts: { config?: string; taskQueue?: string }) => monitorTriggerCommand(model, opts));

  monitor
    .command('delete <model>')
    .description('delete the drift-check schedule (the monitor keeps running; see stop)')
    .action((model: string) => monitorDeleteCommand(model));

  monitor
    .command('stop <model>')
    .description('terminate the monitor (a retrain it started keeps running)')
    .action((model: string) => monitorStopCommand(model));

  monitor
    .command('thresholds <model>')
    .description("change a running monitor's alarm rule")
    .option('--epsilon <x>', 'drift score above which a window counts as drifted', number)
    .option('--windows <n>', 'drifted windows in a row that raise an alarm', number)
    .option('--interval <duration>', "time between windows, e.g. '5 minutes'")
    .action((model: string, opts: { epsilon?: number; windows?: number; interval?: string }) =>
      monitorThresholdsCommand(model, {
        epsilon: opts.epsilon,
        consecutiveWindows: opts.windows,
        interval: opts.interval,
      }),
    );
}
