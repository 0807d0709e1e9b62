import { activityInfo } from '@temporalio/activity';
import { renderModelCard } from '../lib/reports/model-card';
import type { DatasetStatistics } from '../lib/data/validation-report';
import type { ArtifactStore } from '../stores/artifact-store';
import type { SplitDataset } from './data';
import type { ModelVersion, NewModelVersion, Registry } from '../stores/registry';

export interface ModelCardDetails {
  split: SplitDataset;
  baseline: { name: string; metrics: Record<string, number> };
  onnxParityMaxAbsDiff: number;
}

/** Training-row ranges of numeric features and class counts of a categorical target, from the stored statistics. */
async function trainingFacts(store: ArtifactStore, version: ModelVersion) {
  if (!version.trainingStatistics) return { ranges: {}, classCounts: undefined };
  const stats = (await store.getJson<DatasetStatistics>(version.trainingStatistics.hash)).columns;
  const ranges: Record<string, { min: number; max: number }> = {};
  for (const [name, s] of Object.entries(stats)) {
    if (s.type === 'numeric' && s.min !== null && s.max !== null) ranges[name] = { min: s.min, max: s.max };
  }
  const target = stats[version.target.name];
  return { ranges, classCounts: target?.type === 'categorical' ? target.categories : undefined };
}

export interface WrittenModelCard {
  path: string;
  hash: string;
}

export function createRegistryActivities({ registry, store }: { registry: Registry; store: ArtifactStore }) {
  return {
    /** Idempotent per run: a retried or replayed registration returns the version already recorded. */
    async registerModelVersion(entry: Omit<NewModelVersion, 'runKey'>): Promise<ModelVersion> {
      const info = activityInfo();
      const execution = info.workflowExecution;
      const runKey = execution ? `${execution.workflowId}/${execution.runId}` : `activity/${info.activityId}`;
      return registry.register({ ...entry, runKey });
    },

    /** The model card (markdown), stored content-addressed and beside the version's registry entry. */
    async writeModelCard(version: ModelVersion, details: ModelCardDetails): Promise<WrittenModelCard> {
      const facts = await trainingFacts(store, version);
      const [workflowId, runId] = [version.runKey.split('/').slice(0, -1).join('/'), version.runKey.split('/').at(-1)];
      const markdown = renderModelCard({
        name: version.name,
        version: version.version,
        createdAt: version.createdAt,
        modelType: version.modelType,
        task: version.task,
        intendedUse: `Predict "${version.target.name}" from ${version.features.map((f) => f.name).join(', ')} for rows like those of ${version.dataset.source}.`,
        data: {
          source: version.dataset.source,
          sha256: version.dataset.hash,
          rows: version.dataset.rows,
          split: { train: details.split.trainRows, validation: details.split.validationRows },
          features: version.features.map((f) => ({ ...f, ...facts.ranges[f.name] })),
          target: version.target,
          classCounts: facts.classCounts,
        },
        hyperparameters: version.hyperparameters,
        metrics: version.metrics,
        baseline: details.baseline,
        onnxParity: { maxAbsDiff: details.onnxParityMaxAbsDiff, tolerance: 1e-5 },
        lineage: { workflowId, runId: runId ?? '' },
      });
      const ref = await store.put(markdown);
      const path = await registry.attach(version.name, version.version, 'card.md', markdown);
      return { path, hash: ref.hash };
    },
  };
}
