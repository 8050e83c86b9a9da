// IDWise's documented error body is `{success:false, message, error_code}` (idwise-api.md §8). Every error the
// sandbox answers, auth or business rule or injected fault, uses it, so clients exercise one parsing path.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { success: false; message: string; error_code: string } {
    return { success: false, message: this.message, error_code: this.code };
  }
}

export const journeyNotFound = (journeyId: string) =>
  new ApiError(404, 'missing_requested_resource', `Journey ${journeyId} was not found`);

export const validationError = (status: 400 | 422, message: string) =>
  new ApiError(status, 'validation_error', message);

/** Status codes used by the 5xx fault, each with the envelope a gateway in front of IDWise might send. */
export const SERVER_ERRORS = {
  500: new ApiError(500, 'internal_server_error', 'Internal server error (sandbox fault injection)'),
  502: new ApiError(502, 'bad_gateway', 'Bad gateway (sandbox fault injection)'),
  503: new ApiError(503, 'service_unavailable', 'Service temporarily unavailable (sandbox fault injection)'),
} as const;
export type ServerErrorStatus = keyof typeof SERVER_ERRORS;

export const tooManyRequests = (retryAfterSeconds: number, message: string) =>
  new ApiError(429, 'too_many_requests', message, { 'Retry-After': String(retryAfterSeconds) });
