import type { IngestedDataset, SplitDataset, ValidatedDataset } from '../activities/data';
import type { ModelCardDetails } from '../activities/registry';
import type { ExportedModel, ModelMetrics, TrainedModelRef } from '../activities/training';
import type { LifecycleConfig } from '../config/project';
import type { NewModelVersion } from '../stores/registry';

/** What the lifecycle and a retrain register for a model they trained and exported: lineage, metrics, artifacts. */
export function newModelVersion(
  config: LifecycleConfig,
  raw: IngestedDataset,
  dataset: ValidatedDataset,
  trained: TrainedModelRef,
  metrics: ModelMetrics,
  exported: ExportedModel,
): Omit<NewModelVersion, 'runKey'> {
  return {
    name: config.modelName,
    modelType: config.model.type,
    task: dataset.task,
    dataset: { source: raw.source, hash: raw.hash, rows: dataset.rows },
    features: dataset.schema.features,
    target: dataset.schema.target,
    hyperparameters: trained.hyperparameters,
    metrics,
    artifact: exported.artifact,
    trainingStatistics: exported.trainingStatistics,
    // The resolved config (θ* included) travels with the version: a retrain starts from it.
    config,
  };
}

/** What the lifecycle and a retrain write on a version's model card: its split, baseline and ONNX parity. */
export function modelCardDetails(
  dataset: ValidatedDataset,
  split: SplitDataset,
  metrics: ModelMetrics,
  exported: ExportedModel,
): ModelCardDetails {
  const baselineKey = dataset.task === 'regression' ? 'baselineMse' : 'baselineAccuracy';
  return {
    split,
    baseline: {
      name: dataset.task === 'regression' ? 'predict the training mean' : 'predict the majority class',
      metrics: { [baselineKey.replace('baseline', 'validation')]: metrics[baselineKey] },
    },
    onnxParityMaxAbsDiff: exported.maxAbsDiff,
  };
}
