import type { FeedbackRow } from '../data/feedback';
import type { Cell, DatasetSchema, Table } from '../data/table';

const MS_PER_DAY = 86_400_000;

/** Feedback rows ordered by timestamp (rows with equal timestamps keep their order in the file). */
export function byTimestamp(rows: readonly FeedbackRow[]): FeedbackRow[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) =>
      a.row.timestamp < b.row.timestamp ? -1 : a.row.timestamp > b.row.timestamp ? 1 : a.index - b.index,
    )
    .map((e) => e.row);
}

/**
 * The recent rows a retrain learns from, oldest first: at most `lookbackDays` older than the newest row, and at
 * most the newest `maxRows`. The window is measured from the newest row, not the clock, so replays and backfilled
 * labels give the same window.
 */
export function feedbackWindow(
  rows: readonly FeedbackRow[],
  window: { lookbackDays?: number; maxRows?: number },
): FeedbackRow[] {
  let sorted = byTimestamp(rows);
  if (sorted.length === 0) return sorted;
  if (window.lookbackDays !== undefined) {
    const newest = Date.parse(sorted[sorted.length - 1].timestamp);
    const from = newest - window.lookbackDays * MS_PER_DAY;
    sorted = sorted.filter((r) => Date.parse(r.timestamp) >= from);
  }
  if (window.maxRows !== undefined && sorted.length > window.maxRows) sorted = sorted.slice(-window.maxRows);
  return sorted;
}

/** The newest `fraction` of the rows (at least one) are the holdout; the rest (at least one) train. */
export function splitHoldout(
  sorted: readonly FeedbackRow[],
  fraction: number,
): { training: FeedbackRow[]; holdout: FeedbackRow[] } {
  if (sorted.length < 2) throw new RangeError(`a holdout split needs at least 2 rows, got ${sorted.length}`);
  const holdoutRows = Math.min(sorted.length - 1, Math.max(1, Math.round(sorted.length * fraction)));
  const cut = sorted.length - holdoutRows;
  return { training: sorted.slice(0, cut), holdout: sorted.slice(cut) };
}

/**
 * The base training rows followed by the feedback rows, as JSON records with only the model's columns (features,
 * target and, when it is no feature, the time column, which feedback rows fill with their timestamp).
 */
export function mergedRecords(
  base: Table,
  schema: DatasetSchema,
  feedback: readonly FeedbackRow[],
  timeColumn?: string,
): Record<string, Cell>[] {
  const featureNames = schema.features.map((f) => f.name);
  const extraTime = timeColumn && !featureNames.includes(timeColumn) ? timeColumn : undefined;
  const columns = [...featureNames, schema.target.name, ...(extraTime ? [extraTime] : [])];
  const missing = columns.filter((c) => !base.columns.includes(c));
  if (missing.length > 0)
    throw new RangeError(`the base dataset has no column ${missing.map((m) => `"${m}"`).join(', ')}`);
  const records: Record<string, Cell>[] = [];
  for (let r = 0; r < base.rowCount; r++) {
    records.push(Object.fromEntries(columns.map((c) => [c, base.data[c][r]])));
  }
  for (const row of feedback) {
    records.push({
      ...row.features,
      [schema.target.name]: row.label,
      ...(extraTime ? { [extraTime]: row.timestamp } : {}),
    });
  }
  return records;
}
