import { ApplicationFailure } from '@temporalio/activity';
import { ConfigError, type LifecycleConfig, type LifecycleConfigInput } from '../config/project';
import { resolveLifecycleConfig } from '../config/resolve';
import {
  MIN_FEEDBACK_REFERENCE_ROWS,
  parseRetrainSettings,
  RetrainConfigError,
  type RetrainMetric,
  type RetrainSettings,
} from '../config/retrain';
import { FeedbackError, parseFeedbackLines, type FeedbackRow } from '../lib/data/feedback';
import type { DatasetFormat } from '../lib/data/schema-config';
import { validateHyperparameters, type SearchSpace } from '../lib/models/search-space';
import { defaultHoldoutMetric, holdoutMetrics, holdoutMetricsFor, judgeChallenger } from '../lib/retrain/compare';
import { feedbackWindow, mergedRecords, splitHoldout } from '../lib/retrain/feedback-window';
import { runBatches } from '../serving/inference';
import { loadServedModel } from '../serving/model';
import { parsePredictRequest, predictions } from '../serving/rows';
import { ArtifactNotFoundError, sha256, type ArtifactStore } from '../stores/artifact-store';
import type { FeedbackStore } from '../stores/feedback-store';
import type { ModelVersion, Registry, RetrainLineage } from '../stores/registry';
import { sweepSettingsFrom, type ParamValues, type SweepSettings } from '../workflows/sweep-defs';
import { artifactDatasetSource, readDatasetFile } from './dataset-source';
import { feedbackSchemaOf } from './feedback';
import { DatasetReadError, readTable } from './readers';

export interface RetrainPlanRequest {
  modelName: string;
  championVersion: number;
  /** Overrides of the champion config's `retrain` section. */
  settings?: unknown;
}

/** What a retrain trains the challenger on and how it judges it, resolved once at its start. */
export interface RetrainPlan {
  task: 'regression' | 'classification';
  /** The champion's config with the merged dataset snapshot as its source. */
  config: LifecycleConfig;
  settings: RetrainSettings;
  metric: RetrainMetric;
  champion: { version: number; artifactHash: string };
  baseDataset: RetrainLineage['baseDataset'];
  feedback: RetrainLineage['feedback'] & { holdoutHash: string; truncatedLastLine: boolean };
  /** The warm-started sweep; absent when the family is not tuned (the challenger refits with the champion's θ). */
  sweep?: SweepSettings;
  /** The version serving when the retrain started (null: none). */
  servingVersion: number | null;
  /** Where the challenger's drift reference comes from (`rowsHash`: the feedback training rows, FeedbackRow[] JSON). */
  reference?: { source: 'feedback' | 'training'; rows: number; rowsHash?: string };
  /**
   * The champion was trained on exactly this snapshot (no labelled row arrived since the retrain that made it): a
   * challenger would be the same model. `championHoldout` is then its holdout metrics from that retrain.
   */
  unchanged?: { championHoldout: Record<string, number> };
}

export interface HoldoutRequest {
  modelName: string;
  holdoutHash: string;
  metric: RetrainMetric;
  margin: number;
  champion: { version: number; artifactHash: string };
  challenger: { artifactHash: string };
}

export interface HoldoutComparison {
  metric: RetrainMetric;
  margin: number;
  rows: number;
  champion: Record<string, number>;
  challenger: Record<string, number>;
  better: boolean;
  improvement: number;
  reason: string;
}

export interface RetrainDependencies {
  store: ArtifactStore;
  registry: Registry;
  feedback: FeedbackStore;
}

const nonRetryable = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

/** The champion's config: as stored with it, or rebuilt from its lineage for versions registered before that. */
function championConfig(version: ModelVersion): LifecycleConfig {
  const { seed, ...hyperparameters } = version.hyperparameters;
  const input: LifecycleConfigInput = (version.config as LifecycleConfigInput | undefined) ?? {
    modelName: version.name,
    dataset: {
      source: version.dataset.source,
      target: version.target.name,
      features: feedbackSchemaOf(version).features,
    },
    model: {
      type: version.modelType as LifecycleConfig['model']['type'],
      hyperparameters,
      ...(typeof seed === 'number' ? { seed } : {}),
    },
  };
  try {
    return resolveLifecycleConfig(input);
  } catch (err) {
    throw nonRetryable(`${version.name} v${version.version}: its config: ${(err as Error).message}`, 'ConfigError');
  }
}

/** Overrides merged over the champion's `retrain` section, field by field. */
function mergeSettings(base: unknown, overrides: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) merged[key] = mergeSettings(base[key], value);
  return merged;
}

/** The champion's tuned hyperparameters as a point of the sweep's space, or undefined when outside it. */
function championPoint(space: SearchSpace, hyperparameters: Record<string, number | string>): ParamValues | undefined {
  const values = Object.fromEntries(Object.keys(space).map((name) => [name, hyperparameters[name]]));
  try {
    return validateHyperparameters(space, {}, values);
  } catch {
    return undefined;
  }
}

/** Rows predicted by an ONNX model as the model server predicts them (raw features in). */
async function predictRows(bytes: Uint8Array, name: string, version: string, rows: FeedbackRow[]) {
  const model = await loadServedModel(bytes, name, version);
  try {
    const batch = parsePredictRequest({ rows: rows.map((r) => r.features) }, model, rows.length);
    const [outputs] = await runBatches(model, [batch]);
    return predictions(model, batch.rows, outputs);
  } finally {
    await model.session.release();
  }
}

export function createRetrainActivities({ store, registry, feedback }: RetrainDependencies) {
  /** The lineage's original training data: bytes from the artifact store, else the source file if unchanged. */
  async function baseContent(base: RetrainLineage['baseDataset']): Promise<Buffer> {
    try {
      return await store.get(base.hash);
    } catch (err) {
      if (!(err instanceof ArtifactNotFoundError)) throw err;
    }
    const content = await readDatasetFile(base.source).catch((err: Error) => {
      throw nonRetryable(`the champion's training data: ${err.message}`, 'DatasetNotFoundError');
    });
    if (sha256(content) !== base.hash) {
      throw nonRetryable(
        `the champion's training data "${base.source}" changed since it trained (sha256 ${base.hash}), and no snapshot of it is in the artifact store`,
        'DatasetNotFoundError',
      );
    }
    return content;
  }

  return {
    /**
     * Gathers the challenger's data: the champion lineage's training rows plus the labelled feedback rows in the
     * window, minus the newest `holdoutFraction` of them (the fresh holdout, stored apart), as a new dataset
     * snapshot; and the warm-started sweep (first trial: the champion's hyperparameters).
     */
    async planRetrain(request: RetrainPlanRequest): Promise<RetrainPlan> {
      const { modelName, championVersion } = request;
      const version = await registry.get(modelName, championVersion).catch((err: Error) => {
        throw nonRetryable(`model name: ${err.message}`, 'ModelVersionNotFoundError');
      });
      if (!version) {
        throw nonRetryable(
          `model "${modelName}" has no version ${championVersion} in the registry; retrain a registered version`,
          'ModelVersionNotFoundError',
        );
      }
      const champion = championConfig(version);
      let settings: RetrainSettings;
      try {
        settings = parseRetrainSettings(mergeSettings(champion.retrain ?? {}, request.settings));
      } catch (err) {
        if (err instanceof RetrainConfigError || err instanceof ConfigError) {
          throw nonRetryable(err.message, 'ConfigError');
        }
        throw err;
      }
      const metric = settings.metric ?? defaultHoldoutMetric(version.task);
      const fitting = holdoutMetricsFor(version.task);
      if (!fitting.includes(metric)) {
        throw nonRetryable(
          `retrain.metric: "${metric}" does not fit a ${version.task} model; use one of ${fitting.join(', ')}`,
          'ConfigError',
        );
      }
      const schema = feedbackSchemaOf(version);

      const location = feedback.location(modelName);
      let parsed;
      try {
        parsed = parseFeedbackLines(await feedback.read(modelName), schema, location, version.createdAt);
      } catch (err) {
        if (err instanceof FeedbackError) throw nonRetryable(err.message, 'FeedbackError');
        throw err;
      }
      const window = feedbackWindow(parsed.rows, settings.feedback);
      if (window.length < settings.minFeedbackRows) {
        const scope = settings.feedback.lookbackDays
          ? ` within ${settings.feedback.lookbackDays} days of the newest row`
          : '';
        throw nonRetryable(
          `model "${modelName}": need ≥ ${settings.minFeedbackRows} labelled rows${scope}, have ${window.length} (${location}); ` +
            `append labels with mlops feedback ${modelName} --file rows.csv (or lower retrain.minFeedbackRows)`,
          'NotEnoughFeedbackError',
        );
      }
      const { training, holdout } = splitHoldout(window, settings.holdoutFraction);

      const baseDataset = version.retrain?.baseDataset ?? {
        source: version.dataset.source,
        hash: version.dataset.hash,
        format: champion.dataset.format,
        ...(champion.dataset.maxRows !== undefined ? { maxRows: champion.dataset.maxRows } : {}),
      };
      const base = await readTable(
        await baseContent(baseDataset),
        baseDataset.format as DatasetFormat,
        baseDataset.source,
        { maxRows: baseDataset.maxRows },
      ).catch((err: Error) => {
        throw err instanceof DatasetReadError ? nonRetryable(err.message, 'DatasetParseError') : err;
      });
      const timeColumn = champion.dataset.timeColumn;
      let records;
      try {
        records = mergedRecords(base, schema, training, timeColumn);
      } catch (err) {
        throw nonRetryable(
          `the champion's training data "${baseDataset.source}": ${(err as Error).message}`,
          'DatasetSchemaError',
        );
      }
      const snapshot = await store.putJson(records);
      const holdoutRef = await store.putJson(holdout);
      const reference: RetrainPlan['reference'] =
        settings.reference === 'feedback' && training.length >= MIN_FEEDBACK_REFERENCE_ROWS
          ? { source: 'feedback', rows: training.length, rowsHash: (await store.putJson(training)).hash }
          : { source: 'training', rows: records.length };

      let config: LifecycleConfig;
      try {
        config = resolveLifecycleConfig({
          ...(champion as LifecycleConfigInput),
          modelName,
          dataset: {
            source: artifactDatasetSource(snapshot.hash),
            format: 'json',
            target: schema.target.name,
            features: schema.features,
            ...(timeColumn ? { timeColumn } : {}),
          },
          retrain: settings,
        });
      } catch (err) {
        throw nonRetryable((err as Error).message, 'ConfigError');
      }

      let sweep: SweepSettings | undefined;
      if (settings.sweep.enabled ?? champion.sweep.enabled) {
        const tuning = sweepSettingsFrom(config);
        const point = championPoint(tuning.space, config.model.hyperparameters);
        sweep = {
          ...tuning,
          maxTrials: settings.sweep.maxTrials,
          initialTrials: settings.sweep.initialTrials,
          ...(point ? { initialPoints: [point] } : {}),
        };
      }
      return {
        task: version.task,
        config,
        settings,
        metric,
        champion: { version: championVersion, artifactHash: version.artifact.hash },
        baseDataset,
        feedback: {
          rows: window.length,
          trainingRows: training.length,
          holdoutRows: holdout.length,
          from: window[0].timestamp,
          to: window[window.length - 1].timestamp,
          holdoutHash: holdoutRef.hash,
          truncatedLastLine: parsed.truncatedLastLine,
        },
        ...(sweep ? { sweep } : {}),
        servingVersion: (await registry.getServing(modelName))?.version ?? null,
        reference,
        ...(version.dataset.hash === snapshot.hash
          ? { unchanged: { championHoldout: version.retrain?.holdout.challenger ?? {} } }
          : {}),
      };
    },

    /** Champion and challenger ONNX models on the same fresh holdout rows; the challenger must win by the margin. */
    async compareOnHoldout(request: HoldoutRequest): Promise<HoldoutComparison> {
      const holdout = await store.getJson<FeedbackRow[]>(request.holdoutHash);
      const labels = holdout.map((r) => r.label);
      const score = async (hash: string, version: string) => {
        const bytes = await store.get(hash);
        try {
          // Rows the model cannot take, or no usable prediction, fail the same way on every retry.
          return holdoutMetrics(labels, await predictRows(bytes, request.modelName, version, holdout));
        } catch (err) {
          throw nonRetryable(
            `${request.modelName} ${version} on the holdout: ${(err as Error).message}`,
            'HoldoutError',
          );
        }
      };
      const champion = await score(request.champion.artifactHash, String(request.champion.version));
      const challenger = await score(request.challenger.artifactHash, 'challenger');
      const pick = (m: Record<string, number>) => m[request.metric] ?? NaN;
      const verdict = judgeChallenger(request.metric, pick(champion), pick(challenger), request.margin);
      return { metric: request.metric, margin: request.margin, rows: holdout.length, champion, challenger, ...verdict };
    },
  };
}
