import fs from 'node:fs/promises';
import path from 'node:path';

const VEGA_PREFIX = 'vega-datasets:';
const ARTIFACT_PREFIX = 'artifact:sha256:';

/** `artifact:sha256:<hash>`: a dataset snapshot in the artifact store (retrains materialise their data this way). */
export function artifactDatasetSource(hash: string): string {
  return `${ARTIFACT_PREFIX}${hash}`;
}

/** The artifact hash an `artifact:sha256:<hash>` source names, or undefined for files and packaged datasets. */
export function artifactHashOf(source: string): string | undefined {
  return source.startsWith(ARTIFACT_PREFIX) ? source.slice(ARTIFACT_PREFIX.length) : undefined;
}

/** True for `vega-datasets:<file>` sources, which name a file inside the npm package rather than a path. */
export function isPackagedDataset(source: string): boolean {
  return source.startsWith(VEGA_PREFIX);
}

/** Resolves `vega-datasets:<file>` to the file inside the installed npm package; other sources are paths. */
export function resolveDatasetPath(source: string): string {
  if (!isPackagedDataset(source)) return path.resolve(source);
  const name = source.slice(VEGA_PREFIX.length);
  if (!/^[\w-][\w.-]*$/.test(name))
    throw new RangeError(`dataset.source "${source}" does not name a vega-datasets file`);
  // The package exports only its JS entry (build/index.js); its data folder sits beside build/.
  return path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', name);
}

export async function readDatasetFile(source: string): Promise<Buffer> {
  const file = resolveDatasetPath(source);
  return fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'EISDIR') {
      throw new Error(`dataset.source "${source}" was not found (looked at ${file}); fix the path in the config`);
    }
    throw err;
  });
}
