import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactRef } from './artifact-store';
import { createFileAtomic, writeFileAtomic } from './atomic-file';
import { lockFile } from './file-lock';
import { MODEL_NAME_PATTERN, type LifecycleConfig } from '../config/project';

/** One registered model version with its lineage: what data and settings produced it, and how well it did. */
export interface ModelVersion {
  name: string;
  version: number;
  createdAt: string;
  /** The run that produced it (`<workflowId>/<runId>`): registering twice from one run returns the same version. */
  runKey: string;
  modelType: string;
  task: 'regression' | 'classification';
  dataset: { source: string; hash: string; rows: number };
  features: { name: string; type: string }[];
  target: { name: string; type: string };
  hyperparameters: Record<string, number | string>;
  metrics: Record<string, number>;
  artifact: ArtifactRef;
  /** Statistics of the training rows: the reference the next dataset for this model is validated against. */
  trainingStatistics?: ArtifactRef;
  /** The resolved project config that trained it (hyperparameters as trained): what a retrain starts from. */
  config?: LifecycleConfig;
  /** Set when a retrain produced this version: its data and how it compared with the champion it challenged. */
  retrain?: RetrainLineage;
}

/** How a challenger was trained and judged (the before/after of a retrain). */
export interface RetrainLineage {
  workflowId: string;
  championVersion: number;
  /** The lineage's original training data, which every retrain starts from again (plus the feedback rows). */
  baseDataset: { source: string; hash: string; format: string; maxRows?: number };
  /** Labelled feedback rows in the window: how many trained, how many were the holdout, and their time span. */
  feedback: { rows: number; trainingRows: number; holdoutRows: number; from: string; to: string };
  /** What the challenger's drift reference was computed from (see `retrain.reference`). */
  reference?: 'feedback' | 'training';
  /** Champion and challenger on the same fresh holdout (ONNX models, raw features in). */
  holdout: {
    metric: string;
    margin: number;
    champion: Record<string, number>;
    challenger: Record<string, number>;
    better: boolean;
    reason: string;
  };
}

export type NewModelVersion = Omit<ModelVersion, 'version' | 'createdAt'>;

/** The resources a deploy sized a serving version with (see lib/allocation and `deploy.resources`). */
export interface ServingAllocation {
  /** Expected request rate w_i the allocation was computed for. */
  requestsPerSecond: number;
  /** R_i: CPUs allotted to the model in all. */
  cpu: number;
  replicas: number;
  cpuPerReplica: number;
  /** The model's minimum CPU (kept so later deploys of other models allocate around it). */
  minCpu: number;
  /** R_total of the target when the allocation was made. */
  cpuBudget: number;
  /** What the target applied: `replicas` (processes or pods) and/or `cpu` (limits); the rest is recorded only. */
  applied: ('replicas' | 'cpu')[];
}

export interface ServingHistoryEntry {
  version: number;
  since: string;
  until: string;
  workflowId: string;
}

/** Which version of a model serves, where, and which versions served before it. */
export interface ServingRecord {
  name: string;
  version: number;
  since: string;
  /** The stable endpoint clients call (the model's router). */
  endpoint: string;
  /** The deploy run that promoted it. */
  workflowId: string;
  /** Earlier serving versions, most recent last. */
  history: ServingHistoryEntry[];
  allocation?: ServingAllocation;
}

/** serving.json after `undeploy`: nothing serves, the history stays. */
interface NothingServing {
  name: string;
  version: null;
  since: string;
  history: ServingHistoryEntry[];
}

export type ServingUpdate = Pick<ServingRecord, 'version' | 'endpoint' | 'workflowId'> &
  Partial<Pick<ServingRecord, 'allocation'>> & {
    /**
     * Compare-and-swap: the version the writer saw serving (null: none). When another writer changed it meanwhile
     * the update is refused with `ServingConflictError` instead of overwriting it.
     */
    expectedVersion?: number | null;
  };

/** A serving update refused because another deploy changed which version serves since the writer looked. */
export class ServingConflictError extends Error {
  override name = 'ServingConflictError';
}

export interface Registry {
  register(entry: NewModelVersion): Promise<ModelVersion>;
  get(name: string, version: number): Promise<ModelVersion | undefined>;
  list(name: string): Promise<ModelVersion[]>;
  /** Stores a document about a version (e.g. `card.md`) beside it; returns where it lives. */
  attach(name: string, version: number, suffix: string, content: string): Promise<string>;
  /** A document stored with `attach`, or undefined when there is none. */
  readAttachment(name: string, version: number, suffix: string): Promise<string | undefined>;
  /** Which version serves (undefined before the first deploy). */
  getServing(name: string): Promise<ServingRecord | undefined>;
  /** Records that `update.version` now serves; the previous one moves to the history. Idempotent per workflow. */
  setServing(name: string, update: ServingUpdate): Promise<ServingRecord>;
  /** Records that no version serves (after `undeploy`); the history is kept. Returns the version that served. */
  clearServing(name: string): Promise<number | undefined>;
  /** Every model a version serves of. */
  listServing(): Promise<ServingRecord[]>;
}

/** `<root>/<model>/<version>.json`; a version number is claimed by an atomic create, so racing writers never clash. */
export class FileRegistry implements Registry {
  constructor(private readonly root: string) {}

  private file(name: string, version: number): string {
    if (!MODEL_NAME_PATTERN.test(name))
      throw new RangeError(`model name "${name}" does not match ${MODEL_NAME_PATTERN}`);
    return path.join(this.root, name, `${version}.json`);
  }

  async list(name: string): Promise<ModelVersion[]> {
    const entries = await fs.readdir(path.dirname(this.file(name, 0))).catch(() => [] as string[]);
    const versions = entries.filter((f) => /^\d+\.json$/.test(f)).map((f) => Number(f.slice(0, -5)));
    const models = await Promise.all(versions.map((v) => this.get(name, v)));
    return models.filter((m): m is ModelVersion => m !== undefined).sort((a, b) => a.version - b.version);
  }

  async get(name: string, version: number): Promise<ModelVersion | undefined> {
    const text = await fs.readFile(this.file(name, version), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as ModelVersion);
  }

  private attachmentFile(name: string, version: number, suffix: string): string {
    if (!/^[a-z0-9.-]+$/.test(suffix))
      throw new RangeError(`attachment suffix "${suffix}" must be plain (e.g. card.md)`);
    return this.file(name, version).replace(/\.json$/, `.${suffix}`);
  }

  async attach(name: string, version: number, suffix: string, content: string): Promise<string> {
    const file = this.attachmentFile(name, version, suffix);
    await writeFileAtomic(file, content);
    return file;
  }

  async readAttachment(name: string, version: number, suffix: string): Promise<string | undefined> {
    return fs.readFile(this.attachmentFile(name, version, suffix), 'utf8').catch(() => undefined);
  }

  private servingFile(name: string): string {
    return path.join(path.dirname(this.file(name, 0)), 'serving.json');
  }

  private async readServing(name: string): Promise<ServingRecord | NothingServing | undefined> {
    const text = await fs.readFile(this.servingFile(name), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as ServingRecord | NothingServing);
  }

  async getServing(name: string): Promise<ServingRecord | undefined> {
    const record = await this.readServing(name);
    return record && record.version !== null ? record : undefined;
  }

  /**
   * Runs a read-modify-write of serving.json under an inter-process lock (`serving.json.lock`, a directory created
   * atomically; a holder that died leaves a stale lock that is taken over after 10 s), so two deploys of one model,
   * in one worker or in two, never lose each other's update.
   */
  private async withServingLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const file = this.servingFile(name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    let compromised: Error | undefined;
    // A lost lock fails this write.
    const release = await lockFile(file, (err) => (compromised = err));
    try {
      const result = await fn();
      if (compromised) throw new Error(`the lock on ${file} was lost while writing: ${compromised.message}`);
      return result;
    } finally {
      await release().catch(() => undefined);
    }
  }

  async setServing(name: string, update: ServingUpdate): Promise<ServingRecord> {
    const { expectedVersion, ...fields } = update;
    return this.withServingLock(name, async () => {
      const stored = await this.readServing(name);
      const current = stored && stored.version !== null ? stored : undefined;
      if (current && current.version === fields.version && current.workflowId === fields.workflowId) return current;
      if (expectedVersion !== undefined && (current?.version ?? null) !== expectedVersion) {
        throw new ServingConflictError(
          `model "${name}": ${current ? `v${current.version} serves (promoted by ${current.workflowId})` : 'no version serves'}, not ${expectedVersion === null ? 'none' : `v${expectedVersion}`} as this deploy planned; another deploy changed it meanwhile, deploy again`,
        );
      }
      const now = new Date().toISOString();
      const history = [
        ...(stored?.history ?? []),
        ...(current
          ? [{ version: current.version, since: current.since, until: now, workflowId: current.workflowId }]
          : []),
      ];
      const record: ServingRecord = { name, ...fields, since: now, history };
      // Written to a sibling and renamed: a reader sees the old record or the new one, never half of one.
      await writeFileAtomic(this.servingFile(name), JSON.stringify(record, null, 2));
      return record;
    });
  }

  async clearServing(name: string): Promise<number | undefined> {
    return this.withServingLock(name, async () => {
      const stored = await this.readServing(name);
      if (!stored || stored.version === null) return undefined;
      const now = new Date().toISOString();
      const entry = { version: stored.version, since: stored.since, until: now, workflowId: stored.workflowId };
      const record: NothingServing = { name, version: null, since: now, history: [...stored.history, entry] };
      await writeFileAtomic(this.servingFile(name), JSON.stringify(record, null, 2));
      return stored.version;
    });
  }

  async listServing(): Promise<ServingRecord[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => MODEL_NAME_PATTERN.test(n)).map((n) => this.getServing(n)));
    return records.filter((r): r is ServingRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async register(entry: NewModelVersion): Promise<ModelVersion> {
    for (;;) {
      const existing = await this.list(entry.name);
      const same = existing.find((m) => m.runKey === entry.runKey);
      if (same) return same;
      const version = (existing.at(-1)?.version ?? 0) + 1;
      const model: ModelVersion = { ...entry, version, createdAt: new Date().toISOString() };
      try {
        await createFileAtomic(this.file(entry.name, version), JSON.stringify(model, null, 2));
        return model;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}
