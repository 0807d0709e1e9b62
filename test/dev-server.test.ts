import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DevServer, isServing, startDevServer } from '../runtime/dev-server';
import { ensureTemporalCli } from '../runtime/temporal-cli';
import { freePort } from '../runtime/ports';

let dir: string;
let server: DevServer | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-devserver-'));
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(port: number, db = 'db.sqlite'): Promise<DevServer> {
  const cliPath = await ensureTemporalCli();
  return startDevServer({
    cliPath,
    host: '127.0.0.1',
    port,
    dbFile: path.join(dir, db),
    namespace: 'default',
  });
}

describe('embedded dev server', () => {
  it('keeps workflows in its SQLite file across a restart', async () => {
    const port = await freePort();
    server = await start(port);
    let connection = await Connection.connect({ address: server.address });
    const workflowId = 'lifecycle/persisted/run-1';
    // Nothing polls this queue: the run simply waits, as it would while workers are down.
    await new Client({ connection }).workflow.start('lifecycleWorkflow', {
      taskQueue: 'nobody-polls-this',
      workflowId,
      args: [{}],
    });
    await connection.close();

    await server.stop();
    expect(await isServing(`127.0.0.1:${port}`)).toBe(false);

    server = await start(port);
    connection = await Connection.connect({ address: server.address });
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test finished');
    await connection.close();
    await server.stop();
  });

  it('refuses a port another server already listens on, instead of mistaking that server for its own', async () => {
    const port = await freePort();
    // Own database files: two servers on one SQLite file would fail on its lock instead.
    const first = await start(port, 'first.sqlite');
    try {
      await expect(start(port, 'second.sqlite')).rejects.toThrow(`port 127.0.0.1:${port} is in use`);
    } finally {
      await first.stop();
    }
  });
});
