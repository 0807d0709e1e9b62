/** Where model versions run. `local` (processes on this machine) is the embedded default; `kubernetes` comes later. */

export interface ServerSpec {
  modelName: string;
  version: number;
  /** Deterministic (`<model>-v<version>`): starting the same deployment twice finds the first one. */
  deploymentId: string;
  /** The ONNX file to serve. */
  modelFile: string;
  /** Fault injection for rollout drills (see serving/server.ts). */
  faults?: { errorRate: number; afterRequests?: number };
}

export interface RunningServer {
  deploymentId: string;
  modelName: string;
  version: number;
  url: string;
  pid?: number;
}

export interface TrafficShare {
  deploymentId: string;
  url: string;
  /** Percent of new requests, 0-100. */
  weight: number;
}

export interface DeploymentTarget {
  /** Starts the model's stable endpoint (router) unless it runs; its address never changes for a model. */
  ensureEndpoint(modelName: string): Promise<{ url: string }>;
  /** The endpoint when it runs. */
  endpoint(modelName: string): Promise<{ url: string } | undefined>;
  /** Starts a server for the spec unless one already runs for its deployment ID (idempotent). */
  start(spec: ServerSpec): Promise<RunningServer>;
  /** The running server of a deployment, if any. */
  find(modelName: string, deploymentId: string): Promise<RunningServer | undefined>;
  /** Every running server of a model. */
  list(modelName: string): Promise<RunningServer[]>;
  /**
   * Resolves once the server answers ready; throws `ModelServerExitedError` (with its log) when the process has
   * died, e.g. because the model does not load. `onWait` is called between polls (heartbeats).
   */
  waitReady(server: RunningServer, timeoutMs: number, onWait?: () => void): Promise<void>;
  /** Replaces the endpoint's routing; requests in flight finish where they started. */
  setTraffic(modelName: string, shares: TrafficShare[]): Promise<void>;
  /** Stops routing to a deployment, waits for its in-flight requests (up to timeoutMs), then stops it. */
  drainAndStop(modelName: string, deploymentId: string, timeoutMs: number, onWait?: () => void): Promise<void>;
  /** Stops the endpoint (when no version is left to serve). */
  stopEndpoint(modelName: string): Promise<void>;
}

export class ModelServerExitedError extends Error {
  override name = 'ModelServerExitedError';
}

export function deploymentIdOf(modelName: string, version: number): string {
  return `${modelName}-v${version}`;
}
