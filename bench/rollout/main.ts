/**
 * Rollout benchmark (the seed's Fig. 4): blue/green through the model's router, run by the real deployWorkflow on a
 * Temporal dev server this benchmark starts (in-process workers, the local deploy target), against a naive
 * stop-then-start (stop the old model server, start the new one on the same port). Each repetition runs under an
 * open-loop request loop at a fixed rate, from 1 s before the rollout until 1 s after it; every request is counted.
 * Writes .mlops/bench/rollout/results.json; bench/rollout/report.ts turns it into bench/RESULTS.md and the chart.
 *
 * Environment: ROLLOUT_REPS (5 per strategy), ROLLOUT_RATE (100 requests/s), ROLLOUT_STEPS (10,50,100: the
 * canary steps of the blue/green deploy), ROLLOUT_STEP_SECONDS (0: the dwell of each canary step).
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../runtime/dev-server';
import { freePort } from '../../runtime/ports';
import { ensureTemporalCli } from '../../runtime/temporal-cli';
import { createWorkers } from '../../workers/create-workers';
import type { DeployResult } from '../../workflows/deploy-defs';
import { localTarget, registerVersion, SEATTLE_ROWS } from '../../test/deploy/fixtures';
import { seattleModel } from '../../test/serving/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
export const OUT_DIR = path.join(ROOT, '.mlops', 'bench', 'rollout');
// Everything the benchmark deploys lives in a throw-away MLOPS_HOME (paths are resolved when used, after this).
const HOME = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-rollout-'));
process.env.MLOPS_HOME = HOME;

const MODEL = 'rollout-bench';
const TASK_QUEUE = 'bench-rollout';
const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  return value;
};
const REPS = Math.max(1, Math.round(positive('ROLLOUT_REPS', 5)));
const RATE = Math.max(1, positive('ROLLOUT_RATE', 100));
const STEPS = (process.env.ROLLOUT_STEPS || '10,50,100').split(',').map(Number);
const STEP_SECONDS = positive('ROLLOUT_STEP_SECONDS', 0);
/** Requests in flight at most; a request the loop cannot send in time counts as failed. */
const MAX_IN_FLIGHT = 500;
const MARGIN_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request of the loop: when it was sent (ms since the rollout started), how it ended, who answered. */
export interface RequestSample {
  t: number;
  ms: number;
  ok: boolean;
  version?: string;
  error?: string;
}

export interface Repetition {
  strategy: 'blue/green' | 'stop-then-start';
  rep: number;
  fromVersion: number;
  toVersion: number;
  /** From the first action (start of the new server; SIGTERM to the old one) until the old server is stopped and
   * the new one takes every request. */
  rolloutMs: number;
  /** Phases in ms (blue/green: from the workflow history; stop-then-start: measured here). */
  phases: Record<string, number>;
  requests: number;
  failed: number;
  samples: RequestSample[];
}

export interface RolloutResults {
  date: string;
  machine: { cpus: number; model: string; loadBefore: number[]; loadAfter: number[]; node: string };
  settings: { reps: number; rate: number; steps: number[]; stepSeconds: number; marginMs: number };
  repetitions: Repetition[];
}

/** Open loop: one predict request every 1/RATE s whatever the answers, until stopped. */
function requestLoop(url: string) {
  const samples: (RequestSample & { sent: number })[] = [];
  let stopped = false;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const fire = (i: number) => {
    const row = SEATTLE_ROWS[i % SEATTLE_ROWS.length];
    const sent = performance.now();
    if (inFlight >= MAX_IN_FLIGHT) {
      samples.push({ sent, t: 0, ms: 0, ok: false, error: 'loop saturated' });
      return;
    }
    inFlight++;
    const done = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [row] }),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        const body = (await response.json()) as { predictions?: unknown[]; model_version?: string; error?: string };
        const ok = response.ok && typeof body.predictions?.[0] === 'number';
        samples.push({
          sent,
          t: 0,
          ms: performance.now() - sent,
          ok,
          ...(body.model_version ? { version: body.model_version } : {}),
          ...(ok ? {} : { error: `${response.status} ${body.error ?? ''}` }),
        });
      })
      .catch((err: Error) => {
        samples.push({ sent, t: 0, ms: performance.now() - sent, ok: false, error: String(err.cause ?? err) });
      })
      .finally(() => inFlight--);
    pending.push(done);
  };
  const started = performance.now();
  const period = 1000 / RATE;
  const running = (async () => {
    for (let i = 0; !stopped; i++) {
      const due = started + i * period;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (!stopped) fire(i);
    }
  })();
  return {
    stop: async (origin: number): Promise<RequestSample[]> => {
      stopped = true;
      await running;
      await Promise.all(pending);
      return samples
        .map(({ sent, ...rest }) => ({ ...rest, t: Math.round((sent - origin) * 10) / 10 }))
        .sort((a, b) => a.t - b.t);
    },
  };
}

type HistoryEvent = {
  eventId?: Long | number | null;
  eventTime?: { seconds?: Long | number | null; nanos?: number | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: Long | number | null } | null;
};
type Long = { toNumber(): number };
const num = (v: Long | number | null | undefined) => (typeof v === 'number' ? v : (v?.toNumber() ?? 0));
const ms = (e: HistoryEvent) => num(e.eventTime?.seconds) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Scheduled and completed times (epoch ms) of each activity of a run, in order. */
function activityTimes(events: HistoryEvent[]): { name: string; scheduled: number; completed: number }[] {
  const scheduled = new Map<number, { name: string; at: number }>();
  const out: { name: string; scheduled: number; completed: number }[] = [];
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) scheduled.set(num(e.eventId), { name, at: ms(e) });
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const s = scheduled.get(num(done.scheduledEventId))!;
      out.push({ name: s.name, scheduled: s.at, completed: ms(e) });
    }
  }
  return out;
}

/** Blue/green phases from the deploy's history; the rollout runs from the new server's start to the old one's stop. */
function blueGreenPhases(events: HistoryEvent[]) {
  const acts = activityTimes(events);
  const first = (name: string) => acts.find((a) => a.name === name)!;
  const last = (name: string) => acts.filter((a) => a.name === name).at(-1)!;
  const start = first('startModelServer').scheduled;
  const phases = {
    'start → ready': first('waitModelServerReady').completed - start,
    smoke: first('smokeTestModelServer').completed - first('waitModelServerReady').completed,
    canary: last('judgeCanaryStep').completed - first('smokeTestModelServer').completed,
    promote: first('promoteVersion').completed - last('judgeCanaryStep').completed,
    'drain + stop old': last('drainModelServer').completed - first('promoteVersion').completed,
  };
  return { start, end: last('drainModelServer').completed, phases };
}

async function blueGreen(client: Client, endpoint: string, from: number, to: number, rep: number) {
  const loop = requestLoop(`${endpoint}/v2/models/${MODEL}/predict`);
  await sleep(MARGIN_MS);
  const handle = await client.workflow.start('deployWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: `deploy/${MODEL}/${to}`,
    args: [{ modelName: MODEL, version: to, settings: { rollout: STEPS, stepSeconds: STEP_SECONDS } }],
  });
  const result = (await handle.result()) as DeployResult;
  if (result.outcome !== 'deployed') throw new Error(`rep ${rep}: deploy ended ${result.outcome}`);
  await sleep(MARGIN_MS);
  const { events } = await handle.fetchHistory();
  const { start, end, phases } = blueGreenPhases((events ?? []) as HistoryEvent[]);
  // History times are wall-clock; the loop's are performance.now(): align on the same clock.
  const origin = performance.now() - (Date.now() - start);
  const samples = await loop.stop(origin);
  return finish('blue/green', rep, from, to, end - start, phases, samples);
}

function finish(
  strategy: Repetition['strategy'],
  rep: number,
  from: number,
  to: number,
  rolloutMs: number,
  phases: Record<string, number>,
  samples: RequestSample[],
): Repetition {
  const failed = samples.filter((s) => !s.ok).length;
  const round = (v: number) => Math.round(v * 10) / 10;
  const result: Repetition = {
    strategy,
    rep,
    fromVersion: from,
    toVersion: to,
    rolloutMs: round(rolloutMs),
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)])),
    requests: samples.length,
    failed,
    samples,
  };
  const errors = [...new Set(samples.filter((s) => !s.ok).map((s) => s.error))].slice(0, 3);
  console.log(
    `${strategy.padEnd(15)} rep ${rep}: v${from} → v${to} rollout ${(rolloutMs / 1000).toFixed(2)} s, ` +
      `${samples.length} requests, ${failed} failed${errors.length ? ` (${errors.join('; ')})` : ''}`,
  );
  return result;
}

/** A model server as its own process, as the local target starts it, on a given port. */
function startServer(file: string, version: number, port: number): ChildProcess {
  const args = ['--import', 'tsx', path.join(ROOT, 'serving', 'main.ts'), '--model-file', file];
  args.push('--model-name', MODEL, '--model-version', String(version), '--port', String(port));
  return spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (child.exitCode !== null) throw new Error(`model server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`model server at ${url} not ready after 60 s`);
    await sleep(10);
  }
}

const stopServer = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

async function stopThenStart(file: string, from: number, to: number, rep: number): Promise<Repetition> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const old = startServer(file, from, port);
  let next: ChildProcess | undefined;
  try {
    await waitReady(url, old);
    const loop = requestLoop(`${url}/v2/models/${MODEL}/predict`);
    await sleep(MARGIN_MS);
    const t0 = performance.now();
    await stopServer(old);
    const stopped = performance.now();
    next = startServer(file, to, port);
    await waitReady(url, next);
    const ready = performance.now();
    await sleep(MARGIN_MS);
    const samples = await loop.stop(t0);
    const phases = { 'stop old': stopped - t0, 'start → ready': ready - stopped };
    return finish('stop-then-start', rep, from, to, ready - t0, phases, samples);
  } finally {
    await stopServer(old);
    if (next) await stopServer(next);
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  mkdirSync(OUT_DIR, { recursive: true });
  const loadBefore = os.loadavg();
  const server = await startDevServer({
    cliPath: await ensureTemporalCli((m) => console.log(m)),
    host: '127.0.0.1',
    port: await freePort(),
    dbFile: path.join(HOME, 'temporal.sqlite'),
    namespace: 'default',
  });
  const target = localTarget();
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const workers = await createWorkers({ connection, namespace: 'default', taskQueue: TASK_QUEUE });
    const running = workers.map((w) => w.run());
    const repetitions: Repetition[] = [];
    try {
      const { file } = seattleModel(HOME);
      const bytes = readFileSync(file);
      const versions: number[] = [];
      for (let i = 0; i <= REPS; i++) versions.push((await registerVersion(MODEL, bytes, `bench/${i}`)).version);

      // v1 serves first (not measured); each repetition then rolls the next version out.
      const first = (await client.workflow.execute('deployWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: `deploy/${MODEL}/${versions[0]}`,
        args: [{ modelName: MODEL, version: versions[0], settings: { rollout: [100], stepSeconds: 0 } }],
      })) as DeployResult;
      const endpoint = first.endpoint!;
      for (let rep = 1; rep <= REPS; rep++) {
        repetitions.push(await blueGreen(client, endpoint, versions[rep - 1], versions[rep], rep));
      }
      for (let rep = 1; rep <= REPS; rep++) {
        repetitions.push(await stopThenStart(file, versions[rep - 1], versions[rep], rep));
      }
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      await connection.close();
      await client.connection.close();
    }
    const cpus = os.cpus();
    const results: RolloutResults = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus.length,
        model: cpus[0]?.model ?? 'unknown',
        loadBefore,
        loadAfter: os.loadavg(),
        node: process.version,
      },
      settings: { reps: REPS, rate: RATE, steps: STEPS, stepSeconds: STEP_SECONDS, marginMs: MARGIN_MS },
      repetitions,
    };
    writeFileSync(path.join(OUT_DIR, 'results.json'), JSON.stringify(results));
    console.log(`wrote ${path.join(OUT_DIR, 'results.json')}`);
  } finally {
    await target.teardown(MODEL);
    await server.stop();
    rmSync(HOME, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
