import { executeChild, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LifecycleConfigInput } from '../config/project';
import { MODEL_NAME, MODEL_VERSION, STAGE } from '../config/search-attributes';
import { deployWorkflow } from './deploy';
import { deployWorkflowId } from './deploy-defs';
import { LifecycleStage, LifecycleSummary, progressQuery } from './lifecycle-defs';
import { data, registry, trainingActivities } from './lifecycle-activities';
import { modelCardDetails, newModelVersion } from './model-version';
import { sweepWorkflow } from './sweep';
import { sweepIdForLifecycle, sweepSettingsFrom } from './sweep-defs';

/** Lifecycles that ensure the model's drift monitor after deploying (histories from before replay unchanged). */
const MONITOR_PATCH = 'lifecycle-monitor';

/** Data → validation → split → train → evaluate → ONNX export with parity check → registered model version. */
export async function lifecycleWorkflow(input: LifecycleConfigInput = {}): Promise<LifecycleSummary> {
  const training = trainingActivities();
  const completed: LifecycleStage[] = [];
  let stage: LifecycleStage = 'config';
  setHandler(progressQuery, () => ({ stage, completed: [...completed] }));
  const enter = (next: LifecycleStage) => {
    completed.push(stage);
    stage = next;
    upsertSearchAttributes([{ key: STAGE, value: next }]);
  };

  let config = await data.resolveConfig(input);
  upsertSearchAttributes([{ key: MODEL_NAME, value: config.modelName }]);

  enter('ingest');
  const raw = await data.ingestDataset(config);
  enter('validate');
  const dataset = await data.validateDataset(raw, config);
  enter('split');
  const split = await data.splitDataset(dataset, config);

  let sweep: LifecycleSummary['sweep'];
  if (config.sweep.enabled) {
    enter('tune');
    const workflowId = sweepIdForLifecycle(workflowInfo().workflowId);
    const settings = sweepSettingsFrom(config);
    const result = await executeChild(sweepWorkflow, {
      workflowId,
      args: [{ modelName: config.modelName, config, settings, data: { dataset, split } }],
    });
    // The final model trains with θ*: the best trial's hyperparameters over the configured ones.
    config = {
      ...config,
      model: { ...config.model, hyperparameters: { ...config.model.hyperparameters, ...result.best.params } },
    };
    const failed = result.trials.filter((t) => t.status === 'failed').length;
    sweep = {
      workflowId,
      trials: result.trials.length,
      failed,
      bestLoss: result.best.loss,
      bestParams: result.best.params,
    };
  }

  enter('train');
  const trained = await training.trainModel(dataset, split, config);
  enter('evaluate');
  const metrics = await training.evaluateModel(trained, dataset, split);
  enter('export');
  const exported = await training.exportOnnx(trained, dataset, split, config);

  enter('register');
  const version = await registry.registerModelVersion(
    newModelVersion(config, raw, dataset, trained, metrics, exported),
  );
  upsertSearchAttributes([{ key: MODEL_VERSION, value: version.version }]);
  const modelCard = await registry.writeModelCard(version, modelCardDetails(dataset, split, metrics, exported));

  let deploy: LifecycleSummary['deploy'];
  // Optional chaining: runs started before deploy settings existed replay without them.
  if (config.deploy?.enabled) {
    enter('deploy');
    // Golden rows from the validation set travel with the version: the deploy's smoke test checks them.
    await registry.recordGoldenSet(
      version,
      { tableHash: dataset.tableHash, splitHash: split.splitHash },
      config.deploy.smoke.rows,
    );
    deploy = await executeChild(deployWorkflow, {
      workflowId: deployWorkflowId(config.modelName, version.version),
      args: [{ modelName: config.modelName, version: version.version, settings: config.deploy }],
    });
    // The deployed model gets its drift monitor (monitor/<model>, one per model); runs recorded before replay without.
    if (deploy.outcome !== 'rolled-back' && config.monitor?.enabled && patched(MONITOR_PATCH)) {
      await registry.ensureMonitor({ modelName: config.modelName, settings: config.monitor });
    }
  }
  enter('done');

  return {
    modelName: config.modelName,
    version: version.version,
    modelType: config.model.type,
    task: dataset.task,
    dataset: {
      source: raw.source,
      hash: raw.hash,
      rows: dataset.rows,
      trainRows: split.trainRows,
      validationRows: split.validationRows,
      splitMethod: split.method,
    },
    hyperparameters: trained.hyperparameters,
    metrics,
    artifact: exported.artifact,
    onnxParityMaxAbsDiff: exported.maxAbsDiff,
    validationReportHash: dataset.reportHash,
    warnings: dataset.warnings,
    modelCard,
    ...(sweep ? { sweep } : {}),
    ...(deploy ? { deploy } : {}),
  };
}
