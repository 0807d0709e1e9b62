import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { MODEL_NAME_PATTERN } from '../config/project';
import { PACKAGE_ROOT } from '../config/paths';
import { MicroBatcher } from './batcher';
import { BINARY_EXTENSION, HEADER_LENGTH_HEADER, parseJsonText, splitBody } from './binary';
import type { FeatureBatch } from './columns';
import { badRequest, classify, notFound, notReady, ServingError, type FailureReason } from './errors';
import { inferFastPath } from './fast-infer';
import { FeatureLog } from './feature-log';
import { runBatches, type BatchOutputs } from './inference';
import { createServingMetrics } from './metrics';
import { loadServedModel, readModelFile, type ServedModel } from './model';
import { encodeInferResponse, parseInferRequest, type EncodedResponse, type InferRequest } from './oip';
import { readInferBody } from './oip-reader';
import { parsePredictRequest, predictions } from './rows';

export interface ModelServerOptions {
  modelName: string;
  modelVersion: string;
  /** The ONNX file to serve (or give loadModelBytes, e.g. to read it from the artifact store). */
  modelFile?: string;
  loadModelBytes?: () => Promise<Uint8Array>;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where served rows are logged as `<dir>/<model>/<version>.jsonl`; no log when unset. */
  featureLogDir?: string;
  featureLogSampleRate?: number;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most rows in one request (default 10,000). */
  maxRows?: number;
  /** Most rows in one model run when concurrent requests are combined (default: maxRows). */
  maxBatchRows?: number;
  /** How long an idle server waits to combine requests (default 0: only those arriving together). */
  batchWindowMs?: number;
  /** Resolve only once the model is loaded (default true); otherwise the server answers 503 until then. */
  waitForReady?: boolean;
  /** Fault injection for rollout drills: after `afterRequests` inference requests, fail a share `errorRate` with 500. */
  faults?: { errorRate: number; afterRequests?: number };
}

export interface ModelServer {
  url: string;
  port: number;
  /** Resolves when the model is loaded and served; rejects if it cannot be loaded. */
  ready: Promise<void>;
  isReady(): boolean;
  /** Stops accepting connections, finishes in-flight requests, flushes the feature log, releases the model. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ROWS = 10_000;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Longest model name or version in a route (both patterns allow fewer characters). */
const MAX_PARAM_LENGTH = 100;
const INFERENCE_ROUTES = new Set([
  '/v2/models/:name/infer',
  '/v2/models/:name/versions/:version/infer',
  '/v2/models/:name/predict',
  '/v2/models/:name/versions/:version/predict',
]);

interface ModelParams {
  name: string;
  version?: string;
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

/** An Open Inference Protocol v2 (KServe / Triton) REST server for one ONNX model version. */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const { modelName, modelVersion } = options;
  if (!MODEL_NAME_PATTERN.test(modelName))
    throw new RangeError(`model name "${modelName}" must match ${MODEL_NAME_PATTERN}`);
  if (!VERSION_PATTERN.test(modelVersion))
    throw new RangeError(`model version "${modelVersion}" must match ${VERSION_PATTERN}`);
  const loadBytes = options.loadModelBytes ?? (options.modelFile ? () => readModelFile(options.modelFile!) : undefined);
  if (!loadBytes) throw new RangeError('give modelFile or loadModelBytes');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const metrics = createServingMetrics();
  const featureLog = options.featureLogDir
    ? new FeatureLog({ dir: options.featureLogDir, sampleRate: options.featureLogSampleRate })
    : undefined;
  const failures = new WeakMap<FastifyRequest, FailureReason>();
  /** Binary tensor data after a request's JSON header (binary tensor data extension). */
  const binaryData = new WeakMap<FastifyRequest, Buffer>();
  let model: ServedModel | undefined;
  let batcher: MicroBatcher<FeatureBatch, BatchOutputs> | undefined;
  let state: 'loading' | 'ready' | 'failed' | 'closing' = 'loading';
  let loadError = '';

  const servedLabels = { model: modelName, version: modelVersion };
  // The served model's metrics, held once: plain additions per request instead of label lookups.
  const countOk = metrics.requestCounter({ ...servedLabels, status: '200' });
  const servedDuration = metrics.duration.countsFor(servedLabels);
  const servedRows = metrics.rows.countsFor(servedLabels);
  /** Counts a finished inference request for the served model (or for the names a client asked for). */
  const record = (
    labels: { model: string; version: string },
    status: number,
    seconds: number,
    reason?: FailureReason,
  ) => {
    if (status === 200 && labels === servedLabels) countOk();
    else metrics.requests.inc({ ...labels, status: String(status) });
    (labels === servedLabels ? servedDuration : metrics.duration.countsFor(labels)).observe(seconds);
    if (reason) metrics.failures.inc({ ...labels, reason });
  };
  const fastPath = options.faults
    ? undefined
    : inferFastPath({
        modelName,
        modelVersion,
        maxBodyBytes,
        serving: () => state === 'ready',
        closing: () => state === 'closing',
        infer: (body, headerLength, done, failed) => {
          // The fast path takes requests only once the model is served; it stays loaded until the server stops.
          const served = model!;
          // The common JSON body is read straight into columns; anything else is parsed as fastify's route does.
          let request = headerLength === undefined ? readInferBody(body, served, maxRows) : undefined;
          if (!request) {
            const split = splitBody(body, headerLength);
            request = parseInferRequest(parseJsonText(split.json), served, maxRows, split.binary);
          }
          runInfer(served, batcher!, request, done, failed);
        },
        record: (status, seconds, reason) => record(servedLabels, status, seconds, reason),
      });

  const app = Fastify({
    bodyLimit: maxBodyBytes,
    // Plain infer requests for the served model take the fast path; everything else is fastify's.
    serverFactory: (handler, factoryOptions) => {
      const serverOptions = factoryOptions as {
        keepAliveTimeout?: number;
        requestTimeout?: number;
        connectionTimeout?: number;
      };
      const server = http.createServer((req, res) => {
        if (!fastPath?.(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = serverOptions.keepAliveTimeout ?? 72_000;
      server.requestTimeout = serverOptions.requestTimeout ?? 0;
      server.setTimeout(serverOptions.connectionTimeout ?? 0);
      return server;
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors the router raises before any route runs (undecodable or over-long paths) get the same {"error"} shape.
    frameworkErrors: (err, request, reply) => {
      const url = JSON.stringify(request.url.length > 120 ? `${request.url.slice(0, 120)}…` : request.url);
      const message =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? `a path segment of ${url} is over ${MAX_PARAM_LENGTH} characters; model names and versions are shorter`
          : `the path ${url} is not valid URL encoding; percent-encode model names as UTF-8`;
      (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: message });
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const split = splitBody(body as Buffer, request.headers[HEADER_LENGTH_HEADER]);
      if (split.binary) binaryData.set(request, split.binary);
      done(null, parseJsonText(split.json));
    } catch (err) {
      done(err as ServingError);
    }
  });

  app.setErrorHandler((err: FastifyError | ServingError, request, reply) => {
    const error = classify(err, maxBodyBytes);
    failures.set(request, error.reason);
    return reply.code(error.statusCode).send({ error: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: `no route ${request.method} ${request.url}; the API is under /v2 (e.g. GET /v2/models/${modelName})`,
    }),
  );
  // While shutting down, close each connection after its response, so keep-alive clients do not hold the exit.
  // Hooks on the hot path take callbacks: async hooks cost a promise per request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state === 'closing') reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    done();
    if (!INFERENCE_ROUTES.has(request.routeOptions.url ?? '')) return;
    const params = request.params as ModelParams;
    const labels =
      params.name === modelName && (params.version === undefined || params.version === modelVersion)
        ? servedLabels
        : {
            model: params.name === modelName ? modelName : 'unknown',
            version: params.version === undefined || params.version === modelVersion ? modelVersion : 'unknown',
          };
    const status = reply.statusCode;
    record(
      labels,
      status,
      reply.elapsedTime / 1000,
      failures.get(request) ?? (status >= 400 ? 'inference_error' : undefined),
    );
  });

  if (options.faults) {
    const { errorRate, afterRequests = 0 } = options.faults;
    let seen = 0;
    app.addHook('preHandler', async (request) => {
      if (!INFERENCE_ROUTES.has(request.routeOptions.url ?? '')) return;
      if (++seen > afterRequests && Math.random() < errorRate) {
        throw new ServingError(500, 'injected fault (the server was started with fault injection)', 'inference_error');
      }
    });
  }

  /** The served model for a route's name and version: 404 for another model, 503 until it is loaded. */
  function resolve(params: ModelParams): { model: ServedModel; batcher: MicroBatcher<FeatureBatch, BatchOutputs> } {
    if (params.name !== modelName || (params.version !== undefined && params.version !== modelVersion)) {
      const asked = params.version === undefined ? `"${params.name}"` : `"${params.name}" version "${params.version}"`;
      throw notFound(`model ${asked} is not served here; this server serves "${modelName}" version "${modelVersion}"`);
    }
    // While closing, requests already in flight are still served; new ones get 503 from fastify.
    if ((state !== 'ready' && state !== 'closing') || !model || !batcher) {
      throw notReady(`model "${modelName}" is not ready (${state}${loadError ? `: ${loadError}` : ''}); retry shortly`);
    }
    return { model, batcher };
  }

  const serverMetadata = { name: 'temporal-mlops', version: packageVersion(), extensions: [BINARY_EXTENSION] };
  app.get('/v2', async () => serverMetadata);
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) =>
    state === 'ready' ? { ready: true } : reply.code(503).send({ ready: false, error: `model is ${state}` }),
  );

  const metadata = async (request: FastifyRequest) => {
    const { model } = resolve(request.params as ModelParams);
    return {
      name: model.name,
      versions: [model.version],
      platform: 'onnxruntime_onnx',
      inputs: model.inputs,
      outputs: model.outputs,
      parameters: {
        task: model.task,
        features: model.features,
        ...(model.targetName ? { target_name: model.targetName } : {}),
        ...(model.modelType ? { model_type: model.modelType } : {}),
        ...(model.classes ? { classes: model.classes } : {}),
      },
    };
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const modelReady = async (request: FastifyRequest) => {
    resolve(request.params as ModelParams);
    return { name: modelName, ready: true };
  };
  app.get('/v2/models/:name/ready', modelReady);
  app.get('/v2/models/:name/versions/:version/ready', modelReady);

  /**
   * Runs (micro-batched) and encodes one parsed infer request. Callbacks, not a promise: the fast path answers tens of
   * thousands of these a second.
   */
  function runInfer(
    model: ServedModel,
    batcher: MicroBatcher<FeatureBatch, BatchOutputs>,
    parsed: InferRequest,
    resolve: (response: EncodedResponse) => void,
    reject: (err: unknown) => void,
  ): void {
    batcher.enqueue(
      parsed.batch,
      (outputs) => {
        let response: EncodedResponse;
        try {
          servedRows.observe(parsed.batch.rows);
          featureLog?.record(model, parsed.batch, predictions(model, parsed.batch.rows, outputs));
          response = encodeInferResponse(model, parsed, outputs);
        } catch (err) {
          return reject(err);
        }
        resolve(response);
      },
      reject,
    );
  }

  const infer = async (request: FastifyRequest, reply: FastifyReply) => {
    const { model, batcher } = resolve(request.params as ModelParams);
    const parsed = parseInferRequest(request.body, model, maxRows, binaryData.get(request));
    const response = await new Promise<EncodedResponse>((resolve, reject) =>
      runInfer(model, batcher, parsed, resolve, reject),
    );
    if ('json' in response) return reply.type('application/json; charset=utf-8').send(response.json);
    return reply
      .type('application/octet-stream')
      .header(HEADER_LENGTH_HEADER, response.headerLength)
      .send(response.binary);
  };
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);

  const predict = async (request: FastifyRequest) => {
    const { model, batcher } = resolve(request.params as ModelParams);
    if (binaryData.has(request)) {
      throw badRequest('the predict endpoint takes JSON rows only; send binary tensor data to the infer endpoint');
    }
    const batch = parsePredictRequest(request.body, model, maxRows);
    const outputs = await batcher.submit(batch);
    servedRows.observe(batch.rows);
    const result = predictions(model, batch.rows, outputs);
    featureLog?.record(model, batch, result);
    return { model_name: model.name, model_version: model.version, predictions: result };
  };
  app.post('/v2/models/:name/predict', predict);
  app.post('/v2/models/:name/versions/:version/predict', predict);

  app.get('/metrics', async (_request, reply: FastifyReply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const bound = app.server.address();
  const port = bound !== null && typeof bound === 'object' ? bound.port : 0;

  const ready = (async () => {
    const bytes = await loadBytes();
    const loaded = await loadServedModel(bytes, modelName, modelVersion);
    if (state !== 'loading') {
      await loaded.session.release();
      return;
    }
    const batchRows = metrics.batchRows.countsFor(servedLabels);
    const batchRequests = metrics.batchRequests.countsFor(servedLabels);
    model = loaded;
    batcher = new MicroBatcher<FeatureBatch, BatchOutputs>({
      run: (batches) => {
        let rows = 0;
        for (const batch of batches) rows += batch.rows;
        batchRows.observe(rows);
        batchRequests.observe(batches.length);
        return runBatches(loaded, batches);
      },
      size: (b) => b.rows,
      maxBatchSize: options.maxBatchRows ?? maxRows,
      windowMs: options.batchWindowMs ?? 0,
    });
    state = 'ready';
  })().catch((err: Error) => {
    if (state === 'loading') state = 'failed';
    loadError = err.message;
    throw err;
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      state = 'closing'; // a model still loading is released when it arrives
      await app.close();
      await featureLog?.flush();
      await model?.session.release();
    })());

  if (options.waitForReady ?? true) {
    try {
      await ready;
    } catch (err) {
      await close();
      throw err;
    }
  } else {
    void ready.catch(() => undefined); // reported through /v2/health/ready and `ready`
  }
  return { url: address, port, ready, isReady: () => state === 'ready', close };
}
