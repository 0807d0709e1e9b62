import {
  ChildWorkflowFailure,
  executeChild,
  getExternalWorkflowHandle,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { MODEL_NAME, MODEL_VERSION, STAGE } from '../config/search-attributes';
import { deployWorkflow } from './deploy';
import { deployWorkflowId } from './deploy-defs';
import { monitorWorkflowId } from './monitor-defs';
import {
  driftEvidenceSignal,
  referenceUpdatedSignal,
  RetrainInput,
  retrainProgressQuery,
  RetrainResult,
  RetrainStage,
  sweepIdForRetrain,
} from './retrain-defs';
import { data, registry, trainingActivities } from './lifecycle-activities';
import { modelCardDetails, newModelVersion } from './model-version';
import { sweepWorkflow } from './sweep';

/** Tells the model's monitor to compare with the new version's reference; a model without a monitor is fine. */
async function notifyMonitor(modelName: string, version: number): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(monitorWorkflowId(modelName)).signal(referenceUpdatedSignal, { version });
    return true;
  } catch (err) {
    log.info('no running monitor to notify of the new reference', { modelName, version, error: String(err) });
    return false;
  }
}

/**
 * Champion → challenger: recent labelled feedback rows join the lineage's training data (the newest of them kept
 * back as a fresh holdout), a smaller sweep warm-started at the champion's hyperparameters tunes the challenger,
 * and champion and challenger are compared on the holdout; only a challenger better by `retrain.margin` is rolled
 * out (child deployWorkflow), after which the monitor switches to its reference. Both are recorded either way.
 */
export async function retrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const { modelName, championVersion } = input;
  const training = trainingActivities();
  const completed: RetrainStage[] = [];
  let stage: RetrainStage = 'plan';
  let evidence = 1;
  let latestEvidence = input.trigger;
  const registered: { challengerVersion?: number } = {};
  // Drift keeps being reported while the retrain runs: counted, so the result says how much evidence it answered.
  setHandler(driftEvidenceSignal, (report) => {
    evidence++;
    latestEvidence = report;
  });
  setHandler(retrainProgressQuery, () => ({
    stage,
    completed: [...completed],
    championVersion,
    evidence,
    latestEvidence,
    ...registered,
  }));
  const enter = (next: RetrainStage) => {
    completed.push(stage);
    stage = next;
    upsertSearchAttributes([{ key: STAGE, value: next }]);
  };
  upsertSearchAttributes([
    { key: MODEL_NAME, value: modelName },
    { key: STAGE, value: stage },
  ]);

  const plan = await data.planRetrain({ modelName, championVersion, settings: input.settings });
  if (plan.unchanged) {
    // Nothing new to learn from: repeated drift alarms do not register copies of the champion.
    enter('done');
    return {
      modelName,
      outcome: 'kept-champion',
      championVersion,
      servingVersion: plan.servingVersion ?? championVersion,
      metric: plan.metric,
      champion: plan.unchanged.championHoldout,
      evidence,
      reason: `kept v${championVersion}: it was trained on these very rows (no labelled row arrived since); append labels with mlops feedback ${modelName}`,
      feedback: { trainingRows: plan.feedback.trainingRows, holdoutRows: plan.feedback.holdoutRows },
    };
  }
  enter('ingest');
  const raw = await data.ingestDataset(plan.config);
  enter('validate');
  const dataset = await data.validateDataset(raw, plan.config);
  enter('split');
  const split = await data.splitDataset(dataset, plan.config);

  let config = plan.config;
  let sweepWorkflowId: string | undefined;
  if (plan.sweep) {
    enter('tune');
    sweepWorkflowId = sweepIdForRetrain(workflowInfo().workflowId);
    const result = await executeChild(sweepWorkflow, {
      workflowId: sweepWorkflowId,
      args: [{ modelName, config, settings: plan.sweep, data: { dataset, split } }],
    });
    config = {
      ...config,
      model: { ...config.model, hyperparameters: { ...config.model.hyperparameters, ...result.best.params } },
    };
  }

  enter('train');
  const trained = await training.trainModel(dataset, split, config);
  enter('evaluate');
  const metrics = await training.evaluateModel(trained, dataset, split);
  enter('export');
  // The drift reference the monitor compares with once the challenger serves: the regime that raised the alarm.
  const referenceRowsHash = plan.reference?.rowsHash;
  const exported = await training.exportOnnx(
    trained,
    dataset,
    split,
    config,
    referenceRowsHash ? { referenceRowsHash } : {},
  );

  enter('compare');
  const comparison = await data.compareOnHoldout({
    modelName,
    holdoutHash: plan.feedback.holdoutHash,
    metric: plan.metric,
    margin: plan.settings.margin,
    champion: plan.champion,
    challenger: { artifactHash: exported.artifact.hash },
  });

  enter('register');
  const { rows, trainingRows, holdoutRows, from, to } = plan.feedback;
  const feedback = { rows, trainingRows, holdoutRows, from, to };
  const version = await registry.registerModelVersion({
    ...newModelVersion(config, raw, dataset, trained, metrics, exported),
    retrain: {
      workflowId: workflowInfo().workflowId,
      championVersion,
      baseDataset: plan.baseDataset,
      feedback,
      ...(plan.reference ? { reference: plan.reference.source } : {}),
      holdout: {
        metric: comparison.metric,
        margin: comparison.margin,
        champion: comparison.champion,
        challenger: comparison.challenger,
        better: comparison.better,
        reason: comparison.reason,
      },
    },
  });
  registered.challengerVersion = version.version;
  upsertSearchAttributes([{ key: MODEL_VERSION, value: version.version }]);
  await registry.writeModelCard(version, modelCardDetails(dataset, split, metrics, exported));

  let outcome: RetrainResult['outcome'] = 'kept-champion';
  let servingVersion = plan.servingVersion ?? championVersion;
  let reason = `kept v${championVersion}: ${comparison.reason}`;
  let monitorNotified: boolean | undefined;
  if (comparison.better && !config.deploy.enabled) {
    reason = `registered v${version.version} without deploying it (deploy.enabled is false): ${comparison.reason}`;
  } else if (comparison.better) {
    enter('deploy');
    await registry.recordGoldenSet(
      version,
      { tableHash: dataset.tableHash, splitHash: split.splitHash },
      config.deploy.smoke.rows,
    );
    try {
      const deployed = await executeChild(deployWorkflow, {
        workflowId: deployWorkflowId(modelName, version.version),
        args: [{ modelName, version: version.version, settings: config.deploy }],
      });
      if (deployed.outcome === 'rolled-back') {
        reason = `kept v${servingVersion}: ${comparison.reason}, but the rollout of v${version.version} was rolled back (${deployed.reason ?? 'requested'})`;
      } else {
        outcome = 'deployed';
        servingVersion = version.version;
        reason = `deployed v${version.version}: ${comparison.reason}`;
      }
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      // The deploy's saga already put the old version back: the retrain reports that instead of failing.
      reason = `kept v${servingVersion}: ${comparison.reason}, but the rollout of v${version.version} failed (${err.cause?.message ?? err.message})`;
    }
    if (outcome === 'deployed') {
      enter('notify');
      monitorNotified = await notifyMonitor(modelName, version.version);
    }
  }
  enter('done');

  return {
    modelName,
    outcome,
    championVersion,
    challengerVersion: version.version,
    servingVersion,
    metric: comparison.metric,
    champion: comparison.champion,
    challenger: comparison.challenger,
    evidence,
    reason,
    ...(monitorNotified !== undefined ? { monitorNotified } : {}),
    ...(sweepWorkflowId ? { sweepWorkflowId } : {}),
    feedback: { trainingRows: feedback.trainingRows, holdoutRows: feedback.holdoutRows },
  };
}
