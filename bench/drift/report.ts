/**
 * Reads both sides' results from .mlops/bench/drift/ and writes the "Drift statistics (bench/drift)" section of
 * bench/RESULTS.md: KL + PSI throughput against NumPy/SciPy and Evidently, and detection delay and false alarms of the
 * windowed alarm rule against river's ADWIN and PageHinkley.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMonitorSettings } from '../../config/monitor';
import { machineCores } from '../env';
import { formatSection, writeSection } from '../results-file';
import { median } from '../stats';
import { type DriftAlarmRule, INITIAL_ALARM_STATE, nextAlarmState } from '../../lib/drift';
import { OUT_DIR, readJson } from './common';
import type { OurRun, StreamsFile } from './detection';
import type { ThroughputResult } from './throughput';

const HEADING = '## Drift statistics (bench/drift)';
/** The rule the goal is judged on (chosen before the run, see README): ε just above the stationary noise, N = 2. */
const GOAL_RULE: DriftAlarmRule = { threshold: 0.02, windows: 2 };
/** The monitor's defaults (config/monitor.ts), so the table shows what a deployment gets without tuning. */
const MONITOR_DEFAULTS = parseMonitorSettings({});
const MONITOR_RULE: DriftAlarmRule = {
  threshold: MONITOR_DEFAULTS.epsilon,
  windows: MONITOR_DEFAULTS.consecutiveWindows,
};
const RULES: DriftAlarmRule[] = [
  { threshold: 0.02, windows: 1 },
  GOAL_RULE,
  { threshold: 0.05, windows: 1 },
  { threshold: 0.05, windows: 2 },
  { threshold: 0.1, windows: 1 },
  { threshold: 0.1, windows: 2 },
  MONITOR_RULE,
].filter((r, i, all) => all.findIndex((x) => x.threshold === r.threshold && x.windows === r.windows) === i);

interface PeerThroughput {
  versions: Record<string, string>;
  pools: string[];
  results: (Omit<ThroughputResult, 'side'> & { side: 'numpy' | 'evidently' })[];
}
interface OursThroughput {
  node: string;
  half: number;
  window: number;
  repeats: number;
  results: ThroughputResult[];
}

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ratio = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function throughputSection(ours: OursThroughput, peer: PeerThroughput): { lines: string[]; goals: boolean[] } {
  const all = [...ours.results, ...peer.results];
  const find = (side: string, column: string) => {
    const r = all.find((x) => x.side === side && x.column === column);
    if (!r) throw new Error(`missing throughput result: ${side} ${column}`);
    return r;
  };
  const columns = ours.results.filter((r) => r.side === 'ours').map((r) => r.column);
  const goals: boolean[] = [];
  const lines: string[] = [];
  for (const mode of ['whole', 'windows'] as const) {
    const secondsOf = (r: ThroughputResult | PeerThroughput['results'][number]) =>
      mode === 'whole' ? r.seconds : r.windowSeconds;
    lines.push(
      mode === 'whole'
        ? `**One window of ${int(ours.results[0].rows)} rows** (the second half against the first half's histograms), rows/s:`
        : `**Windows of ${int(ours.window)} rows** (the same rows, ${Math.ceil(ours.results[0].rows / ours.window)} calls per column), rows/s:`,
      '',
      '| column | ours | ours, `computeDrift` | NumPy/SciPy | Evidently | ours / NumPy | goal ≥ 1 | ours / Evidently | goal ≥ 10 |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    );
    for (const column of columns) {
      const o = find('ours', column);
      const api = find('ours, computeDrift', column);
      const np = find('numpy', column);
      const ev = find('evidently', column);
      const rate = (r: typeof o) => r.rows / secondsOf(r);
      const vsNumpy = rate(o) / rate(np);
      const vsEvidently = rate(o) / rate(ev);
      goals.push(vsNumpy >= 1, vsEvidently >= 10);
      lines.push(
        `| ${column} | ${int(rate(o))} | ${int(rate(api))} | ${int(rate(np))} | ${int(rate(ev))} | ${ratio(vsNumpy)} | ` +
          `${vsNumpy >= 1 ? 'yes' : 'no'} | ${ratio(vsEvidently)} | ${vsEvidently >= 10 ? 'yes' : 'no'} |`,
      );
    }
    lines.push('');
  }
  // Same bins and same numbers on both sides, or the comparison means nothing.
  const checks = columns.map((column) => {
    const o = find('ours', column);
    const np = find('numpy', column);
    const ev = find('evidently', column);
    const same = JSON.stringify(o.counts) === JSON.stringify(np.counts);
    const diff = Math.max(Math.abs(o.kl - np.kl), Math.abs(o.psi - np.psi));
    return (
      `${column}: counts ${same ? 'identical' : 'DIFFER'}, KL ${o.kl.toPrecision(4)} / PSI ${o.psi.toPrecision(4)} ` +
      `(largest difference from NumPy/SciPy ${diff.toExponential(1)}; Evidently, on its own bins: KL ${ev.kl.toPrecision(4)}, PSI ${ev.psi.toPrecision(4)})`
    );
  });
  lines.push(`Checks: ${checks.join('; ')}.`, '');
  return { lines, goals };
}

interface Outcome {
  falseAlarms: number;
  stationaryWindows: number;
  delays: number[];
  missed: number;
}

function windowOf(row: number, size: number): number {
  return Math.floor(row / size);
}

function outcomeOf(alarmWindows: number[], streams: StreamsFile, runCount: number, driftWindow: number): Outcome {
  const first = streams.referenceWindows;
  const falseAlarms = alarmWindows.filter((w) => w >= first && w < driftWindow).length;
  const after = alarmWindows.filter((w) => w >= driftWindow);
  return {
    falseAlarms,
    stationaryWindows: (driftWindow - first) * runCount,
    delays: after.length > 0 ? [after[0] - driftWindow] : [],
    missed: after.length > 0 ? 0 : 1,
  };
}

function merge(outcomes: Outcome[]): Outcome {
  return outcomes.reduce((a, b) => ({
    falseAlarms: a.falseAlarms + b.falseAlarms,
    stationaryWindows: a.stationaryWindows + b.stationaryWindows,
    delays: [...a.delays, ...b.delays],
    missed: a.missed + b.missed,
  }));
}

function ourAlarmWindows(run: OurRun, rule: DriftAlarmRule): number[] {
  let state = INITIAL_ALARM_STATE;
  const alarms: number[] = [];
  for (const w of run.windows) {
    const step = nextAlarmState(state, { score: w.score.kl }, rule);
    state = step.state;
    if (step.alarm) alarms.push(w.index);
  }
  return alarms;
}

function delayCell(o: Outcome): string {
  if (o.delays.length === 0) return 'never';
  const sorted = [...o.delays].sort((a, b) => a - b);
  return `${median(sorted)} [${sorted[0]}, ${sorted[sorted.length - 1]}]`;
}

function detectionSection(streams: StreamsFile, ours: OurRun[]): { lines: string[]; goal: boolean } {
  const names = [...new Set(streams.runs.map((r) => r.stream))];
  const seeds = [...new Set(streams.runs.map((r) => r.seed))];
  const lines = [
    '| stream | detector | false alarms (stationary windows) | delay, windows: median [min, max] | missed |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  let goal = true;
  for (const name of names) {
    const runs = streams.runs.filter((r) => r.stream === name);
    const driftWindow = windowOf(runs[0].driftStart, streams.window);
    for (const rule of RULES) {
      const o = merge(
        runs.map((run) => {
          const our = ours.find((x) => x.stream === run.stream && x.seed === run.seed);
          if (!our) throw new Error(`no result of ours for ${run.stream} seed ${run.seed}`);
          return outcomeOf(ourAlarmWindows(our, rule), streams, 1, driftWindow);
        }),
      );
      const isGoal = rule.threshold === GOAL_RULE.threshold && rule.windows === GOAL_RULE.windows;
      if (isGoal && name.endsWith('abrupt')) {
        goal &&= o.falseAlarms === 0 && o.missed === 0 && Math.max(...o.delays) <= 1;
      }
      const isMonitorDefault = rule.threshold === MONITOR_RULE.threshold && rule.windows === MONITOR_RULE.windows;
      const label =
        `ours, KL > ${rule.threshold} in ${rule.windows} window${rule.windows > 1 ? 's' : ''}` +
        (isMonitorDefault ? ' (monitor default)' : '');
      lines.push(
        `| ${name} | ${isGoal ? `**${label}**` : label} | ${o.falseAlarms} (${o.stationaryWindows}) | ${delayCell(o)} | ${o.missed} |`,
      );
    }
    for (const detector of Object.keys(runs[0].detections)) {
      const o = merge(
        runs.map((run) => {
          const windows = [...new Set(run.detections[detector].map((row) => windowOf(row, streams.window)))];
          return outcomeOf(windows, streams, 1, driftWindow);
        }),
      );
      lines.push(
        `| ${name} | river ${detector} | ${o.falseAlarms} (${o.stationaryWindows}) | ${delayCell(o)} | ${o.missed} |`,
      );
    }
  }
  const about = names.map((n) => `${n}: ${streams.runs.find((r) => r.stream === n)?.about}`);
  lines.push(
    '',
    `Streams (${seeds.length} seeds each, ${int(streams.window)}-row windows; reference: windows 0–${streams.referenceWindows - 1}; ` +
      `stationary: windows ${streams.referenceWindows}–${windowOf(streams.runs[0].driftStart, streams.window) - 1}; drift from window ` +
      `${windowOf(streams.runs[0].driftStart, streams.window)}): ${about.join('; ')}.`,
  );
  return { lines, goal };
}

function loadLine(): string {
  const file = join(OUT_DIR, 'load.txt');
  if (!existsSync(file)) return '';
  const loads = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => /load average: (.*)$/.exec(line)?.[1])
    .filter((x): x is string => x !== undefined);
  if (loads.length < 2) return '';
  return ` Load average (\`uptime\`, 1/5/15 min; the cores are shared with other jobs): ${loads[0]} at the start of the run, ${loads[1]} at its end.`;
}

async function main(): Promise<void> {
  const ours = readJson<OursThroughput>('throughput-ours.json');
  const peer = readJson<PeerThroughput>('throughput-peer.json');
  const streams = readJson<StreamsFile>('streams.json');
  const detection = readJson<{ seconds: number; runs: OurRun[] }>('detection-ours.json');
  const wallFile = join(OUT_DIR, 'wall.txt');
  const wall = existsSync(wallFile) ? readFileSync(wallFile, 'utf8').trim() : '';
  const v = peer.versions;
  const throughput = throughputSection(ours, peer);
  const det = detectionSection(streams, detection.runs);
  const throughputMet = throughput.goals.every(Boolean);
  const text = [
    HEADING,
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${machineCores()}; Node ${ours.node}; Python ${v.python}, numpy ${v.numpy}, ` +
      `scipy ${v.scipy}, pandas ${v.pandas}, pyarrow ${v.pyarrow}, Evidently ${v.evidently}, river ${streams.versions.river} ` +
      `(thread pools: ${peer.pools.join(', ') || 'none'}).${wall ? ` Whole run: ${wall}.` : ''}${loadLine()}`,
    '',
    'Command: `flock /tmp/mlops-cpu.lock bash bench/drift/run.sh`. See bench/drift/README.md for the method.',
    '',
    `### Throughput: bin into the reference edges, then KL and PSI (flights-3m, best of ${ours.repeats} runs; Evidently best of ${Math.max(1, Math.floor(ours.repeats / 2))})`,
    '',
    `Reference: histograms of the first ${int(ours.half)} rows (\`referenceHistogram\`: 10 quantile bins plus underflow and overflow); ` +
      'live: the other half. Ours: `addToBins` + `klDivergence` + `psi` on a Float64Array; `computeDrift` is the whole API on ' +
      'a plain array (value checks, KL, PSI and JS, the report). NumPy/SciPy: `np.searchsorted` into the same edges + ' +
      '`np.bincount` + `scipy.stats.entropy`, same smoothing. Evidently: its `kl_div` and `psi` stattests on pandas Series ' +
      '(it re-bins reference and current data on every call; windows: one 10,000-row window timed and scaled). date is ' +
      'epoch days (the second half lies entirely after the first, so nearly every value lands in the overflow bin).',
    '',
    ...throughput.lines,
    `### Detection: ${int(streams.window)}-row windows against river's ADWIN and PageHinkley`,
    '',
    'Ours: `computeDrift` (defaults: KL, max over features, smoothing 1e-4) of every window against the reference histograms of ' +
      'the first windows (features numeric, label categorical), then `nextAlarmState` (alarm when KL > ε in N consecutive ' +
      'windows). river: ADWIN and PageHinkley with default settings, one detector per column on the per-row values ' +
      '(features, scaled to about [0, 1], and the 0/1 label), alarm when any fires; delay is the window of the first ' +
      'detection after the drift start. A false alarm is a window with an alarm (ours) or a detection (river) before it. ' +
      `The row marked (monitor default) applies config/monitor.ts's defaults (ε = ${MONITOR_RULE.threshold}, N = ${MONITOR_RULE.windows}).`,
    '',
    ...det.lines,
    '',
    `Goals: throughput ≥ NumPy and ≥ 10× Evidently ${throughputMet ? 'met' : 'not all met (see the tables)'}; ` +
      `delay ≤ 1 window with 0 false alarms on the abrupt streams (rule KL > ${GOAL_RULE.threshold} in ${GOAL_RULE.windows} windows) ` +
      `${det.goal ? 'met' : 'not met'}.`,
    '',
  ].join('\n');
  const formatted = await formatSection(text);
  console.log(formatted);
  writeSection(HEADING, formatted);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
