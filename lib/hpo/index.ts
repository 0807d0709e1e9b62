export * from './acquisition';
export * from './gp';
export * from './kernel';
export * from './qmc';
export * from './rng';
export * from './space';
export * from './special';
export * from './suggest';
