import fs from 'node:fs';
import { predictInProcess, GOLDEN_ATTACHMENT } from '../../activities/deploy/golden';
import { LocalTarget, servingProcesses, type ServingProcess } from '../../activities/deploy/local';
import { paths } from '../../config/paths';
import type { GoldenSet } from '../../lib/deploy/golden';
import { FileArtifactStore } from '../../stores/artifact-store';
import { FileRegistry, type ModelVersion } from '../../stores/registry';
import { seattleModel } from '../serving/fixtures';

export const SEATTLE_ROWS: GoldenSet['rows'] = [
  { date: '2012-01-03', precipitation: 0.8, temp_min: 2.8, wind: 2.3, weather: 'rain' },
  { date: '2013-07-14', precipitation: 0, temp_min: 14.4, wind: 3.1, weather: 'sun' },
  { date: '2014-11-20', precipitation: 5.1, temp_min: 6.1, wind: 4.6, weather: 'rain' },
  { date: '2015-05-01', precipitation: 0, temp_min: 9.4, wind: 2.2, weather: 'drizzle' },
];

export function stores() {
  return { registry: new FileRegistry(paths.registry()), store: new FileArtifactStore(paths.artifacts()) };
}

export function localTarget(): LocalTarget {
  return new LocalTarget({ stateDir: paths.deploy(), featureLogDir: paths.featureLogs() });
}

/** The Seattle ridge model, trained once per test file and written to `dir`. */
export function seattleOnnx(dir: string): Uint8Array {
  return fs.readFileSync(seattleModel(dir).file);
}

/**
 * Registers a version of `name` with `bytes` as its ONNX artifact and golden rows: the model's own predictions, or
 * `shift` added to them (a version whose recorded predictions its artifact does not reproduce).
 */
export async function registerVersion(
  name: string,
  bytes: Uint8Array,
  runKey: string,
  golden: { from: Uint8Array; shift?: number } = { from: bytes },
): Promise<ModelVersion> {
  const { registry, store } = stores();
  const artifact = await store.put(bytes);
  const version = await registry.register({
    name,
    runKey,
    modelType: 'ridge',
    task: 'regression',
    dataset: { source: 'vega-datasets:seattle-weather.csv', hash: 'a'.repeat(64), rows: 1461 },
    features: [
      { name: 'date', type: 'datetime' },
      { name: 'precipitation', type: 'numeric' },
      { name: 'temp_min', type: 'numeric' },
      { name: 'wind', type: 'numeric' },
      { name: 'weather', type: 'categorical' },
    ],
    target: { name: 'temp_max', type: 'numeric' },
    hyperparameters: { l2: 1 },
    metrics: {},
    artifact,
  });
  const expected = await predictInProcess(golden.from, version, SEATTLE_ROWS);
  const set: GoldenSet = {
    rows: SEATTLE_ROWS,
    expected: expected.map((e) => (typeof e === 'number' ? e + (golden.shift ?? 0) : e)),
  };
  await registry.attach(name, version.version, GOLDEN_ATTACHMENT, JSON.stringify(set));
  return version;
}

export function serversOf(name: string): ServingProcess[] {
  return servingProcesses(name).filter((p) => p.kind === 'server');
}

export interface LoopStats {
  ok: number;
  failed: number;
  errors: string[];
  byBackend: Record<string, number>;
}

/** Clients sending one-row predict requests through the model's endpoint until stopped; every outcome counted. */
export function requestLoop(endpoint: string, name: string, clients = 4) {
  let stopped = false;
  const stats: LoopStats = { ok: 0, failed: 0, errors: [], byBackend: {} };
  const url = `${endpoint}/v2/models/${name}/predict`;
  const run = async (c: number) => {
    for (let i = 0; !stopped; i++) {
      const row = SEATTLE_ROWS[(i + c) % SEATTLE_ROWS.length];
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rows: [row] }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await response.json()) as { predictions?: unknown[]; error?: string };
        if (response.ok && body.predictions?.length === 1 && typeof body.predictions[0] === 'number') {
          stats.ok++;
          const backend = response.headers.get('x-mlops-backend') ?? '?';
          stats.byBackend[backend] = (stats.byBackend[backend] ?? 0) + 1;
        } else {
          stats.failed++;
          stats.errors.push(`${response.status} ${body.error ?? JSON.stringify(body)}`);
        }
      } catch (err) {
        stats.failed++;
        stats.errors.push(String(err));
      }
    }
  };
  const running = Array.from({ length: clients }, (_, c) => run(c));
  return {
    stats,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
      return stats;
    },
  };
}
