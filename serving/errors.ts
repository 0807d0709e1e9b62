/** Why a request failed, as the `reason` label of `mlops_inference_failures_total`. */
export type FailureReason =
  'invalid_json' | 'bad_request' | 'payload_too_large' | 'not_found' | 'not_ready' | 'inference_error';

/** An error the client sees as `{"error": message}` with this HTTP status. */
export class ServingError extends Error {
  override name = 'ServingError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason: FailureReason,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ServingError(400, message, 'bad_request');
export const notFound = (message: string) => new ServingError(404, message, 'not_found');
export const tooLarge = (message: string) => new ServingError(413, message, 'payload_too_large');
export const notReady = (message: string) => new ServingError(503, message, 'not_ready');

/** What a framework or runtime error may carry besides its message. */
interface ErrorLike {
  message: string;
  code?: string;
  statusCode?: number;
}

/** Maps any error to the status, `{"error"}` message and metrics reason the client gets. */
export function classify(err: ErrorLike, maxBodyBytes: number): ServingError {
  if (err instanceof ServingError) return err;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ServingError(
      413,
      `request body is over the limit of ${maxBodyBytes} bytes; send fewer rows per request`,
      'payload_too_large',
    );
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ServingError(status, err.message, 'bad_request');
  return new ServingError(500, `inference failed: ${err.message}`, 'inference_error');
}
