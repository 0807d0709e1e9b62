import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEMPORAL_DEV_SERVER__?.stop();
  if (globalThis.__MLOPS_TEST_HOME__) fs.rmSync(globalThis.__MLOPS_TEST_HOME__, { recursive: true, force: true });
}
