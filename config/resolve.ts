import { validateSearchSpace, type SearchSpace } from '../lib/models/search-space';
import { DEFAULT_TUNING_SPACES, MODEL_FAMILIES, resolveHyperparameters, type ModelType } from '../lib/models/trainers';
import { ConfigError, LifecycleConfig, parseLifecycleConfig } from './project';

/** Every tuned parameter must be one the family takes, with a valid range; errors name `sweep.space.<param>`. */
function checkTuningSpace(type: ModelType, space: SearchSpace): void {
  const known = Object.keys(MODEL_FAMILIES[type].space);
  for (const name of Object.keys(space)) {
    if (!known.includes(name)) {
      throw new ConfigError(
        `sweep.space.${name}: model.type "${type}" has no such hyperparameter (it has ${known.join(', ')})`,
      );
    }
  }
  try {
    validateSearchSpace(space);
  } catch (err) {
    throw new ConfigError(`sweep.space: ${(err as Error).message}`);
  }
}

/**
 * A config with every family-dependent default filled in: the model's hyperparameters (checked against its search
 * space), whether to tune (default: for MLPs) and over which space. Throws a ConfigError naming the field.
 */
export function resolveLifecycleConfig(input: unknown): LifecycleConfig {
  const config = parseLifecycleConfig(input);
  try {
    config.model.hyperparameters = resolveHyperparameters(config.model.type, config.model.hyperparameters);
  } catch (err) {
    throw new ConfigError(`model.hyperparameters: ${(err as Error).message}`);
  }
  config.sweep.enabled ??= config.model.type === 'mlp';
  config.sweep.space ??= DEFAULT_TUNING_SPACES[config.model.type];
  checkTuningSpace(config.model.type, config.sweep.space);
  return config;
}
