/**
 * Our side of the throughput benchmark: reference histograms from the first half of flights-3m (as training builds
 * them), then the drift of the second half, as one window and as windows of WINDOW rows. Writes
 * flights-reference.json (the edges, for the Python peer) and throughput-ours.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envInt } from '../env';
import { referenceHistogram } from '../../lib/data/histogram';
import { addToBins, computeDrift, klDivergence, psi } from '../../lib/drift';
import { ROOT, timed, writeJson } from './common';

export const FLIGHTS = join(ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
/** date as epoch days (a datetime feature), delay in minutes, distance in miles. */
export const COLUMNS = ['date', 'delay', 'distance'] as const;
export const WINDOW = 10_000;
const REPEATS = envInt('DRIFT_REPEATS', 7);
const SMOOTHING = 1e-4;
const MS_PER_DAY = 86_400_000;

export interface ThroughputResult {
  side: 'ours' | 'ours, computeDrift';
  column: string;
  rows: number;
  seconds: number;
  windowSeconds: number;
  kl: number;
  psi: number;
  counts?: number[];
}

async function readColumns(): Promise<Record<string, Float64Array>> {
  const [hyparquet, codecs] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const bytes = readFileSync(FLIGHTS);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = hyparquet.parquetMetadata(file);
  const rows = Number(metadata.num_rows);
  const out: Record<string, Float64Array> = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(rows)]));
  await hyparquet.parquetRead({
    file,
    metadata,
    columns: [...COLUMNS],
    compressors: codecs.compressors,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const target = out[columnName];
      for (let i = 0; i < columnData.length; i++) {
        const v: unknown = columnData[i];
        target[rowStart + i] =
          v instanceof Date
            ? v.getTime() / MS_PER_DAY
            : typeof v === 'bigint'
              ? Number(v)
              : v == null
                ? NaN
                : Number(v);
      }
    },
  });
  return out;
}

/** Bin the live values into the reference edges, then KL and PSI: the work both sides time. */
function kernel(
  live: Float64Array,
  edges: number[],
  referenceCounts: number[],
): { kl: number; psi: number; counts: number[] } {
  const bins = new Float64Array(edges.length + 1);
  const missing = addToBins(live, edges, bins);
  const liveCounts = [...bins, missing, 0];
  return {
    kl: klDivergence(referenceCounts, liveCounts, SMOOTHING),
    psi: psi(referenceCounts, liveCounts, SMOOTHING),
    counts: Array.from(bins),
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const columns = await readColumns();
  const rows = columns[COLUMNS[0]].length;
  const half = Math.floor(rows / 2);
  console.error(`read ${rows.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const reference = Object.fromEntries(
    COLUMNS.map((c) => [c, referenceHistogram({ name: c, type: 'numeric' }, Array.from(columns[c].subarray(0, half)))]),
  );
  writeJson('flights-reference.json', {
    file: FLIGHTS,
    half,
    window: WINDOW,
    columns: COLUMNS.map((c) => ({ column: c, ...reference[c] })),
  });

  // Warm-up: every code path once on every column, so no column's timing includes compilation.
  for (const column of COLUMNS) {
    const ref = reference[column];
    if (ref.type === 'categorical') throw new Error(`${column}: expected a numeric histogram`);
    const live = columns[column].subarray(half);
    kernel(live, ref.edges, [...ref.counts, ref.missing, 0]);
    kernel(live.subarray(0, WINDOW), ref.edges, [...ref.counts, ref.missing, 0]);
    computeDrift({ [column]: ref }, { [column]: Array.from(live.subarray(0, 4 * WINDOW)) });
  }

  const results: ThroughputResult[] = [];
  for (const column of COLUMNS) {
    const ref = reference[column];
    if (ref.type === 'categorical') throw new Error(`${column}: expected a numeric histogram`);
    const live = columns[column].slice(half);
    const referenceCounts = [...ref.counts, ref.missing, 0];
    const whole = timed(() => kernel(live, ref.edges, referenceCounts), REPEATS);
    const windows = timed(() => {
      const out = [];
      for (let start = 0; start < live.length; start += WINDOW) {
        out.push(kernel(live.subarray(start, start + WINDOW), ref.edges, referenceCounts));
      }
      return out;
    }, REPEATS);
    results.push({
      side: 'ours',
      column,
      rows: live.length,
      seconds: whole.seconds,
      windowSeconds: windows.seconds,
      ...whole.result,
    });
    // The whole API as the monitor calls it: a plain array of logged values, all three metrics, the report.
    const logged = Array.from(live);
    const api = timed(() => computeDrift({ [column]: ref }, { [column]: logged }).features[0], REPEATS);
    const apiWindows = timed(() => {
      for (let start = 0; start < logged.length; start += WINDOW) {
        computeDrift({ [column]: ref }, { [column]: logged.slice(start, start + WINDOW) });
      }
    }, REPEATS);
    results.push({
      side: 'ours, computeDrift',
      column,
      rows: live.length,
      seconds: api.seconds,
      windowSeconds: apiWindows.seconds,
      kl: api.result.kl,
      psi: api.result.psi,
    });
    console.error(
      `ours ${column}: ${Math.round(live.length / whole.seconds).toLocaleString('en-US')} rows/s ` +
        `(computeDrift ${Math.round(live.length / api.seconds).toLocaleString('en-US')})`,
    );
  }
  writeJson('throughput-ours.json', { node: process.version, half, window: WINDOW, repeats: REPEATS, results });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
