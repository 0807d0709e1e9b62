import type { ArtifactStore } from '../stores/artifact-store';
import type { Registry } from '../stores/registry';
import { createDataActivities } from './data';
import { createHpoActivities } from './hpo';
import { createRegistryActivities } from './registry';
import { createTrainingActivities } from './training';

export interface ActivityDependencies {
  store: ArtifactStore;
  registry: Registry;
}

/** Activities that poll the main task queue: quick, I/O-bound steps. */
export function createActivities(deps: ActivityDependencies) {
  const { suggestTrials } = createHpoActivities(deps);
  return { ...createDataActivities(deps), ...createRegistryActivities(deps), suggestTrials };
}

/** Heavy activities that poll the training task queue, so training scales out on its own workers. */
export function createHeavyActivities(deps: ActivityDependencies) {
  const { runTrial } = createHpoActivities(deps);
  return { ...createTrainingActivities(deps), runTrial };
}

export type Activities = ReturnType<typeof createActivities>;
export type HeavyActivities = ReturnType<typeof createHeavyActivities>;
