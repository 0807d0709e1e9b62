/** Every workflow the worker registers (this file is the bundle's entry point). */
export { lifecycleWorkflow } from './lifecycle';
export { sweepWorkflow } from './sweep';
export { deployWorkflow } from './deploy';
export { monitorWorkflow } from './monitor';
export { driftCheckWorkflow } from './drift-check';
export { retrainWorkflow } from './retrain';
