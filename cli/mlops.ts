#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { demoCommand } from './commands/demo';
import { deployCommand, predictCommand, rollbackCommand, undeployCommand } from './commands/deploy';
import { registerMonitorCommands } from './commands/monitor-cli';
import { feedbackCommand, retrainCommand, type RetrainOptions } from './commands/retrain';
import { runCommand } from './commands/run';
import { serverCommand, serverDefaults } from './commands/server';
import { setupCommand } from './commands/setup';
import { statusCommand } from './commands/status';
import { sweepCommand } from './commands/sweep';
import { workerMain } from '../workers/main';
import { WORKER_ROLES } from '../workers/create-workers';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number 1-65535');
  return n;
}

const program = new Command('mlops')
  .description('The machine-learning lifecycle as durable Temporal workflows.')
  .showHelpAfterError();

program
  .command('demo')
  .description('start a dev server if none runs, run a worker and one lifecycle, print the result and UI link')
  .option('-c, --config <file>', 'project config (YAML or JSON); default: the Seattle weather demo')
  .option('--keep-server', 'keep the dev server and UI up after the run (default when run in a terminal)')
  .option('--no-keep-server', 'stop the dev server as soon as the run ends')
  .option('--keep-serving', 'leave the deployed model serving (stop it later with mlops undeploy <model>)')
  .option('--no-drift-loop', "skip the drift loop (New York's weather served to the Seattle model until it retrains)")
  .action((opts: { config?: string; keepServer?: boolean; keepServing?: boolean; driftLoop?: boolean }) =>
    demoCommand({
      config: opts.config,
      keepServer: opts.keepServer ?? Boolean(process.stdout.isTTY),
      keepServing: Boolean(opts.keepServing),
      driftLoop: opts.driftLoop !== false,
    }),
  );

program
  .command('server')
  .description('run the Temporal dev server in the foreground (SQLite under .mlops/, UI on :8233)')
  .option('--port <port>', 'frontend port', port, serverDefaults.port)
  .option('--ui-port <port>', 'Temporal UI port', port, serverDefaults.uiPort)
  .action((opts: { port: number; uiPort: number }) => serverCommand(opts));

program
  .command('worker')
  .description('run a worker; SIGINT/SIGTERM drain it gracefully')
  .addOption(new Option('--role <role>', 'which task queues to poll').choices(WORKER_ROLES).default('all'))
  .option('--task-queue <name>', 'base task queue (training activities poll <name>-training)')
  .option('--metrics-address <host:port>', 'Prometheus endpoint for SDK metrics ("" disables)')
  .action((opts: { role: 'all' | 'workflows' | 'training'; taskQueue?: string; metricsAddress?: string }) =>
    workerMain(opts),
  );

program
  .command('run')
  .description('start a lifecycle run on a running server and worker')
  .option('-c, --config <file>', 'project config (YAML or JSON)')
  .option('--run <name>', 'run name in the workflow ID lifecycle/<model>/<run> (default: a timestamp)')
  .option('--no-wait', 'return once started')
  .action((opts: { config?: string; wait: boolean; run?: string }) => runCommand(opts));

program
  .command('sweep')
  .description('tune hyperparameters (GP + Expected Improvement, parallel trials) with a live progress line')
  .option('-c, --config <file>', 'project config (YAML or JSON) with model and sweep sections')
  .option('--run <name>', 'run name in the workflow ID sweep/<model>/<run> (default: a timestamp)')
  .option('--no-wait', 'return once started')
  .action((opts: { config?: string; run?: string; wait: boolean }) => sweepCommand(opts));

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

program
  .command('deploy <model> <version>')
  .description('roll a registered version out: start, smoke test, canary steps, promote, stop the old version')
  .option('-c, --config <file>', 'project config whose deploy section to use')
  .option('--rollout <steps>', 'percent of traffic per canary step, e.g. 10,50,100', (v) =>
    v.split(',').map((s) => Number(s)),
  )
  .option('--step-seconds <n>', 'how long each canary step is watched', Number)
  .option('--no-wait', 'return once started')
  .option('--json', 'print the result as JSON')
  .action(
    (
      model: string,
      version: string,
      opts: { config?: string; rollout?: number[]; stepSeconds?: number; wait: boolean; json?: boolean },
    ) => deployCommand(model, positiveInteger(version), opts),
  );

program
  .command('rollback <model>')
  .description('abandon a running rollout, or serve the previous version again')
  .option('--reason <text>', 'why (kept in the workflow result)')
  .option('--json', 'print the result as JSON')
  .action((model: string, opts: { reason?: string; json?: boolean }) => rollbackCommand(model, opts));

program
  .command('undeploy <model>')
  .description("stop the model's router and servers; the registry records that nothing serves and keeps the history")
  .option('--json', 'print the result as JSON')
  .action((model: string, opts: { json?: boolean }) => undeployCommand(model, opts));

program
  .command('predict <model>')
  .description("predictions from the model's endpoint for rows of raw features")
  .option('--row <name=value,...>', 'one row (repeat for more)', (v: string, rows: string[] = []) => [...rows, v])
  .option('--json <rows>', 'a JSON row object or array of rows')
  .action((model: string, opts: { row?: string[]; json?: string }) => predictCommand(model, opts));

program
  .command('retrain <model>')
  .description(
    'retrain on labelled feedback rows: warm-started sweep, challenger vs champion on a fresh holdout, deploy if better',
  )
  .option('--champion <version>', 'the version to challenge (default: the serving version)', positiveInteger)
  .option('--margin <fraction>', 'relative improvement needed to deploy, e.g. 0.02', Number)
  .option('--holdout-fraction <fraction>', 'share of the newest feedback rows kept back for the comparison', Number)
  .option('--min-feedback-rows <n>', 'fail with fewer labelled rows than this', positiveInteger)
  .option('--no-wait', 'return once started')
  .option('--json', 'print the result as JSON')
  .action((model: string, opts: RetrainOptions) => retrainCommand(model, opts));

program
  .command('feedback <model>')
  .description('append labelled rows (CSV: feature columns + the label column; or JSON lines) for retraining')
  .requiredOption('--file <file>', 'rows.csv or rows.jsonl')
  .option('--timestamp-column <name>', "CSV: the column with each row's observation time (default: now)")
  .option('--version <version>', 'check the rows against this version (default: the serving one)', positiveInteger)
  .option('--json', 'print the result as JSON')
  .action((model: string, opts: { file: string; timestampColumn?: string; version?: number; json?: boolean }) =>
    feedbackCommand(model, opts),
  );

program
  .command('status <workflowId>')
  .description('show a run: status, stage, model version, result or failure, and its UI link')
  .option('--json', 'print JSON')
  .action((workflowId: string, opts: { json?: boolean }) => statusCommand(workflowId, opts));

registerMonitorCommands(program);

program
  .command('setup')
  .description('install the pinned Temporal CLI if missing; register search attributes on TEMPORAL_ADDRESS')
  .action(() => setupCommand());

program.parseAsync().catch((err: Error) => {
  console.error(err.name === 'Error' ? `mlops: ${err.message}` : `mlops: ${err.name}: ${err.message}`);
  if (process.env.MLOPS_DEBUG) console.error(err.stack);
  process.exit(1);
});
