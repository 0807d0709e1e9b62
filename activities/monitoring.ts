import path from 'node:path';
import { activityInfo, ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { onnx } from 'onnx-proto';
import { parseMonitorSettings, type MonitorSettings } from '../config/monitor';
import type { ReferenceHistogram } from '../lib/data/histogram';
import { computeDrift, DriftReferenceError, type DriftMetric, type DriftReport } from '../lib/drift';
import { featureLogFile } from '../serving/feature-log';
import { ArtifactNotFoundError, type ArtifactStore } from '../stores/artifact-store';
import type { ModelVersion, Registry } from '../stores/registry';
import type { CheckRequest, DriftCheckInput, EnsureMonitorResult, MonitorCursor } from '../workflows/monitor-defs';
import type { DriftMetrics, DriftSample } from './drift-metrics';
import { readFeatureLogWindow } from './feature-log-reader';
import { checkMonitorNow, startMonitor } from './monitor-client';

export interface MonitoringDependencies {
  registry: Registry;
  store: ArtifactStore;
  /** Root of the serving feature logs: `<dir>/<model>/<version>.jsonl`. */
  featureLogDir: string;
  /** The worker process's drift gauges (served on its `/metrics`); none: not exported. */
  driftMetrics?: DriftMetrics;
  /** Starts and signals monitors; default: the worker's own client. */
  client?: Client;
}

export interface DriftWindowRequest {
  modelName: string;
  cursor: MonitorCursor;
  settings: Pick<MonitorSettings, 'metric' | 'smoothing' | 'aggregate' | 'minWindowRows' | 'maxWindowRows'>;
}

/** A window's drift, without its rows: only this travels through the monitor's history. */
export interface DriftWindowResult {
  windowEnd: string;
  version: number | null;
  /** Where the next window starts (offset 0 of the new version's log when the serving version changed). */
  cursor: MonitorCursor;
  versionChanged: boolean;
  rows: number;
  metric: DriftMetric;
  score: number;
  features: Record<string, number>;
  /** Features with live values missing (null, NaN, wrong type) or of categories unseen in training, by count. */
  missing: Record<string, number>;
  unseen: Record<string, number>;
  skipped?: string;
  malformedLines: number;
  partialLine: boolean;
}

const REFERENCE_KEY = 'reference_histograms';

type Reference = Record<string, ReferenceHistogram>;

function nonRetryable(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

export function createMonitoringActivities(deps: MonitoringDependencies) {
  const { registry, store, featureLogDir } = deps;
  /** References by ONNX artifact hash: the artifact never changes, so it is read and parsed once per process. */
  const references = new Map<string, Reference>();

  const referenceOf = async (version: ModelVersion): Promise<Reference> => {
    const cached = references.get(version.artifact.hash);
    if (cached) return cached;
    const label = `${version.name} v${version.version}`;
    const bytes = await store.get(version.artifact.hash).catch((err: Error) => {
      if (err instanceof ArtifactNotFoundError) {
        throw nonRetryable(
          `${label}: its ONNX artifact ${version.artifact.hash} is missing from the artifact store, so there is no training reference to monitor drift against; re-run the lifecycle to export it again`,
          'ArtifactMissingError',
        );
      }
      throw err;
    });
    const meta = onnx.ModelProto.decode(bytes).metadataProps.find((p) => p.key === REFERENCE_KEY)?.value;
    let reference: unknown;
    try {
      reference = meta ? JSON.parse(meta) : undefined;
    } catch {
      reference = undefined;
    }
    if (typeof reference !== 'object' || reference === null || Object.keys(reference).length === 0) {
      throw nonRetryable(
        `${label} has no training reference for drift monitoring: its ONNX model (artifact ${version.artifact.hash.slice(0, 12)}…) ` +
          `has no usable "${REFERENCE_KEY}" metadata. Train and deploy a version with the lifecycle (mlops run), which ` +
          `stores the training histograms in the model, or stop monitoring this model (mlops monitor stop ${version.name}).`,
        'DriftReferenceMissingError',
      );
    }
    references.set(version.artifact.hash, reference as Reference);
    return reference as Reference;
  };

  const clientOf = (): Client => deps.client ?? Context.current().client;

  return {
    /**
     * Reads the next window of the serving version's feature log from the monitor's cursor and compares it with the
     * version's training reference. Returns the drift report and the new cursor, never the rows.
     */
    async checkDriftWindow(request: DriftWindowRequest): Promise<DriftWindowResult> {
      const { modelName, cursor, settings } = request;
      const windowEnd = new Date().toISOString();
      const empty = { rows: 0, score: 0, features: {}, missing: {}, unseen: {}, malformedLines: 0, partialLine: false };
      const serving = await registry.getServing(modelName);
      if (!serving) {
        return {
          ...empty,
          windowEnd,
          version: null,
          cursor: { version: null, offset: 0 },
          versionChanged: cursor.version !== null,
          metric: settings.metric,
          skipped: 'no version serves',
        };
      }
      const versionChanged = cursor.version !== serving.version;
      const offset = versionChanged ? 0 : cursor.offset;
      const version = await registry.get(modelName, serving.version);
      if (!version) {
        throw nonRetryable(
          `${modelName} v${serving.version} serves but is not in the registry; deploy a registered version`,
          'ModelVersionNotFoundError',
        );
      }
      const reference = await referenceOf(version);
      const file = featureLogFile(featureLogDir, modelName, serving.version);
      const window = await readFeatureLogWindow(file, offset, settings.maxWindowRows, Object.keys(reference));
      let report: DriftReport;
      try {
        report = computeDrift(reference, window.columns, {
          metric: settings.metric,
          smoothing: settings.smoothing,
          aggregate: settings.aggregate,
          minWindowRows: settings.minWindowRows,
        });
      } catch (err) {
        if (err instanceof DriftReferenceError) {
          throw nonRetryable(`${modelName} v${serving.version}: ${err.message}`, 'DriftReferenceMissingError');
        }
        throw err;
      }
      const skipped = !window.fileFound
        ? `no feature log yet (${path.relative(featureLogDir, file)})`
        : report.skipped?.reason;
      const pick = (key: 'missing' | 'unseen') =>
        Object.fromEntries(report.features.filter((f) => f[key] > 0).map((f) => [f.feature, f[key]]));
      return {
        windowEnd,
        version: serving.version,
        cursor: { version: serving.version, offset: window.offset },
        versionChanged,
        rows: window.rows,
        metric: report.metric,
        score: report.score,
        features: Object.fromEntries(report.features.map((f) => [f.feature, f[report.metric]])),
        missing: pick('missing'),
        unseen: pick('unseen'),
        ...(skipped ? { skipped } : {}),
        malformedLines: window.malformedLines,
        partialLine: window.partialLine,
      };
    },

    /** Sets the worker's drift gauges (`mlops_drift_score`, `mlops_feature_drift`) and counts alarms. */
    async exportDriftMetrics(sample: DriftSample): Promise<void> {
      deps.driftMetrics?.record(sample);
    },

    /**
     * Starts the model's monitor unless it runs (then it keeps its settings). The lifecycle calls it after a deploy;
     * the monitor runs on this activity's task queue.
     */
    async ensureMonitor(input: { modelName: string; settings?: unknown }): Promise<EnsureMonitorResult> {
      const settings = checkedSettings(input.settings);
      const handle = await startMonitor(clientOf(), activityInfo().taskQueue, { modelName: input.modelName, settings });
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },

    /** Signals the model's monitor to read a window now, starting it first when it does not run (signal-with-start). */
    async triggerDriftCheck(input: DriftCheckInput & { reason?: string }): Promise<EnsureMonitorResult> {
      const settings = checkedSettings(input.settings);
      const request: CheckRequest = { reason: input.reason ?? 'drift check' };
      const handle = await checkMonitorNow(
        clientOf(),
        activityInfo().taskQueue,
        { modelName: input.modelName, settings },
        request,
      );
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
  };
}

/** Settings with defaults; bad ones fail the activity at once, naming the field. */
function checkedSettings(input: unknown): MonitorSettings {
  try {
    return parseMonitorSettings(input);
  } catch (err) {
    throw nonRetryable((err as Error).message, 'MonitorConfigError');
  }
}
