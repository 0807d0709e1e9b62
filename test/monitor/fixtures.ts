import fs from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { resolveDatasetPath } from '../../activities/dataset-source';
import { paths } from '../../config/paths';
import { SEATTLE_DATASET } from '../../config/project';
import { referenceHistogram } from '../../lib/data/histogram';
import { parseCsvTable } from '../../lib/data/parse-csv';
import { resolveSchema } from '../../lib/data/schema';
import type { Cell } from '../../lib/data/table';
import type { ModelVersion } from '../../stores/registry';
import { registerVersion, seattleOnnx, stores } from '../deploy/fixtures';
import { seededRandom } from '../helpers/random';

type Row = Record<string, number | string | null>;

/** The Seattle weather rows as the serving feature log would record them (ISO dates). */
export function seattleRows(): Row[] {
  const source = 'vega-datasets:seattle-weather.csv';
  const table = parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
  const names = ['date', 'precipitation', 'temp_min', 'wind', 'weather'];
  return Array.from({ length: table.rowCount }, (_, r) =>
    Object.fromEntries(names.map((n) => [n, table.data[n][r] as number | string | null])),
  );
}

/**
 * The Seattle ridge model (trained once per test file) with `reference_histograms` of every Seattle row in its
 * metadata, as the lifecycle's export stores them; `withReference: false` gives the model without them.
 */
export function seattleOnnxWithReference(dir: string, withReference = true): Uint8Array {
  const bytes = seattleOnnx(dir);
  if (!withReference) return bytes;
  const source = 'vega-datasets:seattle-weather.csv';
  const table = parseCsvTable(fs.readFileSync(resolveDatasetPath(source)), source);
  const schema = resolveSchema(table, { target: SEATTLE_DATASET.target, features: SEATTLE_DATASET.features });
  const reference = Object.fromEntries(
    schema.features.map((f) => [f.name, referenceHistogram(f, table.data[f.name] as Cell[])]),
  );
  const model = onnx.ModelProto.decode(bytes);
  model.metadataProps.push(
    onnx.StringStringEntryProto.create({ key: 'reference_histograms', value: JSON.stringify(reference) }),
  );
  return onnx.ModelProto.encode(model).finish();
}

/** Registers a version of `name` and records it as serving (no process runs: the monitor reads only files). */
export async function serveVersion(name: string, bytes: Uint8Array, runKey: string): Promise<ModelVersion> {
  const version = await registerVersion(name, bytes, runKey);
  await stores().registry.setServing(name, {
    version: version.version,
    endpoint: 'http://127.0.0.1:9',
    workflowId: `test/${runKey}`,
  });
  return version;
}

export function featureLogFile(name: string, version: number): string {
  return path.join(paths.featureLogs(), name, `${version}.jsonl`);
}

/** Appends rows to the version's feature log as the model server writes them; returns the text written. */
export function appendRows(name: string, version: number, rows: Row[], tail = ''): string {
  const file = featureLogFile(name, version);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const timestamp = new Date().toISOString();
  const text = rows.map((features) => JSON.stringify({ timestamp, features, prediction: 10 })).join('\n') + '\n' + tail;
  fs.appendFileSync(file, text);
  return text;
}

/** `count` rows drawn from the Seattle data: the training distribution, so no drift. */
export function liveRows(count: number, seed = 1): Row[] {
  const rows = seattleRows();
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => rows[Math.floor(random() * rows.length)]);
}

/** Rows from a warmer, snowier world: temp_min 15 °C up, every day 'snow', dates years later. */
export function driftedRows(count: number, seed = 2): Row[] {
  return liveRows(count, seed).map((row) => ({
    ...row,
    temp_min: (row.temp_min as number) + 15,
    weather: 'snow',
    date: '2024-07-01',
  }));
}
