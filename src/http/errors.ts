/** The one error type the HTTP layer answers: a stable code, an HTTP status and a message safe to show. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const launchRefused = (code: string, why: string) => new AppError(`launch_refused.${code}`, 401, why);
export const badRequest = (why: string, details?: unknown) => new AppError('bad_request', 400, why, details);
export const notFound = (what: string) => new AppError('not_found', 404, `${what} was not found.`);
export const forbidden = (why: string) => new AppError('forbidden', 403, why);
export const unauthorized = (why: string) => new AppError('unauthorized', 401, why);
export const conflict = (why: string) => new AppError('conflict', 409, why);
