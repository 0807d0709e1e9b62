import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import {
  DeployConfigError,
  parseDeploySettings,
  type DeploySettings,
  type DeployTargetName,
} from '../../config/deploy';
import {
  countersSince,
  judgeCanary,
  parseInferenceCounters,
  type CanaryVerdict,
  type InferenceCounters,
} from '../../lib/deploy/canary';
import { goldenMismatches, goldenPrediction, type GoldenSet } from '../../lib/deploy/golden';
import { ArtifactNotFoundError, type ArtifactStore } from '../../stores/artifact-store';
import {
  ServingConflictError,
  type ModelVersion,
  type Registry,
  type ServingAllocation,
  type ServingRecord,
} from '../../stores/registry';
import { planAllocation, type DeployAllocation } from './allocation';
import { GOLDEN_ATTACHMENT, goldenSetFromValidation, predictInProcess } from './golden';
import { deploymentIdOf, ModelServerExitedError, type DeploymentTarget, type RunningServer } from './target';

export interface DeployRequest {
  modelName: string;
  version: number;
  settings?: unknown;
  /** Fault injection for rollout drills, passed to the new model server. */
  faults?: { errorRate: number; afterRequests?: number };
}

/** Everything the deploy saga needs, resolved and checked once. */
export interface DeployPlan {
  modelName: string;
  version: number;
  deploymentId: string;
  settings: DeploySettings;
  faults?: DeployRequest['faults'];
  /** The version serving now, when its server runs: traffic returns to it on rollback. */
  previous?: { version: number; deploymentId: string; url: string };
  alreadyServing: boolean;
  /** The version the registry recorded as serving when planned (null: none); promotion is a compare-and-swap on it. */
  servingVersion?: number | null;
  /** CPU and replicas of every model the target serves, this one included (lib/allocation). */
  allocation?: DeployAllocation;
}

export interface DeployActivityDependencies {
  registry: Registry;
  store: ArtifactStore;
  targets: Record<DeployTargetName, DeploymentTarget>;
}

const nonRetryable = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

/** A version's ONNX file on disk (the artifact store's file, verified against its hash). */
async function modelFileOf(store: ArtifactStore, version: ModelVersion): Promise<string> {
  try {
    await store.get(version.artifact.hash);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) {
      throw nonRetryable(
        `${version.name} v${version.version}: its ONNX artifact ${version.artifact.hash} is missing from the artifact store; re-run the lifecycle to export it again`,
        'ArtifactMissingError',
      );
    }
    throw err;
  }
  if (!version.artifact.uri.startsWith('file:')) {
    throw nonRetryable(
      `${version.name} v${version.version}: artifact URI ${version.artifact.uri} is not a file`,
      'ArtifactMissingError',
    );
  }
  return fileURLToPath(version.artifact.uri);
}

async function requireVersion(registry: Registry, modelName: string, version: number): Promise<ModelVersion> {
  const found = await registry.get(modelName, version).catch((err: Error) => {
    throw nonRetryable(`model name: ${err.message}`, 'ModelVersionNotFoundError');
  });
  if (!found) {
    const known = (await registry.list(modelName)).map((v) => v.version);
    throw nonRetryable(
      `model "${modelName}" has no version ${version} in the registry (${known.length ? `registered: ${known.join(', ')}` : 'none registered'}); deploy a registered version`,
      'ModelVersionNotFoundError',
    );
  }
  return found;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json().catch(() => undefined) };
}

async function readCounters(server: RunningServer): Promise<InferenceCounters> {
  const response = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${server.url}/metrics answered ${response.status}`);
  return parseInferenceCounters(await response.text(), server.modelName, String(server.version));
}

/** Heartbeats while a long step waits, so a dead worker's activity is retried elsewhere soon. */
const beat = () => Context.current().heartbeat();

/** The deploy saga's steps against a deployment target; each one is safe to retry or run again. */
export function createDeployActivities({ registry, store, targets }: DeployActivityDependencies) {
  const targetOf = (plan: { settings: DeploySettings }) => targets[plan.settings.target];

  const runningServer = async (plan: DeployPlan): Promise<RunningServer> => {
    const server = await targetOf(plan).find(plan.modelName, plan.deploymentId);
    if (!server) throw new Error(`no model server runs for ${plan.deploymentId}`);
    return server;
  };

  /** Golden rows stored with the version (from its validation set), or ones computed from its training ranges. */
  const goldenSetOf = async (version: ModelVersion): Promise<GoldenSet> => {
    const stored = await registry.readAttachment(version.name, version.version, GOLDEN_ATTACHMENT);
    if (stored) return JSON.parse(stored) as GoldenSet;
    // No golden rows were recorded (a version registered without the lifecycle): one row of missing values, which
    // the model imputes, checked against the artifact run in-process.
    const rows = [Object.fromEntries(version.features.map((f) => [f.name, null]))];
    return { rows, expected: await predictInProcess(await store.get(version.artifact.hash), version, rows) };
  };

  return {
    /** Checks the request (settings, model, version, artifact) and finds the serving version to roll back to. */
    async planDeployment(request: DeployRequest): Promise<DeployPlan> {
      let settings: DeploySettings;
      try {
        settings = parseDeploySettings(request.settings);
      } catch (err) {
        throw nonRetryable((err as Error).message, (err as DeployConfigError).name);
      }
      const version = await requireVersion(registry, request.modelName, request.version);
      await modelFileOf(store, version);
      const serving: ServingRecord | undefined = await registry.getServing(request.modelName);
      const target = targets[settings.target];
      let previous: DeployPlan['previous'];
      if (serving) {
        const server = await target.find(request.modelName, deploymentIdOf(request.modelName, serving.version));
        if (server) previous = { version: serving.version, deploymentId: server.deploymentId, url: server.url };
      }
      let allocation: DeployAllocation;
      try {
        allocation = planAllocation(request.modelName, settings, target.resources(), await registry.listServing());
      } catch (err) {
        throw nonRetryable((err as Error).message, 'AllocationInputError');
      }
      return {
        modelName: request.modelName,
        version: request.version,
        deploymentId: deploymentIdOf(request.modelName, request.version),
        settings,
        ...(request.faults ? { faults: request.faults } : {}),
        ...(previous ? { previous } : {}),
        alreadyServing: previous?.version === request.version,
        servingVersion: serving?.version ?? null,
        allocation,
      };
    },

    /** The model's stable endpoint (its router), started if needed. */
    async ensureEndpoint(plan: DeployPlan): Promise<{ url: string }> {
      return targetOf(plan).ensureEndpoint(plan.modelName);
    },

    /** Starts the new version's server unless it already runs (a retry finds the first one). */
    async startModelServer(plan: DeployPlan): Promise<RunningServer> {
      const version = await requireVersion(registry, plan.modelName, plan.version);
      const modelFile = await modelFileOf(store, version);
      return targetOf(plan).start({
        modelName: plan.modelName,
        version: plan.version,
        deploymentId: plan.deploymentId,
        modelFile,
        ...(plan.faults ? { faults: plan.faults } : {}),
      });
    },

    /** Waits until the new server has loaded its model; a server that died (model does not load) fails for good. */
    async waitModelServerReady(plan: DeployPlan): Promise<void> {
      const server = await targetOf(plan).find(plan.modelName, plan.deploymentId);
      if (!server) {
        throw nonRetryable(
          `the model server of ${plan.deploymentId} is not running (it exited at start)`,
          'ModelServerExitedError',
        );
      }
      try {
        await targetOf(plan).waitReady(server, plan.settings.readyTimeoutSeconds * 1000, beat);
      } catch (err) {
        if (err instanceof ModelServerExitedError) throw nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /** Golden rows through the new server directly: every prediction must match the recorded one. */
    async smokeTestModelServer(plan: DeployPlan): Promise<{ rows: number }> {
      const version = await requireVersion(registry, plan.modelName, plan.version);
      const golden = await goldenSetOf(version);
      const server = await runningServer(plan);
      const { status, json } = await postJson(`${server.url}/v2/models/${plan.modelName}/predict`, {
        rows: golden.rows,
      });
      if (status !== 200) {
        throw nonRetryable(
          `smoke test of ${plan.deploymentId}: predict answered ${status}: ${(json as { error?: string })?.error ?? ''}`,
          'SmokeTestFailedError',
        );
      }
      const served = ((json as { predictions: unknown[] }).predictions ?? []).map(goldenPrediction);
      const problems = goldenMismatches(golden, served, plan.settings.smoke.tolerance);
      if (problems.length > 0) {
        throw nonRetryable(
          `smoke test of ${plan.deploymentId}: ${problems.length} of ${golden.rows.length} golden rows differ (tolerance ${plan.settings.smoke.tolerance}): ${problems.slice(0, 3).join('; ')}`,
          'SmokeTestFailedError',
        );
      }
      return { rows: golden.rows.length };
    },

    /** Routes `weight` percent of new requests to the new version and the rest to the previous one. */
    async shiftTraffic(plan: DeployPlan, weight: number): Promise<void> {
      const server = await runningServer(plan);
      const shares = [{ deploymentId: server.deploymentId, url: server.url, weight }];
      if (plan.previous && weight < 100) shares.unshift({ ...plan.previous, weight: 100 - weight });
      await targetOf(plan).setTraffic(plan.modelName, shares);
    },

    /**
     * Routing back to the version the registry says serves (the previous one, unless another deploy promoted a
     * version meanwhile), or to nothing on a first deploy.
     */
    async restoreTraffic(plan: DeployPlan): Promise<void> {
      const target = targetOf(plan);
      if (!(await target.endpoint(plan.modelName))) return;
      const serving = await registry.getServing(plan.modelName);
      const current =
        serving && serving.version !== plan.version
          ? await target.find(plan.modelName, deploymentIdOf(plan.modelName, serving.version))
          : undefined;
      const back = current ? { deploymentId: current.deploymentId, url: current.url } : plan.previous;
      await target.setTraffic(plan.modelName, back ? [{ ...back, weight: 100 }] : []);
    },

    /** The new server's inference counters at the start of a canary step. */
    async readCanaryCounters(plan: DeployPlan): Promise<InferenceCounters> {
      return readCounters(await runningServer(plan));
    },

    /**
     * Ends a canary step: sends the configured probe requests (golden rows, one per request) to the new server,
     * then judges its error rate and p99 latency since `before`. Above a threshold it fails for good.
     */
    async judgeCanaryStep(plan: DeployPlan, before: InferenceCounters, weight: number): Promise<CanaryVerdict> {
      const server = await runningServer(plan);
      const version = await requireVersion(registry, plan.modelName, plan.version);
      const golden = await goldenSetOf(version);
      for (let i = 0; i < plan.settings.canary.probeRequests; i++) {
        const row = golden.rows[i % golden.rows.length];
        await postJson(`${server.url}/v2/models/${plan.modelName}/predict`, { rows: [row] }).catch(() => undefined);
      }
      const verdict = judgeCanary(countersSince(before, await readCounters(server)), plan.settings.canary);
      if (!verdict.ok) {
        throw ApplicationFailure.create({
          message: `canary at ${weight}% for ${plan.deploymentId}: ${verdict.reason}`,
          type: 'CanaryFailedError',
          nonRetryable: true,
          details: [verdict],
        });
      }
      return verdict;
    },

    /**
     * Records in the registry that the new version serves, with its allocation (idempotent per deploy run). A
     * compare-and-swap on the version planned as serving: when another deploy of the model promoted a version
     * meanwhile, this one fails for good and rolls back instead of overwriting it.
     */
    async promoteVersion(plan: DeployPlan, endpoint: string): Promise<ServingRecord> {
      const workflowId = activityInfo().workflowExecution?.workflowId ?? plan.deploymentId;
      const mine = plan.allocation?.models.find((m) => m.name === plan.modelName);
      const allocation: ServingAllocation | undefined =
        plan.allocation && mine
          ? {
              requestsPerSecond: mine.requestsPerSecond,
              cpu: mine.cpu,
              replicas: mine.replicas,
              cpuPerReplica: mine.cpuPerReplica,
              minCpu: plan.settings.resources.minCpu,
              cpuBudget: plan.allocation.cpuBudget,
              applied: plan.allocation.applied,
            }
          : undefined;
      try {
        return await registry.setServing(plan.modelName, {
          version: plan.version,
          endpoint,
          workflowId,
          ...(allocation ? { allocation } : {}),
          ...(plan.servingVersion !== undefined ? { expectedVersion: plan.servingVersion } : {}),
        });
      } catch (err) {
        if (err instanceof ServingConflictError) throw nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /** Stops routing to a deployment, waits for its in-flight requests, then stops its server. */
    async drainModelServer(plan: DeployPlan, deploymentId: string): Promise<void> {
      await targetOf(plan).drainAndStop(plan.modelName, deploymentId, plan.settings.drainTimeoutSeconds * 1000, beat);
    },

    /** Stops the endpoint when no version serves the model (a first deploy that failed leaves nothing running). */
    async releaseUnusedEndpoint(plan: DeployPlan): Promise<void> {
      if (await registry.getServing(plan.modelName)) return;
      await targetOf(plan).stopEndpoint(plan.modelName);
    },

    /** Stores golden rows from the validation set with a version, for the deploy's smoke test. */
    async recordGoldenSet(
      version: ModelVersion,
      refs: { tableHash: string; splitHash: string },
      rows: number,
    ): Promise<{ rows: number }> {
      const golden = await goldenSetFromValidation(store, version, refs, rows);
      await registry.attach(version.name, version.version, GOLDEN_ATTACHMENT, JSON.stringify(golden));
      return { rows: golden.rows.length };
    },
  };
}

export type DeployActivities = ReturnType<typeof createDeployActivities>;
