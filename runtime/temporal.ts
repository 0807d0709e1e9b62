import { Connection, Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import { DEV_SERVER_HOST, DEV_SERVER_PORT, DEV_SERVER_UI_PORT, NAMESPACE } from '../config/temporal';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../config/search-attributes';
import { paths } from '../config/paths';
import { DevServer, isServing, startDevServer } from './dev-server';
import { ensureTemporalCli, Log } from './temporal-cli';

type ConnectOptions = NonNullable<Parameters<typeof NativeConnection.connect>[0]>;

/** How to reach a Temporal server; `close()` stops the dev server if this process started it. */
export interface TemporalEndpoint {
  connectOptions: ConnectOptions;
  namespace: string;
  /** Where it came from, for messages: 'TEMPORAL_ADDRESS', 'running dev server' or 'started dev server'. */
  origin: string;
  devServer?: DevServer;
  close(): Promise<void>;
}

/**
 * The server this process should use, without starting anything: TEMPORAL_ADDRESS (plus TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_* or a temporal.toml profile) when set, else the local dev server's address.
 */
export function configuredEndpoint(): Pick<TemporalEndpoint, 'connectOptions' | 'namespace' | 'origin'> {
  if (process.env.TEMPORAL_ADDRESS) {
    const config = loadClientConnectConfig();
    return {
      connectOptions: config.connectionOptions,
      namespace: config.namespace ?? NAMESPACE,
      origin: 'TEMPORAL_ADDRESS',
    };
  }
  return {
    connectOptions: { address: `${DEV_SERVER_HOST}:${DEV_SERVER_PORT}` },
    namespace: NAMESPACE,
    origin: 'dev server',
  };
}

/** The configured server; with no TEMPORAL_ADDRESS and nothing answering locally, a dev server is started. */
export async function provideTemporal(log: Log = console.error): Promise<TemporalEndpoint> {
  const configured = configuredEndpoint();
  if (process.env.TEMPORAL_ADDRESS || (await isServing(`${DEV_SERVER_HOST}:${DEV_SERVER_PORT}`))) {
    return { ...configured, close: async () => undefined };
  }
  const devServer = await startDevServer({
    cliPath: await ensureTemporalCli(log),
    host: DEV_SERVER_HOST,
    port: DEV_SERVER_PORT,
    uiPort: DEV_SERVER_UI_PORT,
    dbFile: paths.temporalDb(),
    namespace: NAMESPACE,
    log,
  });
  return {
    ...configured,
    origin: 'started dev server',
    devServer,
    close: () => devServer.stop(),
  };
}

/** Connects a client; when nothing answers, the error says how to get a server. */
export async function connectClient(
  endpoint: Pick<TemporalEndpoint, 'connectOptions' | 'namespace'> = configuredEndpoint(),
): Promise<Client> {
  const address = endpoint.connectOptions.address;
  const connection = await Connection.connect(endpoint.connectOptions).catch((err: Error) => {
    throw new Error(`${unreachableMessage(address ?? '(no address)')}
(${err.message})`);
  });
  return new Client({ connection, namespace: endpoint.namespace });
}

export function unreachableMessage(address: string): string {
  return (
    `No Temporal server answers at ${address}. Start one with \`npm run mlops -- server\` (the embedded dev ` +
    'server), or set TEMPORAL_ADDRESS to an existing cluster.'
  );
}

/** Registers the project's search attributes on a cluster where they are missing (the dev server gets them by flag). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
  log: Log,
): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys({ ...existing.customAttributes, ...existing.systemAttributes }));
  const types = temporal.api.enums.v1.IndexedValueType;
  const missing = Object.fromEntries(
    SEARCH_ATTRIBUTE_DEFINITIONS.filter(({ name }) => !known.has(name)).map(({ name, cliType }) => [
      name,
      cliType === 'Int' ? types.INDEXED_VALUE_TYPE_INT : types.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );
  if (Object.keys(missing).length === 0) return;
  log(`Registering search attributes ${Object.keys(missing).join(', ')} in namespace ${namespace}`);
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
}
