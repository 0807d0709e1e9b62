/**
 * Our side of the detection benchmark: for every stream that bench/drift/peer.py generated (streams.json), the
 * reference histograms from the first windows (as training builds them: 10 quantile bins per feature, the label as a
 * categorical feature), then computeDrift on every later window. Writes detection-ours.json with each window's
 * aggregate KL, PSI and JS; report.ts applies the alarm rule (ε for N consecutive windows) to them.
 */
import { readFileSync } from 'node:fs';
import { referenceHistogram, type ReferenceHistogram } from '../../lib/data/histogram';
import type { Cell } from '../../lib/data/table';
import { computeDrift, type DriftMetric } from '../../lib/drift';
import { readJson, writeJson } from './common';

export interface StreamRun {
  stream: string;
  about: string;
  seed: number;
  file: string;
  rows: number;
  position: number;
  width: number;
  driftStart: number;
  /** Rows at which each river detector fired (any column). */
  detections: Record<string, number[]>;
}

export interface StreamsFile {
  window: number;
  referenceWindows: number;
  stationaryWindows: number;
  seconds: number;
  versions: Record<string, string>;
  runs: StreamRun[];
}

export interface WindowScores {
  /** Window index (rows index·window … (index+1)·window − 1). */
  index: number;
  score: Record<DriftMetric, number>;
  /** The feature with the largest KL. */
  top: string;
}

export interface OurRun {
  stream: string;
  seed: number;
  windows: WindowScores[];
}

const LABEL = 'y';

function readStream(file: string): Record<string, Cell[]> {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  const columns: Record<string, Cell[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const line of lines) {
    const cells = line.split(',');
    names.forEach((n, j) => columns[n].push(n === LABEL ? cells[j] : Number(cells[j])));
  }
  return columns;
}

function main(): void {
  const streams = readJson<StreamsFile>('streams.json');
  const { window: size, referenceWindows } = streams;
  const runs: OurRun[] = [];
  const start = process.hrtime.bigint();
  for (const run of streams.runs) {
    const columns = readStream(run.file);
    const names = Object.keys(columns);
    const referenceRows = referenceWindows * size;
    const reference: Record<string, ReferenceHistogram> = Object.fromEntries(
      names.map((n) => [
        n,
        referenceHistogram(
          { name: n, type: n === LABEL ? 'categorical' : 'numeric' },
          columns[n].slice(0, referenceRows),
        ),
      ]),
    );
    const windows: WindowScores[] = [];
    for (let index = referenceWindows; (index + 1) * size <= run.rows; index++) {
      const window = Object.fromEntries(names.map((n) => [n, columns[n].slice(index * size, (index + 1) * size)]));
      const report = computeDrift(reference, window);
      const max = (metric: DriftMetric) => Math.max(...report.features.map((f) => f[metric]));
      const top = report.features.reduce((a, b) => (b.kl > a.kl ? b : a)).feature;
      windows.push({ index, score: { kl: max('kl'), psi: max('psi'), js: max('js') }, top });
    }
    runs.push({ stream: run.stream, seed: run.seed, windows });
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.error(`ours: ${runs.length} streams in ${seconds.toFixed(1)} s`);
  writeJson('detection-ours.json', { seconds, runs });
}

main();
