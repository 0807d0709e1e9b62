import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DeployActivities, DeployPlan } from '../activities/deploy';
import { MODEL_NAME, MODEL_VERSION, STAGE } from '../config/search-attributes';
import {
  DeployInput,
  DeployResult,
  DeployStage,
  deployProgressQuery,
  ROLLBACK_STAGES,
  rollbackUpdate,
} from './deploy-defs';

const retry = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 8,
};
const quick = proxyActivities<DeployActivities>({ startToCloseTimeout: '30 seconds', retry });
/** Steps that wait (readiness, draining) heartbeat, so a dead worker's step is retried elsewhere within seconds. */
const waiting = proxyActivities<DeployActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '10 seconds',
  retry,
});

const ROLLBACK_REQUESTED = 'RollbackRequested';

/**
 * Blue/green with canary steps, as a saga: start the new version → ready → smoke test → shift traffic step by step,
 * judging the new server's error rate and latency → promote in the registry → drain and stop the old version. Each
 * completed step pushes its undo; on failure (or a `rollback` update) they run in reverse, so the previous version
 * keeps serving and nothing of the new one is left running.
 */
export async function deployWorkflow(input: DeployInput): Promise<DeployResult> {
  let stage: DeployStage = 'plan';
  const completed: DeployStage[] = [];
  let weight = 0;
  let plan: DeployPlan | undefined;
  let rollbackReason: string | undefined;
  let finished = false;
  const enter = (next: DeployStage) => {
    completed.push(stage);
    stage = next;
    upsertSearchAttributes([{ key: STAGE, value: next }]);
  };
  setHandler(deployProgressQuery, () => ({
    stage,
    completed: [...completed],
    weight,
    ...(plan?.previous ? { previousVersion: plan.previous.version } : {}),
  }));
  setHandler(
    rollbackUpdate,
    async (request) => {
      rollbackReason ??= request?.reason || 'rollback requested';
      await condition(() => finished);
      return { servingVersion: plan?.previous?.version ?? null };
    },
    {
      validator: (_request) => {
        if (!ROLLBACK_STAGES.includes(stage)) {
          throw new Error(`the deploy is at stage "${stage}": a rollback is accepted only before the promotion`);
        }
      },
    },
  );
  upsertSearchAttributes([
    { key: MODEL_NAME, value: input.modelName },
    { key: MODEL_VERSION, value: input.version },
    { key: STAGE, value: stage },
  ]);

  const compensations: (() => Promise<void>)[] = [];
  const canary: DeployResult['canary'] = [];
  const stopIfRequested = () => {
    if (rollbackReason !== undefined) throw ApplicationFailure.nonRetryable(rollbackReason, ROLLBACK_REQUESTED);
  };
  try {
    plan = await quick.planDeployment(input);
    const p = plan;
    if (p.alreadyServing) {
      enter('done');
      return { modelName: p.modelName, version: p.version, outcome: 'already-serving', canary };
    }

    enter('endpoint');
    const endpoint = await quick.ensureEndpoint(p);
    compensations.push(() => quick.releaseUnusedEndpoint(p));
    stopIfRequested();

    enter('start');
    // Pushed before the start: a start that half-happened (worker died) is undone too; stopping is idempotent.
    compensations.push(() => waiting.drainModelServer(p, p.deploymentId));
    await quick.startModelServer(p);
    enter('ready');
    await waiting.waitModelServerReady(p);
    stopIfRequested();
    enter('smoke');
    await quick.smokeTestModelServer(p);
    stopIfRequested();

    enter('canary');
    compensations.push(() => quick.restoreTraffic(p));
    // With nothing serving before, every request already reaches the new version: one judged step, no dwell.
    const steps = p.previous ? p.settings.rollout : [100];
    for (const step of steps) {
      weight = step;
      await quick.shiftTraffic(p, step);
      const before = await quick.readCanaryCounters(p);
      if (p.previous && p.settings.stepSeconds > 0)
        await condition(() => rollbackReason !== undefined, p.settings.stepSeconds * 1000);
      stopIfRequested();
      canary.push({ weight: step, verdict: await quick.judgeCanaryStep(p, before, step) });
    }

    enter('promote');
    await quick.promoteVersion(p, endpoint.url);
    compensations.length = 0; // promoted: from here on the new version serves, whatever happens to the old one
    enter('drain');
    if (p.previous) await waiting.drainModelServer(p, p.previous.deploymentId);
    enter('done');
    return {
      modelName: p.modelName,
      version: p.version,
      outcome: 'deployed',
      endpoint: endpoint.url,
      ...(p.previous ? { previousVersion: p.previous.version } : {}),
      canary,
      ...(p.allocation ? { allocation: p.allocation } : {}),
    };
  } catch (err) {
    const failedAt = stage;
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : (err as Error);
    const requested = cause instanceof ApplicationFailure && cause.type === ROLLBACK_REQUESTED;
    if (compensations.length === 0 && !requested) throw err; // nothing was changed yet (e.g. an invalid request)
    enter('rolling-back');
    await CancellationScope.nonCancellable(async () => {
      for (const undo of compensations.reverse()) {
        try {
          await undo();
        } catch (undoErr) {
          log.error('a compensation failed; continuing with the others', { error: String(undoErr) });
        }
      }
    });
    enter('rolled-back');
    const servingNow = plan?.previous ? `v${plan.previous.version} keeps serving` : 'no version was serving before';
    if (requested) {
      return {
        modelName: input.modelName,
        version: input.version,
        outcome: 'rolled-back',
        ...(plan?.previous ? { previousVersion: plan.previous.version } : {}),
        canary,
        reason: rollbackReason,
      };
    }
    throw ApplicationFailure.create({
      message: `deploy of ${input.modelName} v${input.version} failed at stage "${failedAt}" and was rolled back (${servingNow}): ${cause.message}`,
      type: 'DeployRolledBackError',
      nonRetryable: true,
      cause: err as Error,
    });
  } finally {
    finished = true;
  }
}
