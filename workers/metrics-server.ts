import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The SDK's own metrics use 9464 (MLOPS_WORKER_METRICS_ADDRESS); the project's drift gauges are served beside them. */
export const DEFAULT_DRIFT_METRICS_PORT = 9465;

/**
 * Where a worker process serves its drift gauges: `MLOPS_WORKER_METRICS_PORT` (default 9465; 0 disables) on
 * `MLOPS_WORKER_METRICS_HOST` (default 127.0.0.1).
 */
export function driftMetricsAddress(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } | undefined {
  const text = env.MLOPS_WORKER_METRICS_PORT?.trim();
  const port = text ? Number(text) : DEFAULT_DRIFT_METRICS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`MLOPS_WORKER_METRICS_PORT must be a port number 0-65535 (0 disables), got "${text}"`);
  }
  return port === 0 ? undefined : { host: env.MLOPS_WORKER_METRICS_HOST?.trim() || '127.0.0.1', port };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** `GET /metrics` in Prometheus' text format from `registry`; anything else is 404. */
export async function serveMetrics(
  registry: Registry,
  address: { host: string; port: number },
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
