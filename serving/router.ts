import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** A model server the router forwards to; `weight` is its share of new requests (0 = drained). */
export interface Backend {
  id: string;
  url: string;
  weight: number;
}

export interface BackendStatus extends Backend {
  inFlight: number;
}

export interface RouterOptions {
  modelName: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Backends are saved here on every change and loaded at start, so a restarted router routes as before. */
  stateFile?: string;
  /** Largest request body forwarded (default 16 MiB). */
  maxBodyBytes?: number;
}

export interface ModelRouter {
  url: string;
  port: number;
  backends(): BackendStatus[];
  setBackends(backends: Backend[]): void;
  close(): Promise<void>;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks an admin request's backends; errors name the field and the fix. */
export function parseBackends(body: unknown): Backend[] {
  const list = (body as { backends?: unknown } | null)?.backends;
  if (!Array.isArray(list))
    throw new RangeError('send {"backends": [{"id": "...", "url": "http://...", "weight": 0-100}]}');
  const seen = new Set<string>();
  return list.map((b: unknown, i) => {
    const { id, url, weight } = (b ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !ID_PATTERN.test(id))
      throw new RangeError(`backends[${i}].id must match ${ID_PATTERN}`);
    if (seen.has(id)) throw new RangeError(`backends[${i}].id "${id}" is listed twice; list each backend once`);
    seen.add(id);
    if (typeof url !== 'string' || !/^http:\/\/[^/]+$/.test(url))
      throw new RangeError(`backends[${i}].url must be http://host:port (no path), got ${JSON.stringify(url)}`);
    if (typeof weight !== 'number' || !(weight >= 0 && weight <= 100))
      throw new RangeError(`backends[${i}].weight must be a number within 0..100, got ${JSON.stringify(weight)}`);
    return { id, url, weight };
  });
}

function loadState(file: string | undefined): Backend[] {
  if (!file || !fs.existsSync(file)) return [];
  return parseBackends(JSON.parse(fs.readFileSync(file, 'utf8')));
}

function saveState(file: string | undefined, backends: Backend[]): void {
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ backends }, null, 2));
  fs.renameSync(tmp, file); // atomic: a restarted router never reads half a file
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The stable endpoint of one model: forwards each request to a backend chosen by weight. Weight changes affect only
 * new requests, and a request that meets a backend that is going away (connection refused or reset, or a 5xx) is
 * retried once on another routed backend, so rollouts and drains lose no requests. `/admin/backends` (GET, PUT)
 * reads and replaces the backends; it reports in-flight requests per backend, removed ones included until idle.
 */
export async function startRouter(options: RouterOptions): Promise<ModelRouter> {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  let routed: Backend[] = loadState(options.stateFile);
  const inFlight = new Map<string, number>();
  const urls = new Map<string, string>(routed.map((b) => [b.id, b.url]));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const status = (): BackendStatus[] => {
    const listed = routed.map((b) => ({ ...b, inFlight: inFlight.get(b.id) ?? 0 }));
    const gone = [...inFlight.entries()]
      .filter(([id, n]) => n > 0 && !routed.some((b) => b.id === id))
      .map(([id, n]) => ({ id, url: urls.get(id) ?? '', weight: 0, inFlight: n }));
    return [...listed, ...gone];
  };

  const setBackends = (backends: Backend[]) => {
    saveState(options.stateFile, backends);
    for (const b of backends) urls.set(b.id, b.url);
    routed = backends;
  };

  const pick = (exclude: Set<string>): Backend | undefined => {
    const candidates = routed.filter((b) => b.weight > 0 && !exclude.has(b.id));
    const total = candidates.reduce((s, b) => s + b.weight, 0);
    let r = Math.random() * total;
    for (const b of candidates) {
      r -= b.weight;
      if (r < 0) return b;
    }
    return candidates.at(-1);
  };

  /** One attempt: resolves with the backend's response, or undefined when it failed in a way worth retrying. */
  const attempt = (backend: Backend, req: http.IncomingMessage, body: Buffer, canRetry: boolean) =>
    new Promise<http.IncomingMessage | Error>((resolve) => {
      inFlight.set(backend.id, (inFlight.get(backend.id) ?? 0) + 1);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inFlight.set(backend.id, (inFlight.get(backend.id) ?? 1) - 1);
        if (inFlight.get(backend.id) === 0 && !routed.some((b) => b.id === backend.id)) inFlight.delete(backend.id);
      };
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers.connection;
      const upstream = http.request(
        `${backend.url}${req.url ?? '/'}`,
        { method: req.method, headers, agent },
        (response) => {
          if (canRetry && (response.statusCode ?? 500) >= 500) {
            response.resume();
            response.on('end', finish);
            response.on('error', finish);
            resolve(new Error(`${backend.id} answered ${response.statusCode}`));
            return;
          }
          response.on('end', finish);
          response.on('error', finish);
          response.on('close', finish);
          resolve(response);
        },
      );
      upstream.on('error', (err) => {
        finish();
        resolve(err);
      });
      upstream.end(body);
    });

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) {
      return sendJson(res, 413, { error: `request body is over the router's limit of ${maxBodyBytes} bytes` });
    }
    const tried = new Set<string>();
    let lastError = '';
    for (let n = 0; n < 3; n++) {
      const backend = pick(tried);
      if (!backend) break;
      tried.add(backend.id);
      const canRetry = pick(tried) !== undefined;
      const result = await attempt(backend, req, body, canRetry);
      if (result instanceof Error) {
        lastError = result.message;
        continue;
      }
      res.writeHead(result.statusCode ?? 502, { ...result.headers, 'x-mlops-backend': backend.id });
      result.pipe(res);
      return;
    }
    sendJson(res, tried.size === 0 ? 503 : 502, {
      error:
        tried.size === 0
          ? `no version of model "${options.modelName}" is serving; deploy one (mlops deploy ${options.modelName} <version>)`
          : `every backend of model "${options.modelName}" failed: ${lastError}`,
    });
  };

  const admin = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/admin/backends' && req.method === 'GET') return sendJson(res, 200, { backends: status() });
    if (req.url === '/admin/backends' && req.method === 'PUT') {
      const body = await readBody(req, 1024 * 1024);
      try {
        setBackends(parseBackends(JSON.parse(body?.toString() ?? '')));
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
      return sendJson(res, 200, { backends: status() });
    }
    if (req.url === '/admin/health') return sendJson(res, 200, { model: options.modelName, pid: process.pid });
    sendJson(res, 404, { error: `no admin route ${req.method} ${req.url}; use GET or PUT /admin/backends` });
  };

  const server = http.createServer((req, res) => {
    const handle = req.url?.startsWith('/admin/') ? admin : forward;
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: `router failed: ${err.message}` });
      else res.destroy(err);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    backends: status,
    setBackends,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        agent.destroy();
      }),
  };
}
