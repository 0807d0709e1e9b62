import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config/paths';
import { freePort } from '../../runtime/ports';
import {
  deploymentIdOf,
  ModelServerExitedError,
  type DeploymentTarget,
  type RunningServer,
  type ServerSpec,
  type TargetResources,
  type TrafficShare,
} from './target';

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process of ours, found by its command line: `serving/main` or `serving/router-main` with its options. */
export interface ServingProcess {
  pid: number;
  kind: 'server' | 'router';
  modelName: string;
  version?: number;
  port: number;
  /** A router's `--state-file`: tells which deploy state folder (MLOPS_HOME) it belongs to. */
  stateFile?: string;
  /** A server's `--feature-log-dir`: tells which MLOPS_HOME it belongs to. */
  featureLogDir?: string;
}

function optionOf(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseProcess(pid: number, args: string[]): ServingProcess | undefined {
  const script = args.find((a) => /serving[/\\](main|router-main)\.(ts|js)$/.test(a));
  const modelName = optionOf(args, '--model-name');
  const port = Number(optionOf(args, '--port'));
  if (!script || !modelName || !Number.isInteger(port)) return undefined;
  if (/router-main/.test(script))
    return { pid, kind: 'router', modelName, port, stateFile: optionOf(args, '--state-file') };
  const version = Number(optionOf(args, '--model-version'));
  const featureLogDir = optionOf(args, '--feature-log-dir');
  return Number.isInteger(version)
    ? { pid, kind: 'server', modelName, version, port, ...(featureLogDir ? { featureLogDir } : {}) }
    : undefined;
}

/** A running process's ID and command-line arguments. */
export interface ProcessEntry {
  pid: number;
  args: string[];
}

/** Linux: /proc/<pid>/cmdline holds the exact arguments; undefined where there is no /proc. */
function procProcesses(): ProcessEntry[] | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  const entries: ProcessEntry[] = [];
  for (const pid of pids) {
    try {
      // A zombie (exited, not yet reaped) has an empty command line and does not count.
      entries.push({ pid: Number(pid), args: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') });
    } catch {
      continue;
    }
  }
  return entries;
}

/**
 * Elsewhere (macOS, BSD): `ps`, whose command column joins the arguments with spaces, so an argument that holds a
 * space is split in two; the options read here (model name, version, port, state and log paths) are matched as
 * tokens, which is enough unless MLOPS_HOME itself contains a space.
 */
export function psProcesses(): ProcessEntry[] {
  const out = execFileSync('ps', ['-axww', '-o', 'pid=,command='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2].split(/\s+/) }));
}

const defaultProcessList = (): ProcessEntry[] => procProcesses() ?? psProcesses();

/**
 * Model servers and routers running on this machine, read from the process table (/proc, or `ps` where there is
 * none): the processes themselves are the truth, so a worker that died between spawning and recording a server
 * still finds it (no duplicates, no orphans).
 */
export function servingProcesses(
  modelName?: string,
  list: () => ProcessEntry[] = defaultProcessList,
): ServingProcess[] {
  const found: ServingProcess[] = [];
  for (const { pid, args } of list()) {
    const parsed = parseProcess(pid, args);
    if (parsed && (modelName === undefined || parsed.modelName === modelName)) found.push(parsed);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.existsSync('/proc') ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== '' : true;
  } catch {
    return false;
  }
}

async function stopProcess(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (alive(pid)) await sleep(20);
  }
}

/** `node [--import tsx] <root>/serving/<name>.ts`, or the built `.js` when running from dist/. */
function entryPoint(name: string): string[] {
  if (__filename.endsWith('.ts')) return ['--import', 'tsx', path.join(PACKAGE_ROOT, 'serving', `${name}.ts`)];
  return [path.join(PACKAGE_ROOT, 'dist', 'serving', `${name}.js`)];
}

async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}: ${body.error ?? ''}`);
  return body;
}

export interface LocalTargetOptions {
  /** Folder of the deploy state: ports, logs (`<MLOPS_HOME>/deploy`). */
  stateDir: string;
  /** Where servers append their feature logs. */
  featureLogDir?: string;
}

/**
 * Model servers and one router per model as detached processes on this machine: they outlive a worker crash, and a
 * new worker finds them again by their command lines. The router's port is kept in `<stateDir>/<model>/router.json`.
 */
export class LocalTarget implements DeploymentTarget {
  constructor(private readonly options: LocalTargetOptions) {}

  private dir(modelName: string): string {
    return path.join(this.options.stateDir, modelName);
  }

  resources(): TargetResources {
    // Servers run as plain processes: one per deployment, no CPU limits. The allocation is recorded only.
    return { cpuBudget: os.availableParallelism(), applies: [] };
  }

  /**
   * This target's processes of a model: a router whose state file is in this target's folder, servers writing to
   * this target's feature logs. Another MLOPS_HOME on the machine may serve a model of the same name.
   */
  private processes(modelName: string): ServingProcess[] {
    const stateFile = path.join(this.dir(modelName), 'routes.json');
    return servingProcesses(modelName).filter((p) =>
      p.kind === 'router' ? p.stateFile === stateFile : p.featureLogDir === this.options.featureLogDir,
    );
  }

  private spawnDetached(args: string[], logFile: string): number {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, args, {
        cwd: PACKAGE_ROOT,
        detached: true,
        stdio: ['ignore', log, log],
        env: process.env,
      });
      child.unref();
      if (child.pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
      return child.pid;
    } finally {
      fs.closeSync(log);
    }
  }

  async endpoint(modelName: string): Promise<{ url: string } | undefined> {
    const router = this.processes(modelName).find((p) => p.kind === 'router');
    return router ? { url: `http://${HOST}:${router.port}` } : undefined;
  }

  async ensureEndpoint(modelName: string): Promise<{ url: string }> {
    const stateFile = path.join(this.dir(modelName), 'router.json');
    let running = await this.endpoint(modelName);
    if (!running) {
      const saved = fs.existsSync(stateFile)
        ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { port: number })
        : undefined;
      const port = saved?.port ?? (await freePort());
      fs.mkdirSync(this.dir(modelName), { recursive: true });
      fs.writeFileSync(stateFile, JSON.stringify({ port }));
      const args = [
        ...entryPoint('router-main'),
        '--model-name',
        modelName,
        '--port',
        String(port),
        '--state-file',
        path.join(this.dir(modelName), 'routes.json'),
      ];
      this.spawnDetached(args, path.join(this.dir(modelName), 'router.log'));
      running = { url: `http://${HOST}:${port}` };
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetchJson(`${running.url}/admin/health`).then(
        () => true,
        () => false,
      );
      if (up) return running;
      if (Date.now() > deadline || !(await this.endpoint(modelName))) {
        const log = fs.readFileSync(path.join(this.dir(modelName), 'router.log'), 'utf8').slice(-2000);
        throw new Error(`the router of "${modelName}" did not come up on ${running.url}:\n${log}`);
      }
      await sleep(100);
    }
  }

  async stopEndpoint(modelName: string): Promise<void> {
    for (const p of this.processes(modelName).filter((p) => p.kind === 'router')) await stopProcess(p.pid, 5_000);
  }

  private toServer(p: ServingProcess): RunningServer {
    return {
      deploymentId: deploymentIdOf(p.modelName, p.version!),
      modelName: p.modelName,
      version: p.version!,
      url: `http://${HOST}:${p.port}`,
      pid: p.pid,
    };
  }

  async list(modelName: string): Promise<RunningServer[]> {
    return this.processes(modelName)
      .filter((p) => p.kind === 'server')
      .map((p) => this.toServer(p));
  }

  async find(modelName: string, deploymentId: string): Promise<RunningServer | undefined> {
    return (await this.list(modelName)).find((s) => s.deploymentId === deploymentId);
  }

  private logFile(modelName: string, deploymentId: string): string {
    return path.join(this.dir(modelName), 'servers', `${deploymentId}.log`);
  }

  async start(spec: ServerSpec): Promise<RunningServer> {
    const existing = await this.find(spec.modelName, spec.deploymentId);
    if (existing) return existing;
    const port = await freePort();
    const args = [
      ...entryPoint('main'),
      '--model-file',
      spec.modelFile,
      '--model-name',
      spec.modelName,
      '--model-version',
      String(spec.version),
      '--port',
      String(port),
      ...(this.options.featureLogDir ? ['--feature-log-dir', this.options.featureLogDir] : []),
      ...(spec.faults
        ? [
            '--fault-error-rate',
            String(spec.faults.errorRate),
            '--fault-after-requests',
            String(spec.faults.afterRequests ?? 0),
          ]
        : []),
    ];
    const logFile = this.logFile(spec.modelName, spec.deploymentId);
    fs.rmSync(logFile, { force: true });
    const pid = this.spawnDetached(args, logFile);
    return {
      deploymentId: spec.deploymentId,
      modelName: spec.modelName,
      version: spec.version,
      url: `http://${HOST}:${port}`,
      pid,
    };
  }

  async waitReady(server: RunningServer, timeoutMs: number, onWait?: () => void): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await fetch(`${server.url}/v2/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (!(await this.find(server.modelName, server.deploymentId))) {
        const log = fs.readFileSync(this.logFile(server.modelName, server.deploymentId), 'utf8').trim().slice(-2000);
        throw new ModelServerExitedError(
          `the model server of ${server.modelName} v${server.version} exited before it was ready: ${log || '(no output)'}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the model server of ${server.modelName} v${server.version} was not ready after ${timeoutMs} ms`,
        );
      }
      onWait?.();
      await sleep(100);
    }
  }

  async setTraffic(modelName: string, shares: TrafficShare[]): Promise<void> {
    const { url } = await this.ensureEndpoint(modelName);
    const backends = shares.map((s) => ({ id: s.deploymentId, url: s.url, weight: s.weight }));
    await fetchJson(`${url}/admin/backends`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ backends }),
    });
  }

  async drainAndStop(modelName: string, deploymentId: string, timeoutMs: number, onWait?: () => void): Promise<void> {
    const server = await this.find(modelName, deploymentId);
    const endpoint = await this.endpoint(modelName);
    if (endpoint) {
      type Listed = { backends: { id: string; url: string; weight: number; inFlight: number }[] };
      const { backends } = (await fetchJson(`${endpoint.url}/admin/backends`)) as Listed;
      if (backends.some((b) => b.id === deploymentId && b.weight > 0)) {
        const rest = backends.filter((b) => b.id !== deploymentId && b.weight > 0);
        await this.setTraffic(
          modelName,
          rest.map((b) => ({ deploymentId: b.id, url: b.url, weight: b.weight })),
        );
      }
      // Stop routing first, then wait until the router has no request in flight to it.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = (await fetchJson(`${endpoint.url}/admin/backends`)) as Listed;
        if (!now.backends.some((b) => b.id === deploymentId && b.inFlight > 0)) break;
        if (Date.now() > deadline) break;
        onWait?.();
        await sleep(50);
      }
    }
    // SIGTERM: the server finishes requests it already accepted, then exits.
    if (server?.pid) await stopProcess(server.pid, 10_000);
  }

  /** Stops every server and the router of a model (tests and `teardown`). */
  async teardown(modelName: string): Promise<void> {
    for (const p of this.processes(modelName)) await stopProcess(p.pid, 5_000);
  }

  /** The router first (no new requests), then every server; the saved routes go, so a new router starts empty. */
  async undeploy(modelName: string): Promise<{ stopped: RunningServer[] }> {
    const servers = await this.list(modelName);
    await this.stopEndpoint(modelName);
    for (const server of servers) await stopProcess(server.pid!, 10_000);
    fs.rmSync(path.join(this.dir(modelName), 'routes.json'), { force: true });
    return { stopped: servers };
  }
}
