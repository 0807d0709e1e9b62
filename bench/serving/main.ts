/**
 * Model-server throughput and latency, each against its limit measured in the same run:
 *  1. requests/s and p50/p99 latency at 1, 16 and 64 connections with 1-row OIP infer requests, against the model
 *     server (serving/main.ts) and against a bare Node HTTP server answering a constant (bench/serving/bare-server.ts);
 *  2. rows/s with 1,000-row requests against the model server, and in-process onnxruntime-node `session.run` on the
 *     same 1,000-row tensors;
 *  3. latency at a fixed 1,000 requests/s (autocannon overallRate).
 * Both servers run as their own processes on 127.0.0.1 (free ports) and are stopped at the end; autocannon runs in
 * this process. Writes the "Serving (bench/serving)" section of bench/RESULTS.md. See bench/serving/README.md.
 *
 * Environment: SERVING_DURATION (10 s per measurement), SERVING_WARMUP (2 s before each), SERVING_CPU_PROF (0; 1
 * writes a V8 CPU profile of the model server to .mlops/bench/serving/), SERVING_WRITE_RESULTS (1; 0 only prints),
 * SERVING_PARTS (one-row,fixed-rate,large; a subset runs only that load against the model server, without a report).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { formatSection, writeSection } from '../results-file';
import { SESSION_OPTIONS } from '../../serving/model';
import { seattleModel } from '../../test/serving/fixtures';
import { envInt, machineCores } from '../env';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT_DIR = path.join(ROOT, '.mlops', 'bench', 'serving');
const HEADING = '## Serving (bench/serving)';

const DURATION = Math.max(1, envInt('SERVING_DURATION', 10));
const WARMUP = envInt('SERVING_WARMUP', 2);
const CPU_PROF = process.env.SERVING_CPU_PROF === '1';
const WRITE_RESULTS = process.env.SERVING_WRITE_RESULTS !== '0';
/** Which measurements to run (all by default; a subset only prints, for profiling). */
const PARTS = new Set((process.env.SERVING_PARTS ?? 'one-row,fixed-rate,large').split(','));
for (const part of PARTS) {
  if (!['one-row', 'fixed-rate', 'large'].includes(part)) {
    throw new Error(`SERVING_PARTS: expected one-row, fixed-rate and/or large, got "${part}"`);
  }
}
const CONNECTIONS = [1, 16, 64];
const LARGE_ROWS = 1000;
const LARGE_CONNECTIONS = [1, 2, 4, 8];
const FIXED_RATE = 1000;
const FIXED_RATE_CONNECTIONS = 16;
const GOALS = { httpShare: 0.7, rowsShare: 0.5, p99Ms: 5 };

// ---------------------------------------------------------------------------------------------------------------------
// Requests

/** Seattle-weather rows, deterministic: raw features as a client sends them (dates as days since 1970). */
function seattleColumns(rows: number) {
  const date = new Float32Array(rows);
  const precipitation = new Float32Array(rows);
  const tempMin = new Float32Array(rows);
  const wind = new Float32Array(rows);
  const weather: string[] = [];
  const kinds = ['sun', 'rain', 'drizzle', 'fog', 'snow'];
  for (let i = 0; i < rows; i++) {
    date[i] = 15340 + ((i * 37) % 1461);
    precipitation[i] = (i * 7) % 13 === 0 ? 5.5 : 0;
    tempMin[i] = -2 + ((i * 11) % 20) + 0.5;
    wind[i] = 1 + ((i * 3) % 8) + 0.25;
    weather.push(kinds[i % kinds.length]);
  }
  return { date, precipitation, temp_min: tempMin, wind, weather };
}

/** A request: its body and the headers that go with it. */
interface Payload {
  body: string | Buffer;
  headers: Record<string, string>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function inferBody(rows: number): string {
  const columns = seattleColumns(rows);
  return JSON.stringify({
    inputs: Object.entries(columns).map(([name, data]) => ({
      name,
      shape: [rows],
      datatype: Array.isArray(data) ? 'BYTES' : 'FP32',
      data: Array.from(data as ArrayLike<number | string>),
    })),
  });
}

/**
 * The same rows with the binary tensor data extension: a JSON header naming each input's byte size, then the raw
 * little-endian tensors (BYTES elements as a uint32 length and UTF-8 bytes); the prediction comes back as raw FP32.
 */
function inferBinary(rows: number): Payload {
  const columns = seattleColumns(rows);
  const tensors = Object.values(columns).map((data) =>
    Array.isArray(data)
      ? Buffer.concat(
          data.flatMap((s) => {
            const bytes = Buffer.from(s, 'utf8');
            const length = Buffer.alloc(4);
            length.writeUInt32LE(bytes.length);
            return [length, bytes];
          }),
        )
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  );
  const header = Buffer.from(
    JSON.stringify({
      inputs: Object.entries(columns).map(([name, data], i) => ({
        name,
        shape: [rows],
        datatype: Array.isArray(data) ? 'BYTES' : 'FP32',
        parameters: { binary_data_size: tensors[i].length },
      })),
      parameters: { binary_data_output: true },
    }),
  );
  return {
    body: Buffer.concat([header, ...tensors]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

/** One request before the load: the server must answer it with `rows` predictions, else the numbers mean nothing. */
async function checkAnswer(url: string, payload: Payload, rows: number): Promise<void> {
  const response = await fetch(`${url}/v2/models/seattle/infer`, {
    method: 'POST',
    headers: payload.headers,
    body: payload.body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const headerLength = Number(response.headers.get('inference-header-content-length') ?? bytes.length);
  const header = JSON.parse(bytes.toString('utf8', 0, headerLength)) as {
    outputs?: { shape: number[]; data?: number[]; parameters?: { binary_data_size?: number } }[];
  };
  const output = header.outputs?.[0];
  const values = output?.data?.length ?? (output?.parameters?.binary_data_size ?? 0) / 4;
  if (response.status !== 200 || values !== rows || bytes.length - headerLength !== (output?.data ? 0 : rows * 4)) {
    throw new Error(`${url} answered ${response.status} with ${values} predictions for ${rows} rows`);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Processes

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
}

function startChild(name: string, args: string[]): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${name} did not print its URL within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve({ name, url: match[1], process: child });
    });
  });
}

function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
    child.process.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Load

interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  requestsPerS: number;
  non2xx: number;
  errors: number;
  /** From every response's own time (float ms), without coordinated-omission correction. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** autocannon's own p99: whole milliseconds, corrected for coordinated omission when a rate is set. */
  autocannonP99Ms: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function load(
  url: string,
  payload: Payload,
  connections: number,
  durationS: number,
  overallRate?: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: `${url}/v2/models/seattle/infer`,
    method: 'POST',
    headers: payload.headers,
    body: payload.body,
    connections,
    duration: durationS,
    ...(overallRate ? { overallRate } : {}),
  });
  // autocannon emits (client, status, bytes, ms); its typings omit the client.
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, status: number, _b: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    },
  );
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const requests = result['2xx'];
  return {
    connections,
    durationS: result.duration,
    requests,
    requestsPerS: requests / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    autocannonP99Ms: result.latency.p99,
  };
}

async function measure(url: string, payload: Payload, connections: number, overallRate?: number): Promise<LoadResult> {
  if (WARMUP > 0) await load(url, payload, connections, WARMUP, overallRate);
  const result = await load(url, payload, connections, DURATION, overallRate);
  console.error(
    `  ${url} c=${connections}${overallRate ? ` rate=${overallRate}/s` : ''}: ${result.requestsPerS.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
  );
  return result;
}

interface InProcess {
  rowsPerS: number;
  runs: number;
}

/** Rows/s of sequential `session.run` calls on the same 1,000-row tensors, in this process. */
async function inProcessRowsPerS(
  modelFile: string,
  rows: number,
  options: InferenceSession.SessionOptions,
): Promise<InProcess> {
  const session = await InferenceSession.create(readFileSync(modelFile), options);
  const columns = seattleColumns(rows);
  const feeds = () =>
    Object.fromEntries(
      Object.entries(columns).map(([name, data]) => [
        name,
        Array.isArray(data) ? new Tensor('string', data, [rows]) : new Tensor('float32', data, [rows]),
      ]),
    );
  const runFor = async (seconds: number) => {
    let runs = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await session.run(feeds());
      runs++;
    }
    return { runs, elapsedS: (performance.now() - start) / 1000 };
  };
  if (WARMUP > 0) await runFor(WARMUP);
  const { runs, elapsedS } = await runFor(DURATION);
  await session.release();
  return { rowsPerS: (runs * rows) / elapsedS, runs };
}

// ---------------------------------------------------------------------------------------------------------------------
// Report

function packageVersion(name: string): string {
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

function machine(): string {
  return `${machineCores()}; Node ${process.version}; autocannon ${packageVersion('autocannon')}, fastify ${packageVersion('fastify')}, onnxruntime-node ${packageVersion('onnxruntime-node')}`;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const fmt = (x: number, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const ms = (x: number) => fmt(x, x < 10 ? 3 : 1);
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

interface Results {
  date: string;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  durationS: number;
  warmupS: number;
  oneRow: { connections: number; ours: LoadResult; bare: LoadResult }[];
  /** In-process rows/s with the server's session options and with onnxruntime's defaults; the goal uses the larger. */
  /** ours: JSON bodies; binary: the binary tensor data extension (raw tensors in and out). */
  large: { ours: LoadResult[]; binary: LoadResult[]; inProcess: InProcess; inProcessDefaults: InProcess };
  fixedRate: { ours: LoadResult; bare: LoadResult };
  bodyBytes: { oneRow: number; large: number; largeBinary: number };
}

function report(r: Results): string {
  const at64 = r.oneRow.find((x) => x.connections === 64)!;
  const httpShare = at64.ours.requestsPerS / at64.bare.requestsPerS;
  const best = (results: LoadResult[]) => results.reduce((a, b) => (b.requestsPerS > a.requestsPerS ? b : a));
  const limit = Math.max(r.large.inProcess.rowsPerS, r.large.inProcessDefaults.rowsPerS);
  const jsonShare = (best(r.large.ours).requestsPerS * LARGE_ROWS) / limit;
  const rowsShare = (best(r.large.binary).requestsPerS * LARGE_ROWS) / limit;
  const p99 = r.fixedRate.ours.p99Ms;
  const missed = [
    httpShare < GOALS.httpShare ? `requests/s at 64 clients: ${fmt(httpShare * 100)} % of the bare server's` : '',
    rowsShare < GOALS.rowsShare
      ? `rows/s with 1,000-row requests: ${fmt(rowsShare * 100)} % of in-process with binary tensors`
      : '',
    !(p99 < GOALS.p99Ms) ? `p99 at ${FIXED_RATE} requests/s: ${ms(p99)} ms` : '',
  ].filter(Boolean);
  const errors = [
    ...r.oneRow.flatMap((x) => [x.ours, x.bare]),
    ...r.large.ours,
    ...r.large.binary,
    r.fixedRate.ours,
    r.fixedRate.bare,
  ]
    .map((x) => x.non2xx + x.errors)
    .reduce((a, b) => a + b, 0);
  return [
    HEADING,
    '',
    `Run ${r.date} on ${r.machine}. Load average (1, 5, 15 min) before: ${r.loadBefore}; after: ${r.loadAfter}.`,
    '',
    `Command: \`flock /tmp/mlops-cpu.lock bash bench/serving/run.sh\`. The model server (\`serving/main.ts\`, defaults: no feature log, batch window 0) and the bare Node HTTP server each run as their own process; autocannon runs in the benchmark process. **All three share the machine's 2 cores**, so every number includes the load generator's CPU. Each measurement: ${r.warmupS} s warm-up, then ${r.durationS} s. Model: the seattle-weather ridge pipeline (raw features in, one-hot and scaling inside the ONNX graph), built as the tests build it. Requests: OIP v2 \`POST /v2/models/seattle/infer\`, one FP32 or BYTES tensor per feature (${r.bodyBytes.oneRow} bytes for 1 row, ${fmt(r.bodyBytes.large)} bytes for 1,000 rows), and for 1,000 rows also with the binary tensor data extension (a JSON header, then raw FP32 and length-prefixed BYTES tensors, ${fmt(r.bodyBytes.largeBinary)} bytes; the prediction comes back as raw FP32). Latency percentiles from every response's own time (float ms); failed requests: ${errors}. See bench/serving/README.md for the method.`,
    '',
    '### 1-row requests: model server against a bare Node HTTP server returning a constant',
    '',
    '| clients | ours req/s | ours p50 ms | ours p99 ms | bare req/s | bare p50 ms | bare p99 ms | ours / bare | goal (≥ 70 % at 64) |',
    '| ------: | ---------: | ----------: | ----------: | ---------: | ----------: | ----------: | ----------: | ------------------- |',
    ...r.oneRow.map(
      (x) =>
        `| ${x.connections} | ${fmt(x.ours.requestsPerS)} | ${ms(x.ours.p50Ms)} | ${ms(x.ours.p99Ms)} | ${fmt(x.bare.requestsPerS)} | ${ms(x.bare.p50Ms)} | ${ms(x.bare.p99Ms)} | ${fmt((x.ours.requestsPerS / x.bare.requestsPerS) * 100)} % | ${x.connections === 64 ? yes(httpShare >= GOALS.httpShare) : ''} |`,
    ),
    '',
    `### 1,000-row requests: model server against in-process \`session.run\``,
    '',
    `In-process (the model servers stopped): sequential \`session.run\` on the same 1,000 rows as tensors, ${fmt(r.large.inProcess.rowsPerS)} rows/s with the server's session options (one intra-op thread, no spinning), ${fmt(r.large.inProcessDefaults.rowsPerS)} rows/s with onnxruntime's defaults; the share below is of the larger.`,
    '',
    '| clients | JSON req/s | JSON rows/s | JSON p50 ms | JSON p99 ms | JSON share | binary req/s | binary rows/s | binary p50 ms | binary p99 ms | binary share of in-process rows/s |',
    '| ------: | ---------: | ----------: | ----------: | ----------: | ---------: | -----------: | ------------: | ------------: | ------------: | --------------------------------: |',
    ...r.large.ours.map((x, i) => {
      const b = r.large.binary[i];
      const share = (y: LoadResult) => `${fmt(((y.requestsPerS * LARGE_ROWS) / limit) * 100)} %`;
      return `| ${x.connections} | ${fmt(x.requestsPerS)} | ${fmt(x.requestsPerS * LARGE_ROWS)} | ${ms(x.p50Ms)} | ${ms(x.p99Ms)} | ${share(x)} | ${fmt(b.requestsPerS)} | ${fmt(b.requestsPerS * LARGE_ROWS)} | ${ms(b.p50Ms)} | ${ms(b.p99Ms)} | ${share(b)} |`;
    }),
    '',
    `Best: ${fmt(rowsShare * 100)} % of in-process rows/s with binary tensors (goal ≥ 50 %: ${yes(rowsShare >= GOALS.rowsShare)}); ${fmt(jsonShare * 100)} % with JSON bodies.`,
    '',
    `### Latency at a fixed ${fmt(FIXED_RATE)} requests/s (1-row requests, ${FIXED_RATE_CONNECTIONS} connections, autocannon overallRate)`,
    '',
    '| server | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | autocannon p99 (whole ms, CO-corrected) | goal (p99 < 5 ms) |',
    '| ------ | -------------: | -----: | -----: | -----: | -------: | -----: | --------------------------------------: | ----------------- |',
    ...(
      [
        ['model server', r.fixedRate.ours],
        ['bare server', r.fixedRate.bare],
      ] as const
    ).map(
      ([name, x]) =>
        `| ${name} | ${fmt(x.requestsPerS)} | ${ms(x.p50Ms)} | ${ms(x.p90Ms)} | ${ms(x.p99Ms)} | ${ms(x.p999Ms)} | ${ms(x.maxMs)} | ${fmt(x.autocannonP99Ms)} | ${name === 'model server' ? yes(p99 < GOALS.p99Ms) : ''} |`,
    ),
    '',
    missed.length ? `Missed goals: ${missed.join('; ')}.` : 'All goals met.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-serving-'));
  mkdirSync(OUT_DIR, { recursive: true });
  const children: Child[] = [];
  try {
    const loadBefore = loadAverage();
    const model = seattleModel(dir);
    const serverArgs = [
      ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', OUT_DIR] : []),
      '--import',
      'tsx',
      'serving/main.ts',
      '--model-file',
      model.file,
      '--model-name',
      'seattle',
      '--model-version',
      '1',
      '--port',
      '0',
    ];
    const ours = await startChild('model server', serverArgs);
    children.push(ours);
    const bare = await startChild('bare server', ['--import', 'tsx', 'bench/serving/bare-server.ts']);
    children.push(bare);
    const oneRowBody = { body: inferBody(1), headers: JSON_HEADERS };
    const largeBody = { body: inferBody(LARGE_ROWS), headers: JSON_HEADERS };
    const largeBinary = inferBinary(LARGE_ROWS);
    await checkAnswer(ours.url, oneRowBody, 1);
    await checkAnswer(ours.url, largeBody, LARGE_ROWS);
    await checkAnswer(ours.url, largeBinary, LARGE_ROWS);

    if (PARTS.size < 3) {
      // Profiling: load only, no report.
      if (PARTS.has('one-row')) for (const c of CONNECTIONS) await measure(ours.url, oneRowBody, c);
      if (PARTS.has('fixed-rate')) await measure(ours.url, oneRowBody, FIXED_RATE_CONNECTIONS, FIXED_RATE);
      if (PARTS.has('large')) for (const c of LARGE_CONNECTIONS) await measure(ours.url, largeBody, c);
      if (PARTS.has('large')) for (const c of LARGE_CONNECTIONS) await measure(ours.url, largeBinary, c);
      return;
    }
    console.error('1-row requests');
    const oneRow: Results['oneRow'] = [];
    for (const connections of CONNECTIONS) {
      oneRow.push({
        connections,
        ours: await measure(ours.url, oneRowBody, connections),
        bare: await measure(bare.url, oneRowBody, connections),
      });
    }
    console.error(`fixed rate ${FIXED_RATE}/s`);
    const fixedRate = {
      ours: await measure(ours.url, oneRowBody, FIXED_RATE_CONNECTIONS, FIXED_RATE),
      bare: await measure(bare.url, oneRowBody, FIXED_RATE_CONNECTIONS, FIXED_RATE),
    };
    console.error(`${LARGE_ROWS}-row requests`);
    const large: LoadResult[] = [];
    for (const connections of LARGE_CONNECTIONS) large.push(await measure(ours.url, largeBody, connections));
    console.error(`${LARGE_ROWS}-row requests, binary tensor data`);
    const binary: LoadResult[] = [];
    for (const connections of LARGE_CONNECTIONS) binary.push(await measure(ours.url, largeBinary, connections));
    await Promise.all(children.map(stopChild)); // the in-process run has the machine to itself
    const inProcess = await inProcessRowsPerS(model.file, LARGE_ROWS, SESSION_OPTIONS);
    const inProcessDefaults = await inProcessRowsPerS(model.file, LARGE_ROWS, {});
    console.error(
      `  in-process session.run: ${inProcess.rowsPerS.toFixed(0)} rows/s (onnxruntime defaults: ${inProcessDefaults.rowsPerS.toFixed(0)})`,
    );

    const results: Results = {
      date: new Date().toISOString().slice(0, 10),
      machine: machine(),
      loadBefore,
      loadAfter: loadAverage(),
      durationS: DURATION,
      warmupS: WARMUP,
      oneRow,
      large: { ours: large, binary, inProcess, inProcessDefaults },
      fixedRate,
      bodyBytes: {
        oneRow: Buffer.byteLength(oneRowBody.body),
        large: Buffer.byteLength(largeBody.body),
        largeBinary: largeBinary.body.length,
      },
    };
    writeFileSync(path.join(OUT_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const section = await formatSection(report(results));
    console.log(section);
    if (WRITE_RESULTS) writeSection(HEADING, section);
  } finally {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
