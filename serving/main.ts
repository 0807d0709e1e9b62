import { Command, InvalidArgumentError, Option } from 'commander';
import { startModelServer } from './server';

function integer(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return value;
  };
}

function rate(text: string): number {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new InvalidArgumentError('expected a number within 0..1');
  return value;
}

/** Each option can also come from an MLOPS_* environment variable (the container image sets some). */
const option = (flags: string, description: string, env: string) => new Option(flags, description).env(env);

const program = new Command('mlops-serve')
  .description('Serves one ONNX model version over the Open Inference Protocol v2 REST API (KServe / Triton).')
  .addOption(
    option('--model-file <path>', 'the ONNX file exported by the lifecycle', 'MLOPS_MODEL_FILE').makeOptionMandatory(),
  )
  .addOption(
    option(
      '--model-name <name>',
      'the name clients use in /v2/models/<name>',
      'MLOPS_MODEL_NAME',
    ).makeOptionMandatory(),
  )
  .addOption(
    option('--model-version <v>', 'the registry version being served', 'MLOPS_MODEL_VERSION').makeOptionMandatory(),
  )
  .addOption(
    option('--port <port>', 'port to listen on (0 picks a free one)', 'MLOPS_PORT').argParser(integer(0)).default(8080),
  )
  .addOption(option('--host <host>', 'address to listen on', 'MLOPS_HOST').default('127.0.0.1'))
  .addOption(
    option(
      '--feature-log-dir <dir>',
      'append served rows as JSON lines to <dir>/<model>/<version>.jsonl',
      'MLOPS_FEATURE_LOG_DIR',
    ),
  )
  .addOption(
    option('--feature-log-sample-rate <rate>', 'share of served rows to log, 0..1', 'MLOPS_FEATURE_LOG_SAMPLE_RATE')
      .argParser(rate)
      .default(1),
  )
  .addOption(
    option('--max-body-bytes <n>', 'largest request body', 'MLOPS_MAX_BODY_BYTES')
      .argParser(integer(1))
      .default(1024 * 1024),
  )
  .addOption(option('--max-rows <n>', 'most rows per request', 'MLOPS_MAX_ROWS').argParser(integer(1)).default(10_000))
  .addOption(
    option(
      '--batch-window-ms <ms>',
      'how long an idle server waits to combine concurrent requests',
      'MLOPS_BATCH_WINDOW_MS',
    )
      .argParser(integer(0))
      .default(0),
  )
  .addOption(
    option(
      '--fault-error-rate <rate>',
      'rollout drills: fail this share of inference requests with 500',
      'MLOPS_FAULT_ERROR_RATE',
    )
      .argParser(rate)
      .default(0),
  )
  .addOption(
    option(
      '--fault-after-requests <n>',
      'rollout drills: inject faults only after n requests',
      'MLOPS_FAULT_AFTER_REQUESTS',
    )
      .argParser(integer(0))
      .default(0),
  );

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    modelFile: string;
    modelName: string;
    modelVersion: string;
    port: number;
    host: string;
    featureLogDir?: string;
    featureLogSampleRate: number;
    maxBodyBytes: number;
    maxRows: number;
    batchWindowMs: number;
    faultErrorRate: number;
    faultAfterRequests: number;
  }>();
  const server = await startModelServer({
    modelFile: opts.modelFile,
    modelName: opts.modelName,
    modelVersion: opts.modelVersion,
    port: opts.port,
    host: opts.host,
    featureLogDir: opts.featureLogDir,
    featureLogSampleRate: opts.featureLogSampleRate,
    maxBodyBytes: opts.maxBodyBytes,
    maxRows: opts.maxRows,
    batchWindowMs: opts.batchWindowMs,
    ...(opts.faultErrorRate > 0
      ? { faults: { errorRate: opts.faultErrorRate, afterRequests: opts.faultAfterRequests } }
      : {}),
  });
  console.log(`listening on ${server.url}`);
  const shutdown = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests`);
    server.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`shutdown failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  console.error(`model server failed to start: ${err.message}`);
  process.exit(1);
});
