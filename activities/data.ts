import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { LifecycleConfig } from '../config/project';
import { resolveLifecycleConfig } from '../config/resolve';
import { resolveSchema, SchemaError, taskOf, timeValues } from '../lib/data/schema';
import { randomSplit, SplitIndices, timeSplit } from '../lib/data/split';
import type { DatasetSchema, Table } from '../lib/data/table';
import {
  computeStatistics,
  formatReport,
  validateDataset as validateTable,
  type DatasetStatistics,
} from '../lib/data/validation-report';
import type { ArtifactStore } from '../stores/artifact-store';
import type { Registry } from '../stores/registry';
import { artifactHashOf, readDatasetFile } from './dataset-source';
import { DatasetReadError, readTable } from './readers';

export interface IngestedDataset {
  source: string;
  format: LifecycleConfig['dataset']['format'];
  /** SHA-256 of the file as read: the dataset version recorded in model lineage. */
  hash: string;
  bytes: number;
}

export interface ValidatedDataset {
  /** Artifact holding the parsed table (JSON). */
  tableHash: string;
  schema: DatasetSchema;
  task: 'regression' | 'classification';
  rows: number;
  /** Artifact holding the validation report (JSON: issues and per-column statistics). */
  reportHash: string;
  warnings: string[];
}

export interface SplitDataset {
  /** Artifact holding the row indices of both sets. */
  splitHash: string;
  method: 'random' | 'time';
  trainRows: number;
  validationRows: number;
}

const nonRetryable = (type: string) => (err: Error) => {
  throw ApplicationFailure.nonRetryable(err.message, type);
};

/** A snapshot named by an `artifact:sha256:<hash>` source; a missing one is named by the source, as files are. */
async function readArtifactDataset(store: ArtifactStore, source: string, hash: string): Promise<Buffer> {
  return store.get(hash).catch((err: Error) => {
    throw new Error(`dataset.source "${source}" cannot be read from the artifact store: ${err.message}`);
  });
}

/** The training statistics of the model's latest version, if it has one: the reference for drifted ranges. */
async function previousStatistics(store: ArtifactStore, registry: Registry, modelName: string) {
  const latest = (await registry.list(modelName)).at(-1);
  if (!latest?.trainingStatistics) return undefined;
  return {
    version: latest.version,
    statistics: await store.getJson<DatasetStatistics>(latest.trainingStatistics.hash),
  };
}

export function createDataActivities({ store, registry }: { store: ArtifactStore; registry: Registry }) {
  return {
    /** Checks a config sent by any client, hyperparameters included; a bad field fails the run, naming the field. */
    async resolveConfig(input: unknown): Promise<LifecycleConfig> {
      try {
        return resolveLifecycleConfig(input);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'ConfigError');
      }
    },

    /** Reads the source file once and snapshots it in the artifact store, so later steps see one version. */
    async ingestDataset(config: LifecycleConfig): Promise<IngestedDataset> {
      const { source, format } = config.dataset;
      const artifact = artifactHashOf(source);
      const content = await (artifact ? readArtifactDataset(store, source, artifact) : readDatasetFile(source)).catch(
        nonRetryable('DatasetNotFoundError'),
      );
      const ref = await store.put(content);
      return { source, format, hash: ref.hash, bytes: ref.size };
    },

    /**
     * Parses the snapshot, resolves the schema (declared types win, the rest is inferred) and runs the validation
     * report; a failing dataset fails the run with the readable report, which is stored either way.
     */
    async validateDataset(dataset: IngestedDataset, config: LifecycleConfig): Promise<ValidatedDataset> {
      const content = await store.get(dataset.hash);
      const options = { maxRows: config.dataset.maxRows };
      const table = await readTable(content, dataset.format, dataset.source, options).catch((err: Error) => {
        throw err instanceof DatasetReadError ? ApplicationFailure.nonRetryable(err.message, 'DatasetParseError') : err;
      });
      heartbeat();
      let schema: DatasetSchema;
      try {
        schema = resolveSchema(table, config.dataset);
      } catch (err) {
        if (err instanceof SchemaError) throw ApplicationFailure.nonRetryable(err.message, 'DatasetSchemaError');
        throw err;
      }
      // Against the previous version's training data: ranges that moved are reported (warnings by default).
      const previous = await previousStatistics(store, registry, config.modelName);
      const report = validateTable(table, schema, { reference: previous?.statistics });
      const reportRef = await store.putJson({
        source: dataset.source,
        datasetHash: dataset.hash,
        schema,
        referenceVersion: previous?.version,
        report,
      });
      if (!report.ok) {
        throw ApplicationFailure.create({
          nonRetryable: true,
          type: 'DatasetValidationError',
          message: `dataset "${dataset.source}" failed validation (report artifact ${reportRef.hash}):\n${formatReport(report)}`,
          details: [{ reportHash: reportRef.hash, issues: report.issues }],
        });
      }
      const tableRef = await store.putJson(table);
      return {
        tableHash: tableRef.hash,
        schema,
        task: taskOf(schema),
        rows: table.rowCount,
        reportHash: reportRef.hash,
        warnings: report.issues.filter((i) => i.severity === 'warning').map((i) => i.message),
      };
    },

    /** Seeded random split, or by time (the latest rows validate); the indices are stored as an artifact. */
    async splitDataset(dataset: ValidatedDataset, config: LifecycleConfig): Promise<SplitDataset> {
      const { method, validationFraction, seed } = config.split;
      const table = await store.getJson<Table>(dataset.tableHash);
      let indices: SplitIndices;
      try {
        indices =
          method === 'time'
            ? timeSplit(timeValues(table, config.dataset.timeColumn ?? ''), validationFraction)
            : randomSplit(table.rowCount, validationFraction, seed);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'DatasetTooSmallError');
      }
      const ref = await store.putJson(indices);
      return {
        splitHash: ref.hash,
        method,
        trainRows: indices.train.length,
        validationRows: indices.validation.length,
      };
    },
  };
}

/** Reference statistics of the training rows, for the model card and later drift checks. */
export function trainingStatistics(table: Table, schema: DatasetSchema, rows: number[]) {
  const subset: Table = {
    columns: table.columns,
    rowCount: rows.length,
    data: Object.fromEntries(table.columns.map((c) => [c, rows.map((r) => table.data[c][r])])),
  };
  return computeStatistics(subset, schema);
}
