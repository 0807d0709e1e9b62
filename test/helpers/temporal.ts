import { ActivityFailure, ApplicationFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  WorkflowBundle,
} from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkers } from '../../workers/create-workers';

/** The dev server started by test/global-setup.ts. */
export function testAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (global setup starts the server)');
  return address;
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Connections, a client and one workflow bundle per test file. */
export async function setUpTemporal(): Promise<{
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundle;
}> {
  // Expected failures (bad-input tests) log at WARN; keep the test output to real problems.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const address = testAddress();
  const [connection, clientConnection, bundle] = await Promise.all([
    NativeConnection.connect({ address }),
    Connection.connect({ address }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  return { client: new Client({ connection: clientConnection, namespace: 'default' }), connection, bundle };
}

/** Runs the project's workers (both task queues) on `taskQueue` while `fn` runs, then shuts them down. */
export async function withWorkers<T>(
  connection: NativeConnection,
  bundle: WorkflowBundle,
  taskQueue: string,
  fn: () => Promise<T>,
): Promise<T> {
  const workers: Worker[] = await createWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
  });
  const running = workers.map((w) => w.run());
  try {
    return await fn();
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.all(running);
  }
}

/** Per test file: a client, a worker connection, one workflow bundle and a scratch folder, all cleaned up after. */
export function temporalTestFile(scratchPrefix: string) {
  const ctx = {} as { client: Client; connection: NativeConnection; bundle: WorkflowBundle; dir: string };
  beforeAll(async () => {
    Object.assign(ctx, await setUpTemporal());
    ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), scratchPrefix));
  }, 120_000);
  afterAll(async () => {
    await ctx.connection?.close();
    await ctx.client?.connection.close();
    if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}

/** The application failure an activity raised, unwrapped from the workflow and activity failures. */
export async function activityFailureOf(
  promise: Promise<unknown>,
): Promise<{ activity: ActivityFailure; app: ApplicationFailure }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const activity = (err as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  const app = (activity as ActivityFailure).cause;
  expect(app).toBeInstanceOf(ApplicationFailure);
  return { activity: activity as ActivityFailure, app: app as ApplicationFailure };
}
