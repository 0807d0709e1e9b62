import { WorkflowFailedError, type Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { GOLDEN_ATTACHMENT } from '../../activities/deploy/golden';
import { paths } from '../../config/paths';
import { TASK_QUEUE } from '../../config/temporal';
import type { GoldenSet } from '../../lib/deploy/golden';
import { FileRegistry } from '../../stores/registry';
import type { LifecycleSummary } from '../../workflows/lifecycle-defs';
import { connectClient, provideTemporal } from '../../runtime/temporal';
import { createWorkers } from '../../workers/create-workers';
import { readConfigFile } from '../config-file';
import { runDriftLoop } from '../drift-loop/run';
import { formatSummary, startLifecycle } from '../lifecycle-run';
import { failureMessage, waitForInterrupt } from '../process-utils';
import { predictThroughEndpoint, undeployCommand } from './deploy';

export interface DemoOptions {
  config?: string;
  keepServer: boolean;
  /** Leave the deployed model's router and server running after the demo. */
  keepServing?: boolean;
  /** After the lifecycle, serve New York's weather to the Seattle model until the monitor's retrain replaces it. */
  driftLoop?: boolean;
}

/** The demo's drift loop: windows read on demand (`checkNow`), drift in 2 windows in a row raises the alarm. */
const DEMO_MONITOR = { interval: '1 hour', minWindowRows: 100, epsilon: 0.1, consecutiveWindows: 2 };

async function driftLoop(client: Client, modelName: string): Promise<void> {
  console.log(
    `\nDrift loop: ${modelName} (trained on Seattle) serves Seattle days, then New York's; labels arrive as feedback`,
  );
  const result = await runDriftLoop({ client, modelName });
  const deployed = result.retrains.find((r) => r.outcome === 'deployed');
  const after = result.windows.filter((w) => deployed && w.version === deployed.challengerVersion);
  if (deployed && after.length > 0) {
    const before = result.windows.filter((w) => w.traffic === 'New York' && w.version === deployed.championVersion);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `  New York windows: MSE ${mean(before.map((w) => w.mse)).toFixed(2)} on v${deployed.championVersion} → ` +
        `${mean(after.map((w) => w.mse)).toFixed(2)} on v${deployed.challengerVersion}; ` +
        `KL ${Math.max(...before.map((w) => w.score ?? 0)).toFixed(3)} → ${Math.max(...after.map((w) => w.score ?? 0)).toFixed(3)} (ε ${result.epsilon})`,
    );
  }
  console.log(`  Fig. 6 (error)   ${result.files.errorChart}`);
  console.log(`  Fig. 7 (drift)   ${result.files.driftChart}`);
  console.log(`  data             ${result.files.data}`);
}

/** One validation row of the deployed version (its golden rows) through the model's endpoint, printed. */
async function predictOnce(summary: LifecycleSummary): Promise<void> {
  const registry = new FileRegistry(paths.registry());
  const golden = await registry.readAttachment(summary.modelName, summary.version, GOLDEN_ATTACHMENT);
  const row = golden ? (JSON.parse(golden) as GoldenSet).rows[0] : undefined;
  if (!row) return;
  const body = await predictThroughEndpoint(summary.modelName, [row]);
  console.log(`  predict          ${JSON.stringify(row)}`);
  console.log(`               →   ${JSON.stringify(body.predictions?.[0])} (v${body.model_version}, via the router)`);
}

/** Everything on one machine: a dev server (unless one answers), in-process workers, one lifecycle run. */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const config = readConfigFile(options.config);
  // The demo's own project rolls out in one step: a first deploy has no old version to share traffic with.
  if (!options.config) config.deploy = { ...config.deploy, rollout: [100], stepSeconds: 0 };
  // The drift loop needs the demo's own Seattle model (a project config brings its own data).
  const loop = options.driftLoop !== false && !options.config;
  if (loop) config.monitor = { ...config.monitor, ...DEMO_MONITOR };
  const started = Date.now();
  // The demo prints its own progress; the SDK's INFO lines would drown it, and an activity-only worker's
  // "no workflows registered" warning is expected.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!entry.message.startsWith('No workflows registered'))
        console.error(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
    }),
  });
  const endpoint = await provideTemporal((m) => console.log(m));
  console.log(`Temporal: ${endpoint.origin} at ${endpoint.connectOptions.address}, namespace ${endpoint.namespace}`);
  const connection = await NativeConnection.connect(endpoint.connectOptions);
  try {
    const client = await connectClient(endpoint);
    const workers = await createWorkers({ connection, namespace: endpoint.namespace, taskQueue: TASK_QUEUE });
    const running = workers.map((w) => w.run());
    let deployedModel: string | undefined;
    try {
      const runStarted = Date.now();
      const { handle, uiLink } = await startLifecycle(client, config, TASK_QUEUE);
      const summary = await handle.result();
      if (summary.deploy?.outcome === 'deployed' || summary.deploy?.outcome === 'already-serving') {
        deployedModel = summary.modelName;
      }
      const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
      console.log(`\nLifecycle completed in ${seconds(runStarted)} s (${seconds(started)} s with start-up)`);
      console.log(formatSummary(summary));
      if (deployedModel) await predictOnce(summary);
      console.log(`  Temporal UI      ${uiLink}`);
      if (deployedModel && loop) await driftLoop(client, deployedModel);
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw new Error(`Lifecycle failed: ${failureMessage(err)}`);
      throw err;
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      if (deployedModel && !options.keepServing) {
        console.log('');
        await undeployCommand(deployedModel);
      } else if (deployedModel) {
        console.log(`\n${deployedModel} keeps serving; stop it with: mlops undeploy ${deployedModel}`);
      }
    }
    if (endpoint.devServer && options.keepServer) {
      console.log(
        `\nThe dev server keeps serving the Temporal UI at ${endpoint.devServer.uiUrl}; press Ctrl-C to stop.`,
      );
      await waitForInterrupt();
    }
  } finally {
    await connection.close();
    await endpoint.close();
  }
}
