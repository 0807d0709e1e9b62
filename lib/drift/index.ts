export * from './alarm';
export * from './binning';
export * from './divergence';
export * from './drift';
