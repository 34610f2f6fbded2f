// One mapping from protocol-neutral errors to HTTP, and one error shape for every non-EAS HTTP route
// (issue 17 part 6): `{"error": {"code", "message"}}`. The client gets a short message, the log gets the
// details. Every code an HTTP route may answer is listed here (and, from here, in the README's table: a
// test compares the two), so a new code cannot be used without saying what it means.
import type { FastifyReply } from 'fastify';
import { StoreError, type StoreErrorKind } from '../core/errors.js';

/** Every error code of the HTTP API: its status and what it means (the README's table says the same). */
export const HTTP_ERROR_CODES = {
  'bad-request': { status: 400, meaning: 'the request is malformed: not JSON, or refused by the route\'s schema (the message names the field and why)' },
  invalid: { status: 400, meaning: 'a value was refused (the message names the field)' },
  cycle: { status: 400, meaning: 'a folder would become its own descendant' },
  'confirmation-required': { status: 400, meaning: 'a destructive action needs `confirm: true`' },
  unauthorized: { status: 401, meaning: 'no, wrong or expired credentials or session' },
  'locked-out': { status: 401, meaning: 'too many failed logins: the message says when to retry' },
  forbidden: { status: 403, meaning: 'authenticated, but not allowed (the message says who lacks which right)' },
  csrf: { status: 403, meaning: 'a cookie-authenticated change without the session\'s X-CSRF-Token' },
  'not-found': { status: 404, meaning: 'no such route, or no such account, domain, device...' },
  exists: { status: 409, meaning: 'it exists already' },
  conflict: { status: 409, meaning: 'the change conflicts with the current state' },
  unsupported: { status: 409, meaning: 'not possible here: an online backup on PostgreSQL, an account-only wipe of a device before EAS 16.1' },
  'too-large': { status: 413, meaning: 'the request body is larger than the route accepts' },
  'unsupported-media-type': { status: 415, meaning: 'the request body is not `application/json`' },
  internal: { status: 500, meaning: 'a server fault (details in the log only)' },
  temporary: { status: 503, meaning: 'the database is briefly unreachable or busy, or the server is busy: retry' },
  unavailable: { status: 503, meaning: '`/health`: the database cannot be reached' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, readonly code: HttpErrorCode, message: string) {
    super(message);
  }
}

// Every store error kind is an HTTP error code too (the compiler checks it here).
const statusOf: Record<StoreErrorKind & HttpErrorCode, number> = {
  'not-found': 404, exists: 409, conflict: 409, invalid: 400, cycle: 400, temporary: 503, forbidden: 403,
};

/** Fastify's own client errors (body parsing, validation, unknown routes) by status. */
const fastifyCodeOf = (status: number): HttpErrorCode => {
  if (status === 404) return 'not-found';
  if (status === 413) return 'too-large';
  if (status === 415) return 'unsupported-media-type';
  return 'bad-request';
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) return new HttpError(statusOf[err.kind], err.kind, err.message);
  const fastifyCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof fastifyCode === 'number' && fastifyCode >= 400 && fastifyCode < 500) {
    const code = fastifyCodeOf(fastifyCode);
    // Fastify's own text names no type: say which one the JSON APIs take.
    if (code === 'unsupported-media-type') return new HttpError(415, code, 'unsupported media type: the request body must be application/json');
    return new HttpError(fastifyCode, code, err instanceof Error ? err.message : 'bad request');
  }
  return new HttpError(500, 'internal', 'internal error');
}

/** The one error body of every HTTP route outside ActiveSync and Autodiscover. */
export const errorBody = (e: HttpError): { error: { code: HttpErrorCode; message: string } } => ({ error: { code: e.code, message: e.message } });

/** Sends `e` in the one shape (a route's error handler has logged it, and set any header of its own). */
export const sendError = (reply: FastifyReply, e: HttpError): FastifyReply => reply.code(e.status).send(errorBody(e));

/** `reason` says who lacks which right, e.g. "x is a delegated admin of a.test, not of b.test" (issue 17). */
export const forbidden = (reason?: string): HttpError => new HttpError(403, 'forbidden', reason ? `permission denied: ${reason}` : 'permission denied');
export const notFound = (what: string): HttpError => new HttpError(404, 'not-found', `${what} not found`);
export const badRequest = (message: string): HttpError => new HttpError(400, 'invalid', message);
