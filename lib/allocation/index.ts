export * from './cpu';
export * from './replicas';
