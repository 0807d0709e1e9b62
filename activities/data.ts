import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { parse } from 'csv-parse/sync';
import { ConfigError, LifecycleConfig, parseLifecycleConfig } from '../config/project';
import type { NumericDataset, RawTable } from '../lib/data/dataset';
import { randomSplit, takeRows } from '../lib/data/split';
import { formatIssues, validateNumericDataset, ValidationIssue } from '../lib/data/validate';
import type { ArtifactStore } from '../stores/artifact-store';
import { readDatasetFile } from './dataset-source';

export interface IngestedDataset {
  source: string;
  /** SHA-256 of the file as read: the dataset version recorded in model lineage. */
  hash: string;
  bytes: number;
}

export interface ValidatedDataset {
  /** Artifact holding the numeric dataset (features + target). */
  hash: string;
  rows: number;
  /** Artifact holding the validation report. */
  reportHash: string;
}

export interface SplitDataset {
  trainHash: string;
  validationHash: string;
  trainRows: number;
  validationRows: number;
}

export interface ValidationReport {
  source: string;
  datasetHash: string;
  rows: number;
  columns: string[];
  ok: boolean;
  issues: ValidationIssue[];
}

function parseCsv(content: Buffer, source: string): RawTable {
  try {
    const records = parse(content, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<
      string,
      string
    >[];
    const header = parse(content, { to_line: 1, bom: true, trim: true }) as string[][];
    return { columns: header[0] ?? [], rows: records };
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `dataset.source "${source}" is not valid CSV: ${(err as Error).message}`,
      'DatasetParseError',
    );
  }
}

export function createDataActivities({ store }: { store: ArtifactStore }) {
  return {
    /** Checks a config sent by any client; a bad field fails the run at once with the field named. */
    async resolveConfig(input: unknown): Promise<LifecycleConfig> {
      try {
        return parseLifecycleConfig(input);
      } catch (err) {
        if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, 'ConfigError');
        throw err;
      }
    },

    /** Reads the source file once and snapshots it in the artifact store, so later steps see one version. */
    async ingestDataset(config: LifecycleConfig): Promise<IngestedDataset> {
      const content = await readDatasetFile(config.dataset.source).catch((err: Error) => {
        throw ApplicationFailure.nonRetryable(err.message, 'DatasetNotFoundError');
      });
      const ref = await store.put(content);
      return { source: config.dataset.source, hash: ref.hash, bytes: ref.size };
    },

    /** Schema, missing values and numeric types; a failing dataset fails the run with the readable report. */
    async validateDataset(dataset: IngestedDataset, config: LifecycleConfig): Promise<ValidatedDataset> {
      const table = parseCsv(await store.get(dataset.hash), dataset.source);
      heartbeat();
      const result = validateNumericDataset(table, { features: config.features, target: config.target });
      const report: ValidationReport = {
        source: dataset.source,
        datasetHash: dataset.hash,
        rows: table.rows.length,
        columns: table.columns,
        ok: result.ok,
        issues: result.ok ? [] : result.issues,
      };
      const reportRef = await store.putJson(report);
      if (!result.ok) {
        throw ApplicationFailure.create({
          nonRetryable: true,
          type: 'DatasetValidationError',
          message: `dataset "${dataset.source}" failed validation:\n${formatIssues(result.issues)}`,
          details: [{ reportHash: reportRef.hash, issues: result.issues }],
        });
      }
      const ref = await store.putJson(result.dataset);
      return { hash: ref.hash, rows: result.dataset.target.length, reportHash: reportRef.hash };
    },

    /** Seeded random split into training and validation sets, each stored as an artifact. */
    async splitDataset(dataset: ValidatedDataset, config: LifecycleConfig): Promise<SplitDataset> {
      const data = await store.getJson<NumericDataset>(dataset.hash);
      let indices;
      try {
        indices = randomSplit(data.target.length, config.split.validationFraction, config.split.seed);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'DatasetTooSmallError');
      }
      const subset = (rows: number[]): NumericDataset => ({
        ...data,
        features: takeRows(data.features, rows),
        target: takeRows(data.target, rows),
      });
      const [train, validation] = await Promise.all([
        store.putJson(subset(indices.train)),
        store.putJson(subset(indices.validation)),
      ]);
      return {
        trainHash: train.hash,
        validationHash: validation.hash,
        trainRows: indices.train.length,
        validationRows: indices.validation.length,
      };
    },
  };
}
