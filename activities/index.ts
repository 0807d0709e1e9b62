import type { Client } from '@temporalio/client';
import { paths } from '../config/paths';
import type { DeployTargetName } from '../config/deploy';
import type { DenseKernels } from '../lib/models/dense-engine';
import type { ArtifactStore } from '../stores/artifact-store';
import { FileFeedbackStore, type FeedbackStore } from '../stores/feedback-store';
import type { Registry } from '../stores/registry';
import { createDataActivities } from './data';
import { createDeployActivities } from './deploy';
import { LocalTarget } from './deploy/local';
import type { DeploymentTarget } from './deploy/target';
import type { DriftMetrics } from './drift-metrics';
import { createHpoActivities } from './hpo';
import { createMonitoringActivities } from './monitoring';
import { createRegistryActivities } from './registry';
import { createRetrainActivities } from './retrain';
import { createTrainingActivities } from './training';

export interface ActivityDependencies {
  store: ArtifactStore;
  registry: Registry;
  /** Where models are deployed, by the config's `deploy.target` (default: local processes under MLOPS_HOME). */
  deployTargets?: Record<DeployTargetName, DeploymentTarget>;
  /** The worker process's drift gauges, served on its `/metrics` (none: drift is not exported). */
  driftMetrics?: DriftMetrics;
  /** Starts and signals drift monitors (default: the worker's own client). */
  client?: Client;
  /** Labelled rows for retraining (default: JSON lines under MLOPS_HOME/feedback). */
  feedback?: FeedbackStore;
}

function defaultDeployTargets(): Record<DeployTargetName, DeploymentTarget> {
  return { local: new LocalTarget({ stateDir: paths.deploy(), featureLogDir: paths.featureLogs() }) };
}

/** Activities that poll the main task queue: quick, I/O-bound steps. */
export function createActivities(deps: ActivityDependencies) {
  const { suggestTrials } = createHpoActivities(deps);
  const deploy = createDeployActivities({ ...deps, targets: deps.deployTargets ?? defaultDeployTargets() });
  const monitoring = createMonitoringActivities({ ...deps, featureLogDir: paths.featureLogs() });
  const retrainDeps = { ...deps, feedback: deps.feedback ?? new FileFeedbackStore(paths.feedback()) };
  return {
    ...createDataActivities(deps),
    ...createRegistryActivities(deps),
    suggestTrials,
    ...deploy,
    ...monitoring,
    ...createRetrainActivities(retrainDeps),
  };
}

export interface HeavyActivityDependencies extends ActivityDependencies {
  /** The kernels models train on: `await loadTrainingKernels()` (activities/training-kernels.ts) at start-up. */
  kernels: DenseKernels;
}

/** Heavy activities that poll the training task queue, so training scales out on its own workers. */
export function createHeavyActivities(deps: HeavyActivityDependencies) {
  const { runTrial } = createHpoActivities(deps);
  return { ...createTrainingActivities(deps), runTrial };
}

export type Activities = ReturnType<typeof createActivities>;
export type HeavyActivities = ReturnType<typeof createHeavyActivities>;
