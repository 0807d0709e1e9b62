import { DatasetReadError } from '../lib/data/cells';
import { FeedbackError, feedbackRowsFromTable, parseFeedbackLines, type FeedbackRow } from '../lib/data/feedback';
import { parseCsvTable } from '../lib/data/parse-csv';
import type { DatasetSchema } from '../lib/data/table';
import type { FeedbackStore } from '../stores/feedback-store';
import type { ModelVersion, Registry } from '../stores/registry';

export interface AppendFeedbackRequest {
  modelName: string;
  /** The file's text: CSV with a header (one column per feature, one for the label) or JSON lines. */
  content: string;
  /** The file's name, for messages; its extension gives the format unless `format` is set. */
  source: string;
  format?: 'csv' | 'jsonl';
  /** CSV: the column holding each row's observation time (default: every row is stamped with the time of appending). */
  timestampColumn?: string;
  /** The version whose features the rows must fit (default: the serving version, else the latest). */
  version?: number;
}

export interface AppendFeedbackResult {
  modelName: string;
  /** The version the rows were checked against. */
  version: number;
  appended: number;
  ignoredColumns: string[];
  /** JSON lines: the input's last line was incomplete and skipped. */
  truncatedLastLine: boolean;
  file: string;
}

export interface FeedbackDependencies {
  registry: Registry;
  feedback: FeedbackStore;
}

/** The feature schema and label of a version, as feedback rows must give them. */
export function feedbackSchemaOf(version: ModelVersion): DatasetSchema {
  return {
    features: version.features.map((f) => ({
      name: f.name,
      type: f.type as DatasetSchema['features'][number]['type'],
    })),
    target: { name: version.target.name, type: version.target.type as DatasetSchema['target']['type'] },
  };
}

async function versionFor(registry: Registry, modelName: string, version?: number): Promise<ModelVersion> {
  const wanted = version ?? (await registry.getServing(modelName))?.version;
  const found = wanted !== undefined ? await registry.get(modelName, wanted) : (await registry.list(modelName)).at(-1);
  if (!found) {
    throw new FeedbackError(
      wanted !== undefined
        ? `model "${modelName}" has no version ${wanted} in the registry`
        : `model "${modelName}" has no registered version; train one (mlops run) before adding feedback`,
    );
  }
  return found;
}

/**
 * Checks labelled rows against the model's features and appends them to its feedback store in one write. Every
 * row is checked before anything is written: a bad value fails the whole file, naming the row (or line) and column.
 */
export async function appendFeedbackRows(
  { registry, feedback }: FeedbackDependencies,
  request: AppendFeedbackRequest,
  now = new Date().toISOString(),
): Promise<AppendFeedbackResult> {
  const version = await versionFor(registry, request.modelName, request.version);
  const schema = feedbackSchemaOf(version);
  const format = request.format ?? (/\.csv$/i.test(request.source) ? 'csv' : 'jsonl');
  let rows: FeedbackRow[];
  let ignoredColumns: string[] = [];
  let truncatedLastLine = false;
  if (format === 'csv') {
    let table;
    try {
      table = parseCsvTable(request.content, request.source);
    } catch (err) {
      if (err instanceof DatasetReadError) throw new FeedbackError(err.message);
      throw err;
    }
    ({ rows, ignoredColumns } = feedbackRowsFromTable(table, schema, request.source, {
      timestampColumn: request.timestampColumn,
      now,
    }));
  } else {
    if (request.timestampColumn) {
      throw new FeedbackError(`${request.source}: --timestamp-column is for CSV; JSON lines carry "timestamp"`);
    }
    ({ rows, truncatedLastLine } = parseFeedbackLines(request.content, schema, request.source, now));
  }
  if (rows.length === 0) throw new FeedbackError(`${request.source}: no rows to append`);
  await feedback.append(
    request.modelName,
    rows.map((r) => JSON.stringify(r)),
  );
  return {
    modelName: request.modelName,
    version: version.version,
    appended: rows.length,
    ignoredColumns,
    truncatedLastLine,
    file: feedback.location(request.modelName),
  };
}
