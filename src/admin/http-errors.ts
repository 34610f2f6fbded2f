// One mapping from protocol-neutral errors to HTTP: the client gets a short generic message,
// the log gets the details.
import { StoreError, type StoreErrorKind } from '../core/errors.js';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const statusOf: Record<StoreErrorKind, number> = {
  'not-found': 404, exists: 409, conflict: 409, invalid: 400, cycle: 400, temporary: 503, forbidden: 403,
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) return new HttpError(statusOf[err.kind], err.kind, err.message);
  const fastifyCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof fastifyCode === 'number' && fastifyCode >= 400 && fastifyCode < 500) {
    return new HttpError(fastifyCode, 'bad-request', err instanceof Error ? err.message : 'bad request');
  }
  return new HttpError(500, 'internal', 'internal error');
}

/** `reason` says who lacks which right, e.g. "x is a delegated admin of a.test, not of b.test" (issue 17). */
export const forbidden = (reason?: string): HttpError => new HttpError(403, 'forbidden', reason ? `permission denied: ${reason}` : 'permission denied');
export const notFound = (what: string): HttpError => new HttpError(404, 'not-found', `${what} not found`);
export const badRequest = (message: string): HttpError => new HttpError(400, 'invalid', message);
