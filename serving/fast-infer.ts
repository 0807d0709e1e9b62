import type http from 'node:http';
import { HEADER_LENGTH_HEADER } from './binary';
import { classify, type FailureReason } from './errors';
import type { EncodedResponse } from './oip';

export interface InferFastPathOptions {
  modelName: string;
  modelVersion: string;
  maxBodyBytes: number;
  /** True while the model is loaded and the server is not closing: only then does the fast path answer. */
  serving: () => boolean;
  /** True once the server is closing: responses then close their connection. */
  closing: () => boolean;
  /**
   * Parses, runs and encodes one infer request (its body and Inference-Header-Content-Length header): throws, or calls
   * one of the callbacks once (failed with the error the client gets).
   */
  infer: (
    body: Buffer,
    headerLength: string | string[] | undefined,
    done: (response: EncodedResponse) => void,
    failed: (err: unknown) => void,
  ) => void;
  /** Records a finished inference request in the metrics. */
  record: (status: number, seconds: number, reason?: FailureReason) => void;
}

/** Content types the fast path reads; others go through fastify, which answers them as it always has. */
const CONTENT_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/octet-stream']);
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The infer routes for the served model and version, straight on node:http: fastify's per-request work (routing,
 * hooks, reply objects, content-type parsing) was the largest cost of a 1-row request after the socket writes. It
 * takes only plain requests (exact path, POST, a known content type, a Content-Length within the limit, model ready);
 * anything else returns false and goes to fastify, so unusual requests keep fastify's answers.
 */
export function inferFastPath(
  options: InferFastPathOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const path = `/v2/models/${options.modelName}/infer`;
  const versionPath = `/v2/models/${options.modelName}/versions/${options.modelVersion}/infer`;
  const { maxBodyBytes, infer, record } = options;

  const send = (res: http.ServerResponse, status: number, response: EncodedResponse, start: number) => {
    const binary = 'binary' in response;
    const body = binary ? response.binary : response.json;
    // A flat name/value list: node:http takes it without walking an object's keys.
    const headers = binary
      ? [
          'content-type',
          'application/octet-stream',
          HEADER_LENGTH_HEADER,
          String(response.headerLength),
          'content-length',
          String(response.binary.length),
        ]
      : ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(response.json))];
    if (options.closing()) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(body);
    return (performance.now() - start) / 1000;
  };

  const fail = (res: http.ServerResponse, err: Error, start: number) => {
    const error = classify(err, maxBodyBytes);
    if (res.headersSent) return;
    const seconds = send(res, error.statusCode, { json: JSON.stringify({ error: error.message }) }, start);
    record(error.statusCode, seconds, error.reason);
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, start: number) => {
    try {
      infer(
        body,
        req.headers[HEADER_LENGTH_HEADER],
        (response) => record(200, send(res, 200, response, start)),
        (err) => fail(res, err as Error, start),
      );
    } catch (err) {
      fail(res, err as Error, start);
    }
  };

  return (req, res) => {
    // Plain comparisons: a Set lookup hashes the request's new URL and content-type strings first.
    if (req.method !== 'POST' || (req.url !== path && req.url !== versionPath) || !options.serving()) return false;
    const type = req.headers['content-type'];
    const length = Number(req.headers['content-length']);
    if (
      type === undefined ||
      (type !== 'application/json' && !CONTENT_TYPES.has(type.toLowerCase())) ||
      !(length <= maxBodyBytes) ||
      req.headers['transfer-encoding'] !== undefined
    ) {
      return false;
    }
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), start));
    return true;
  };
}
