import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, DevServer } from '../runtime/dev-server';
import { ensureTemporalCli } from '../runtime/temporal-cli';
import { freePort } from '../runtime/ports';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
  var __MLOPS_TEST_HOME__: string | undefined;
}

/** One real Temporal dev server for the whole test run, on a free port, with a throw-away database and MLOPS_HOME. */
export default async function globalSetup(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-test-'));
  const server = await startDevServer({
    cliPath: await ensureTemporalCli((m) => console.log(m)),
    host: '127.0.0.1',
    port: await freePort(),
    dbFile: path.join(home, 'temporal.sqlite'),
    namespace: 'default',
  });
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  globalThis.__MLOPS_TEST_HOME__ = home;
  // Test files, and the CLI and worker processes they spawn, inherit these.
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = 'default';
  process.env.MLOPS_HOME = path.join(home, 'mlops');
}
