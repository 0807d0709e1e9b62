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

/** What a target does with a deployment's allocation (lib/allocation): its CPU budget and what it enforces. */
export interface TargetResources {
  /** R_total when the deploy settings give none (the local target: this machine's CPU count). */
  cpuBudget: number;
  /** `replicas`: runs that many servers; `cpu`: enforces per-replica CPU limits. The rest is recorded only. */
  applies: ('replicas' | 'cpu')[];
}

export interface DeploymentTarget {
  resources(): TargetResources;
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
  /** Stops every server and the endpoint of a model and forgets its routing (`mlops undeploy`). */
  undeploy(modelName: string): Promise<{ stopped: RunningServer[] }>;
}

export class ModelServerExitedError extends Error {
  override name = 'ModelServerExitedError';
}

export function deploymentIdOf(modelName: string, version: number): string {
  return `${modelName}-v${version}`;
}
