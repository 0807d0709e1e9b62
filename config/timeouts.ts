/** Default activity timeouts (human-readable, as Temporal's samples write them). Pure: workflows import it. */
export const DATA_ACTIVITY_TIMEOUT = '2 minutes';
export const TRAINING_ACTIVITY_TIMEOUT = '30 minutes';
export const REGISTRY_ACTIVITY_TIMEOUT = '1 minute';
