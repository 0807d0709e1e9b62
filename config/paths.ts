import path from 'node:path';

/** The installed package's root folder (this file lives in `<root>/config` or `<root>/dist/config`). */
export const PACKAGE_ROOT =
  path.basename(path.resolve(__dirname, '..')) === 'dist'
    ? path.resolve(__dirname, '..', '..')
    : path.resolve(__dirname, '..');

/** Root of the data a project generates (never committed): artifacts, registry, the dev server's database. */
export function mlopsHome(): string {
  return path.resolve(process.env.MLOPS_HOME ?? path.join(process.cwd(), '.mlops'));
}

export const paths = {
  artifacts: () => path.join(mlopsHome(), 'artifacts'),
  registry: () => path.join(mlopsHome(), 'registry'),
  /** Deploy state of the local target: router ports, model-server logs. */
  deploy: () => path.join(mlopsHome(), 'deploy'),
  /** Served rows, one JSON-lines file per model version, read by the drift monitor. */
  featureLogs: () => path.join(mlopsHome(), 'feature-logs'),
  /** Labelled rows that arrive after serving (`mlops feedback`), one JSON-lines file per model: `<model>.jsonl`. */
  feedback: () => path.join(mlopsHome(), 'feedback'),
  temporalDb: () => path.join(mlopsHome(), 'temporal', 'dev-server.sqlite'),
  /** Downloaded tools (the Temporal CLI) are shared by every project home of this checkout. */
  tools: () => path.resolve(process.env.MLOPS_TOOLS_DIR ?? path.join(PACKAGE_ROOT, '.mlops', 'tools')),
};
