import type { Client } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { appendFeedbackRows } from '../../activities/feedback';
import { mlopsHome, paths } from '../../config/paths';
import { featureLogFile } from '../../serving/feature-log';
import { FileFeedbackStore } from '../../stores/feedback-store';
import { FileRegistry } from '../../stores/registry';
import {
  checkNowSignal,
  driftHistoryQuery,
  monitorStatusQuery,
  monitorWorkflowId,
  type DriftPoint,
  type MonitorStatus,
} from '../../workflows/monitor-defs';
import type { RetrainResult } from '../../workflows/retrain-defs';
import { predictThroughEndpoint } from '../commands/deploy';
import { driftChartSpec, errorChartSpec, writeChartSvg, type LoopData, type LoopWindow } from './charts';
import { readWeatherDays, shuffledDays, type WeatherDay } from './weather-days';

export interface DriftLoopOptions {
  client: Client;
  /** A deployed model trained on Seattle's weather (the demo's), whose monitor runs and reads windows on `checkNow`. */
  modelName: string;
  /** Rows per window (each a random sample of one city's days; default 365). */
  windowRows?: number;
  /** Windows of Seattle traffic before New York's (default 3). */
  seattleWindows?: number;
  /** Windows of New York traffic after a retrained version took over (default 2). */
  afterWindows?: number;
  /** Most New York windows sent while waiting for an alarm (default 4). */
  maxDriftWindows?: number;
  seed?: number;
  /** Where drift-loop.json and the two charts go. */
  outDir?: string;
  log?: (line: string) => void;
  /** How long to wait for one window or one retrain. */
  timeoutMs?: number;
}

export interface DriftLoopResult extends LoopData {
  files: { data: string; driftChart: string; errorChart: string };
  /** Windows from the first New York window to the alarm's (1: the first drifted window raised it). */
  detectionWindows?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`drift loop: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

function lineCount(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length === 0 ? 0 : text.split('\n').length - 1;
  } catch {
    return 0;
  }
}

const meanSquaredError = (labels: number[], predictions: number[]) =>
  labels.reduce((sum, y, i) => sum + (y - predictions[i]) ** 2, 0) / labels.length;

/**
 * The closed loop on real data (vega-datasets weather.csv): a Seattle model serves Seattle days, then New York days.
 * Each window's rows go through the model's endpoint (so the model server logs them) and their labels are appended
 * as feedback; then the monitor reads the window (`checkNow`, what a scheduled drift check sends). New York's days
 * drift from the training reference, the alarm starts a retrain on the labelled New York rows, the challenger is
 * deployed when it beats the champion on the fresh holdout, and the monitor compares later windows with its
 * reference. Writes drift-loop.json and the two charts (Fig. 6: error per window; Fig. 7: drift per window and ε).
 */
export async function runDriftLoop(options: DriftLoopOptions): Promise<DriftLoopResult> {
  const { client, modelName } = options;
  // A year of days per window: 3 of Seattle's, then New York's 1,461 days cover 4 windows.
  const windowRows = options.windowRows ?? 365;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = options.outDir ?? path.join(mlopsHome(), 'reports', 'drift-loop');
  const registry = new FileRegistry(paths.registry());
  const feedback = new FileFeedbackStore(paths.feedback());
  const monitor = client.workflow.getHandle(monitorWorkflowId(modelName));
  const days = readWeatherDays();
  const seattle = shuffledDays(days, 'Seattle', options.seed ?? 1);
  const newYork = shuffledDays(days, 'New York', (options.seed ?? 1) + 1);
  const status = await until('the monitor', timeoutMs, () =>
    monitor.query(monitorStatusQuery).catch(() => undefined as MonitorStatus | undefined),
  );
  const data: LoopData = {
    modelName,
    epsilon: status.settings.epsilon,
    consecutiveWindows: status.settings.consecutiveWindows,
    windows: [],
    retrains: [],
  };
  const logged = new Map<number, number>();
  let lastLabelMs = 0;

  /** Sends one window of days through the endpoint, appends their labels, has the monitor read it, and records it. */
  const window = async (traffic: string, rows: WeatherDay[], labelled: boolean): Promise<LoopWindow> => {
    const serving = await registry.getServing(modelName);
    if (!serving) throw new Error(`drift loop: "${modelName}" is not deployed`);
    const version = serving.version;
    const logFile = featureLogFile(paths.featureLogs(), modelName, version);
    const linesBefore = lineCount(logFile);
    const body = await predictThroughEndpoint(
      modelName,
      rows.map((r) => r.features),
    );
    const predictions = (body.predictions ?? []) as number[];
    if (predictions.length !== rows.length || !predictions.every((p) => typeof p === 'number')) {
      throw new Error(`drift loop: the endpoint answered ${predictions.length} predictions for ${rows.length} rows`);
    }
    if (labelled) {
      // One millisecond apart and after every earlier label, so the newest rows (the holdout) are the latest sent.
      const first = Math.max(Date.now(), lastLabelMs + 1);
      lastLabelMs = first + rows.length - 1;
      const content = rows
        .map((r, i) =>
          JSON.stringify({ timestamp: new Date(first + i).toISOString(), features: r.features, label: r.label }),
        )
        .join('\n');
      await appendFeedbackRows(
        { registry, feedback },
        { modelName, content: `${content}\n`, source: `${traffic} window`, format: 'jsonl' },
      );
    }
    // The model server appends its feature log after answering: the window is complete once every row is there
    // (counted from the lines before this window's request: the deploy's smoke and canary rows are logged too).
    const expected = (logged.get(version) ?? linesBefore) + rows.length;
    logged.set(version, expected);
    await until(`${expected} rows in ${logFile}`, timeoutMs, async () =>
      lineCount(logFile) >= expected ? true : undefined,
    );
    const before = (await monitor.query(monitorStatusQuery)).windows;
    await monitor.signal(checkNowSignal, { reason: 'drift loop' });
    await until('the monitor to read the window', timeoutMs, async () =>
      (await monitor.query(monitorStatusQuery)).windows > before ? true : undefined,
    );
    const [point] = (await monitor.query(driftHistoryQuery, 1)) as DriftPoint[];
    const record: LoopWindow = {
      window: data.windows.length + 1,
      traffic,
      version,
      rows: point.rows,
      score: point.skipped ? null : point.score,
      features: point.features,
      alarm: point.alarm,
      ...(point.alarm && point.retrain ? { retrain: point.retrain } : {}),
      mse: meanSquaredError(
        rows.map((r) => r.label),
        predictions,
      ),
    };
    data.windows.push(record);
    const score = record.score === null ? `skipped (${point.skipped})` : `KL ${record.score.toFixed(3)}`;
    const flag = record.alarm
      ? `  ▲ alarm → ${record.retrain ?? 'retrain'}`
      : record.score !== null && record.score > data.epsilon
        ? '  ▲ drifted'
        : '';
    log(
      `  window ${String(record.window).padStart(2)}  ${traffic.padEnd(8)}  v${version}  ${record.rows} rows  ${score.padEnd(10)}  MSE ${record.mse.toFixed(2)}${flag}`,
    );
    return record;
  };

  const take = (days: WeatherDay[], n: number) => days.splice(0, n);
  for (let i = 0; i < (options.seattleWindows ?? 3); i++) await window('Seattle', take(seattle, windowRows), false);

  let alarm: LoopWindow | undefined;
  let firstNewYork: number | undefined;
  for (let i = 0; i < (options.maxDriftWindows ?? 4) && !alarm; i++) {
    const w = await window('New York', take(newYork, windowRows), true);
    firstNewYork ??= w.window;
    if (w.alarm) alarm = w;
  }
  if (!alarm?.retrain) throw new Error('drift loop: the monitor raised no alarm on New York traffic');

  const result = (await client.workflow.getHandle(alarm.retrain).result()) as RetrainResult;
  data.retrains.push({
    workflowId: alarm.retrain,
    outcome: result.outcome,
    championVersion: result.championVersion,
    ...(result.challengerVersion !== undefined ? { challengerVersion: result.challengerVersion } : {}),
    metric: result.metric,
    champion: result.champion,
    ...(result.challenger ? { challenger: result.challenger } : {}),
    reason: result.reason,
  });
  log(`  ${alarm.retrain}: ${result.reason}`);
  if (result.outcome === 'deployed') {
    // The retrain signalled the monitor; the next window reads the new version's log against its reference.
    await until(`the monitor to follow v${result.servingVersion}`, timeoutMs, async () =>
      (await monitor.query(monitorStatusQuery)).cursor.version === result.servingVersion ? true : undefined,
    );
  }
  for (let i = 0; i < (options.afterWindows ?? 2) && newYork.length >= windowRows; i++) {
    await window('New York', take(newYork, windowRows), false);
  }

  fs.mkdirSync(outDir, { recursive: true });
  const files = {
    data: path.join(outDir, 'drift-loop.json'),
    driftChart: path.join(outDir, 'fig7-drift.svg'),
    errorChart: path.join(outDir, 'fig6-error.svg'),
  };
  fs.writeFileSync(files.data, `${JSON.stringify(data, null, 2)}\n`);
  await writeChartSvg(driftChartSpec(data), files.driftChart);
  await writeChartSvg(errorChartSpec(data), files.errorChart);
  return { ...data, files, detectionWindows: firstNewYork ? alarm.window - firstNewYork + 1 : undefined };
}
