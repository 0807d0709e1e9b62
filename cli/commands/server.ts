import { DEV_SERVER_HOST, DEV_SERVER_PORT, DEV_SERVER_UI_PORT, NAMESPACE } from '../../config/temporal';
import { paths } from '../../config/paths';
import { startDevServer } from '../../runtime/dev-server';
import { ensureTemporalCli } from '../../runtime/temporal-cli';
import { waitForInterrupt } from '../process-utils';

/** The embedded Temporal dev server in the foreground, with its SQLite database under MLOPS_HOME. */
export async function serverCommand(options: { port: number; uiPort: number }): Promise<void> {
  const server = await startDevServer({
    cliPath: await ensureTemporalCli((m) => console.log(m)),
    host: DEV_SERVER_HOST,
    port: options.port,
    uiPort: options.uiPort,
    dbFile: paths.temporalDb(),
    namespace: NAMESPACE,
    log: (m) => console.log(m),
  });
  console.log(`Temporal UI: ${server.uiUrl}\nPress Ctrl-C to stop.`);
  const reason = await Promise.race([waitForInterrupt(), server.exited.then((code) => `exit code ${code}`)]);
  await server.stop();
  console.log(`Temporal dev server stopped (${reason}).`);
}

export const serverDefaults = { port: DEV_SERVER_PORT, uiPort: DEV_SERVER_UI_PORT };
