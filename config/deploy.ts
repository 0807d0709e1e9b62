import { z } from 'zod';
import { issueLines } from './zod-issues';

/** Deployment targets: `local` runs model servers as processes behind a local router; `kubernetes` comes later. */
export const DEPLOY_TARGETS = ['local'] as const;
export type DeployTargetName = (typeof DEPLOY_TARGETS)[number];

/**
 * How a new model version is rolled out: canary steps (percent of traffic to the new version, ending at 100), how
 * long each step is watched, and the thresholds read from the new server's metrics that roll it back.
 */
export const deploySettingsSchema = z
  .object({
    /** Whether the lifecycle deploys the version it registered (tests and batch-only projects set false). */
    enabled: z.boolean().default(true),
    target: z.enum(DEPLOY_TARGETS).default('local'),
    /** Percent of requests routed to the new version at each canary step; increasing, the last one 100. */
    rollout: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .default([10, 50, 100])
      .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]), 'steps must increase, e.g. [10, 50, 100]')
      .refine((steps) => steps.at(-1) === 100, 'the last step must be 100 (the new version takes all traffic)'),
    /** How long each canary step runs before its metrics are judged. */
    stepSeconds: z.number().min(0).max(3600).default(30),
    canary: z
      .object({
        /** Largest share of failed inference requests on the new version during a step. */
        maxErrorRate: z.number().min(0).max(1).default(0.01),
        /** Largest p99 request latency of the new version during a step, in milliseconds. */
        maxP99LatencyMs: z.number().positive().default(250),
        /** Requests the deploy sends to the new version itself during each step (golden rows), besides live ones. */
        probeRequests: z.number().int().min(0).max(1000).default(20),
      })
      .strict()
      .prefault({}),
    smoke: z
      .object({
        /** Largest |served − expected| per regression output, relative to max(1, |expected|); labels must match. */
        tolerance: z.number().min(0).default(1e-4),
        /** Golden rows taken from the validation set and stored with the version. */
        rows: z.number().int().min(1).max(1000).default(32),
      })
      .strict()
      .prefault({}),
    /**
     * Sizing (the seed's resource allocation): the target's CPU budget R_total is shared among every model it serves,
     * R_i ∝ √w_i above each model's minimum, then split into replicas of at most `maxCpuPerReplica` CPUs.
     */
    resources: z
      .object({
        /** Expected request rate w_i of this model (requests per second). */
        requestsPerSecond: z.number().min(0).default(10),
        /** CPUs shared by every model the target serves (default: this machine's CPU count for the local target). */
        cpuBudget: z.number().positive().optional(),
        /** CPUs this model gets whatever its traffic. */
        minCpu: z.number().min(0).default(0.1),
        /** Most CPUs one replica (a model-server process or pod) gets; a larger share is split over more replicas. */
        maxCpuPerReplica: z.number().positive().default(1),
        /** Granularity of CPU shares (0.001: Kubernetes millicores). */
        cpuStep: z.number().positive().default(0.001),
      })
      .strict()
      .refine((r) => r.cpuBudget === undefined || r.minCpu <= r.cpuBudget, {
        message: 'minCpu is above cpuBudget; lower minCpu or raise cpuBudget',
        path: ['minCpu'],
      })
      .prefault({}),
    /** How long a new model server may take to load its model and report ready. */
    readyTimeoutSeconds: z.number().positive().max(3600).default(60),
    /** How long draining an old version waits for its in-flight requests before stopping it anyway. */
    drainTimeoutSeconds: z.number().positive().max(3600).default(30),
  })
  .strict();

export type DeploySettingsInput = z.input<typeof deploySettingsSchema>;
export type DeploySettings = z.output<typeof deploySettingsSchema>;

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** Deploy settings with every default filled in; one error listing each bad field as `deploy.<field>: problem`. */
export function parseDeploySettings(input: unknown): DeploySettings {
  const result = deploySettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new DeployConfigError(`Invalid deploy settings:\n${issueLines(result.error, 'deploy.')}`);
}
