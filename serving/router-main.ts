import { Command, InvalidArgumentError } from 'commander';
import { startRouter } from './router';

const program = new Command('mlops-router')
  .description(
    "A model's stable endpoint: forwards requests to its model servers by weight (admin API: /admin/backends).",
  )
  .requiredOption('--model-name <name>', 'the model this router serves')
  .requiredOption('--port <port>', 'port to listen on', (text) => {
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port 0-65535');
    return port;
  })
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--state-file <file>', 'where the backends are saved, so a restarted router routes as before');

async function main(): Promise<void> {
  const opts = program.parse().opts<{ modelName: string; port: number; host: string; stateFile?: string }>();
  const router = await startRouter(opts);
  console.log(`router listening on ${router.url}`);
  const shutdown = () => {
    router.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: Error) => {
  console.error(`router failed to start: ${err.message}`);
  process.exit(1);
});
