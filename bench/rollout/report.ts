/**
 * Reads .mlops/bench/rollout/results.json (bench/rollout/main.ts) and writes the "Rollout (bench/rollout)" section of
 * bench/RESULTS.md and bench/rollout/timeline.svg: requests per 100 ms by the version that answered, failures
 * marked, for the first repetition of each strategy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeVegaLiteSvg } from '../chart';
import { formatSection, writeSection } from '../results-file';
import { quantile } from '../stats';
import { OUT_DIR, type Repetition, type RolloutResults } from './main';

const HEADING = '## Rollout (bench/rollout)';
const ROOT = path.resolve(__dirname, '..', '..');
const CHART = 'timeline.svg';
const BIN_MS = 100;

const s2 = (ms: number) => (ms / 1000).toFixed(2);

/** Stacked bars of answered requests per bin (old version, new version) and failed ones, one row per strategy. */
async function chart(results: RolloutResults): Promise<void> {
  const values: { strategy: string; t: number; t2: number; outcome: string; count: number }[] = [];
  const rules: { strategy: string; t: number; what: string }[] = [];
  for (const strategy of ['blue/green', 'stop-then-start'] as const) {
    const rep = results.repetitions.find((r) => r.strategy === strategy && r.rep === 1);
    if (!rep) continue;
    const bins = new Map<string, number>();
    for (const s of rep.samples) {
      const t = (Math.floor(s.t / BIN_MS) * BIN_MS) / 1000;
      const outcome = !s.ok
        ? 'failed'
        : s.version === String(rep.toVersion)
          ? `new version (v${rep.toVersion})`
          : `old version (v${rep.fromVersion})`;
      const key = `${t}|${outcome.startsWith('new') ? 'new version' : outcome.startsWith('old') ? 'old version' : outcome}`;
      bins.set(key, (bins.get(key) ?? 0) + 1);
    }
    for (const [key, count] of bins) {
      const [t, outcome] = key.split('|');
      values.push({ strategy, t: Number(t), t2: Number(t) + BIN_MS / 1000, outcome, count });
    }
    rules.push({ strategy, t: 0, what: 'rollout starts' }, { strategy, t: rep.rolloutMs / 1000, what: 'rollout ends' });
  }
  const domain = ['old version', 'new version', 'failed'];
  await writeVegaLiteSvg(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Requests during a rollout: blue/green through the router vs stop-then-start',
        subtitle: `${results.settings.rate} requests/s open loop, ${BIN_MS} ms bins, repetition 1; dashed: rollout start and end`,
      },
      data: { values: [...values.map((v) => ({ ...v, kind: 'bin' })), ...rules.map((r) => ({ ...r, kind: 'rule' }))] },
      facet: { row: { field: 'strategy', type: 'nominal', title: null, sort: ['blue/green', 'stop-then-start'] } },
      spec: {
        width: 620,
        height: 150,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'bin'" }],
            mark: { type: 'bar' },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'seconds since the rollout started' },
              x2: { field: 't2' },
              y: { field: 'count', type: 'quantitative', stack: 'zero', title: `requests per ${BIN_MS} ms` },
              color: {
                field: 'outcome',
                type: 'nominal',
                title: null,
                scale: { domain, range: ['#4c78a8', '#54a24b', '#e45756'] },
              },
              order: { field: 'outcome', sort: 'descending' },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'rule'" }],
            mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
            encoding: { x: { field: 't', type: 'quantitative' } },
          },
        ],
      },
      resolve: { scale: { x: 'shared' } },
      config: { legend: { orient: 'top' } },
    },
    path.join(OUT_DIR, CHART),
    path.join(ROOT, 'bench', 'rollout', CHART),
  );
}

function summary(reps: Repetition[]) {
  const times = reps.map((r) => r.rolloutMs);
  return {
    median: quantile(times, 0.5),
    min: Math.min(...times),
    max: Math.max(...times),
    failed: reps.reduce((n, r) => n + r.failed, 0),
    requests: reps.reduce((n, r) => n + r.requests, 0),
    failedPerRep: reps.map((r) => r.failed),
  };
}

function section(results: RolloutResults): string {
  const { settings, machine } = results;
  const bg = results.repetitions.filter((r) => r.strategy === 'blue/green');
  const naive = results.repetitions.filter((r) => r.strategy === 'stop-then-start');
  const a = summary(bg);
  const b = summary(naive);
  const goal = a.max <= 2000 && a.failed === 0;
  const phaseNames = Object.keys(bg[0]?.phases ?? {});
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(', ');
  const dwell = settings.stepSeconds * settings.steps.length;
  const lines = [
    HEADING,
    '',
    `${results.date.slice(0, 10)}, ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}; load average ` +
      `(1, 5, 15 min) ${load(machine.loadBefore)} before and ${load(machine.loadAfter)} after; ` +
      '`flock /tmp/mlops-cpu.lock bash bench/rollout/run.sh`.',
    '',
    `Each strategy rolls the Seattle ridge model from one registered version to the next, ${settings.reps} times each, under ` +
      `an open-loop request loop of ${settings.rate} one-row predict requests/s, running from ${settings.marginMs / 1000} s ` +
      `before the rollout until ${settings.marginMs / 1000} s after it; every request counts (a refused connection, ` +
      'a timeout or any non-200 answer is a failure). **Blue/green**: the real `deployWorkflow` on a Temporal dev ' +
      'server the benchmark starts, with in-process workers and the local target, clients calling the model’s ' +
      `router; canary steps ${settings.steps.join(' → ')} % with ${settings.stepSeconds} s dwell, each judged after the ` +
      'default 20 golden-row probes. Rollout time: from the scheduling of `startModelServer` to the completion of ' +
      'the old version’s `drainModelServer` (old server stopped), read from the workflow history. ' +
      '**Stop-then-start**: the clients call the model server directly; SIGTERM to the old server, wait for its ' +
      'exit, start the new one on the same port. Rollout time: from the SIGTERM until the new server answers ready.',
    '',
    '| strategy | rollout time, median [min, max] | failed requests (all repetitions) | failed per repetition |',
    '| --- | ---: | ---: | --- |',
    `| **blue/green** (router, deploy workflow) | ${s2(a.median)} s [${s2(a.min)}, ${s2(a.max)}] | ${a.failed} of ${a.requests} | ${a.failedPerRep.join(', ')} |`,
    `| stop-then-start (same port) | ${s2(b.median)} s [${s2(b.min)}, ${s2(b.max)}] | ${b.failed} of ${b.requests} | ${b.failedPerRep.join(', ')} |`,
    '',
    `### Goal: rollout ≤ 2 s with 0 failed requests: **${goal ? 'holds' : 'missed'}** (blue/green: slowest repetition ${s2(a.max)} s, ${a.failed} failed)`,
    '',
    'Blue/green phases, median over repetitions (ms):',
    '',
    `| ${phaseNames.join(' | ')} |`,
    `| ${phaseNames.map(() => '---:').join(' | ')} |`,
    `| ${phaseNames
      .map((p) =>
        quantile(
          bg.map((r) => r.phases[p]),
          0.5,
        ).toFixed(0),
      )
      .join(' | ')} |`,
    '',
    `The canary phase holds ${settings.stepSeconds === 0 ? 'no dwell' : `${dwell} s of dwell`} here` +
      (settings.stepSeconds === 0
        ? ': each step is judged on the probes and the live requests it saw. The default `deploy.stepSeconds: 30` ' +
          `adds ${30 * settings.steps.length} s of deliberate watching (30 s per step) on top of the times above; ` +
          'the time the rollout itself costs is unchanged.'
        : '.'),
    'Stop-then-start is faster end to end (one process starts; no smoke test, canary or drain) but every request ' +
      'sent while no server listens on the port, or while the new one loads its model (503), fails.',
    '',
    `Requests over time (repetition 1): [bench/rollout/${CHART}](rollout/${CHART})`,
    '',
    `![Requests during a rollout](rollout/${CHART})`,
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const results = JSON.parse(readFileSync(path.join(OUT_DIR, 'results.json'), 'utf8')) as RolloutResults;
  await chart(results);
  writeSection(HEADING, await formatSection(section(results)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
