import type { Connection } from '@temporalio/client';
import { connectClient, ensureSearchAttributes } from '../../runtime/temporal';
import { ensureTemporalCli } from '../../runtime/temporal-cli';

/** Installs the pinned Temporal CLI if missing; with TEMPORAL_ADDRESS, registers the search attributes there. */
export async function setupCommand(): Promise<void> {
  const log = (m: string) => console.log(m);
  console.log(`Temporal CLI: ${await ensureTemporalCli(log)}`);
  if (process.env.TEMPORAL_ADDRESS) {
    const { connection, options } = await connectClient();
    try {
      await ensureSearchAttributes(connection as Connection, options.namespace, log);
      console.log(`Search attributes ready in namespace ${options.namespace} at ${process.env.TEMPORAL_ADDRESS}`);
    } finally {
      await connection.close();
    }
  }
}
