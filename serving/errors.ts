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
