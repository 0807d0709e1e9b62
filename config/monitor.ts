import { z } from 'zod';
import { DURATION_PATTERN } from './duration';
import { MAX_CONSECUTIVE_WINDOWS, MAX_HISTORY_LIMIT } from './monitor-limits';
import { issueLines } from './zod-issues';

/**
 * Drift monitoring of a deployed model (`monitorWorkflow`, one per model): every `interval` the newest rows of the
 * serving feature log are compared with the training reference of the serving version; a score above `epsilon` in
 * `consecutiveWindows` windows in a row is an alarm, which starts a retrain.
 */
export const monitorSettingsSchema = z
  .object({
    /** Whether the lifecycle starts (or keeps) the model's monitor after a deploy. */
    enabled: z.boolean().default(true),
    /** Time between windows, as a Temporal duration string. */
    interval: z
      .string()
      .regex(DURATION_PATTERN, 'use a duration such as "1 minute" or "30 seconds"')
      .default('1 minute'),
    /** Windows with fewer rows are skipped (recorded, never an alarm). */
    minWindowRows: z.number().int().min(1).default(200),
    /** Most rows one window reads; the rest of the log is read by the next windows. */
    maxWindowRows: z.number().int().min(1).max(1_000_000).default(10_000),
    /** ε: the drift score above which a window counts as drifted. */
    epsilon: z.number().min(0).default(0.1),
    /** N: drifted windows in a row that raise an alarm (hysteresis against one noisy window). */
    consecutiveWindows: z.number().int().min(1).max(MAX_CONSECUTIVE_WINDOWS).default(3),
    /** The divergence behind the score: KL(train ‖ live), population stability index or Jensen-Shannon. */
    metric: z.enum(['kl', 'psi', 'js']).default('kl'),
    /** Added to every bin's proportion before KL and PSI, so empty bins stay finite. */
    smoothing: z.number().positive().max(1).default(1e-4),
    /** How per-feature scores become the window's score. */
    aggregate: z.enum(['max', 'mean']).default('max'),
    /** Windows kept in `driftHistory` (the oldest are dropped, also across continue-as-new). */
    historyLimit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).default(500),
    /** Windows per workflow run before it continues as new (earlier if Temporal suggests it). */
    windowsPerRun: z.number().int().min(1).max(10_000).default(200),
    retrain: z
      .object({
        /** Whether an alarm starts a retrain (`retrainWorkflow` as a child); otherwise it is only recorded. */
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((s) => s.minWindowRows <= s.maxWindowRows, {
    message: 'minWindowRows is above maxWindowRows: no window could ever be compared',
    path: ['minWindowRows'],
  });

export type MonitorSettingsInput = z.input<typeof monitorSettingsSchema>;
export type MonitorSettings = z.output<typeof monitorSettingsSchema>;

export class MonitorConfigError extends Error {
  override name = 'MonitorConfigError';
}

/** Monitor settings with every default filled in; one error listing each bad field as `monitor.<field>: problem`. */
export function parseMonitorSettings(input: unknown): MonitorSettings {
  const result = monitorSettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new MonitorConfigError(`Invalid monitor settings:\n${issueLines(result.error, 'monitor.')}`);
}
