import type { Table } from '../../lib/data/table';
import type { SplitIndices } from '../../lib/data/split';
import type { ArtifactStore } from '../../stores/artifact-store';
import type { ModelVersion } from '../../stores/registry';
import { runBatches } from '../../serving/inference';
import { loadServedModel } from '../../serving/model';
import { parsePredictRequest, predictions } from '../../serving/rows';
import { goldenPrediction, type GoldenSet } from '../../lib/deploy/golden';

export const GOLDEN_ATTACHMENT = 'golden.json';

/** A plain decimal kept as text by a reader becomes a number; everything else is sent as the client would. */
function rawCell(value: Table['data'][string][number], type: string): number | string | null {
  if (value === null || value === '') return null;
  if (type === 'numeric' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return value;
}

/** What the ONNX model predicts for raw rows, computed in-process exactly as the model server does. */
export async function predictInProcess(
  modelBytes: Uint8Array,
  version: ModelVersion,
  rows: GoldenSet['rows'],
): Promise<GoldenSet['expected']> {
  const model = await loadServedModel(modelBytes, version.name, String(version.version));
  try {
    const batch = parsePredictRequest({ rows }, model, rows.length);
    const [outputs] = await runBatches(model, [batch]);
    return predictions(model, batch.rows, outputs).map(goldenPrediction);
  } finally {
    await model.session.release();
  }
}

/** The first `count` validation rows (raw features) and the registered model's predictions for them. */
export async function goldenSetFromValidation(
  store: ArtifactStore,
  version: ModelVersion,
  refs: { tableHash: string; splitHash: string },
  count: number,
): Promise<GoldenSet> {
  const [table, split, bytes] = await Promise.all([
    store.getJson<Table>(refs.tableHash),
    store.getJson<SplitIndices>(refs.splitHash),
    store.get(version.artifact.hash),
  ]);
  const rows = split.validation
    .slice(0, count)
    .map((r) => Object.fromEntries(version.features.map((f) => [f.name, rawCell(table.data[f.name][r], f.type)])));
  return { rows, expected: await predictInProcess(bytes, version, rows) };
}
