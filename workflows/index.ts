/** Every workflow the worker registers (this file is the bundle's entry point). */
export { lifecycleWorkflow } from './lifecycle';
export { sweepWorkflow } from './sweep';
export { deployWorkflow } from './deploy';
export { retrainWorkflow } from './retrain';
