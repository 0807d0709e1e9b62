import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../config/search-attributes';
import type { Log } from './temporal-cli';

export interface DevServerOptions {
  cliPath: string;
  host: string;
  port: number;
  /** Temporal UI port; `undefined` runs headless. */
  uiPort?: number;
  /** SQLite file: workflows survive a restart of the server. */
  dbFile: string;
  namespace: string;
  /** Forward the server's own output (for `mlops server`); otherwise it is kept for error messages. */
  inheritOutput?: boolean;
  readyTimeoutMs?: number;
  log?: Log;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
  /** Resolves when the server process exits by itself or is stopped. */
  exited: Promise<number | null>;
}

export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', options.host, '--port', String(options.port)];
  args.push('--db-filename', options.dbFile, '--namespace', options.namespace, '--log-level', 'warn');
  args.push(...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${name}=${cliType}`);
  return args;
}

/** True when a Temporal frontend answers its health check at `address`. */
export async function isServing(address: string, timeoutMs = 2000): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Temporal dev server exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    if (await isServing(address, 1000)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Temporal dev server did not answer at ${address} within ${timeoutMs} ms:\n${output()}`);
}

/** Rejects when `host:port` cannot be bound, e.g. because another server already listens there. */
function assertPortFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot start the Temporal dev server: ${what} ${host}:${port} is in use (${err.code}). ` +
            'Stop what listens there, choose other ports (MLOPS_DEV_SERVER_PORT, MLOPS_DEV_SERVER_UI_PORT), ' +
            'or point TEMPORAL_ADDRESS at the server already running.',
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Starts `temporal server start-dev`, waits until it answers, and stops it when this process exits. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // Otherwise the readiness probe below could be answered by whatever already listens on the port.
  await assertPortFree(options.host, options.port, 'port');
  if (options.uiPort !== undefined) await assertPortFree(options.host, options.uiPort, 'UI port');
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const address = `${options.host}:${options.port}`;
  const child = spawn(options.cliPath, devServerArgs(options), {
    stdio: options.inheritOutput ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, child, options.readyTimeoutMs ?? 60_000, () => tail);
  } catch (err) {
    await stop();
    throw err;
  }
  options.log?.(`Temporal dev server ready at ${address} (database ${options.dbFile})`);
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`,
    pid: child.pid ?? -1,
    stop,
    exited,
  };
}
