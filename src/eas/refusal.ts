// Answers the dispatcher gives before (or instead of) running a command: HTTP refusals (MS-ASHTTP 2.2.2:
// 400 bad request line or version, 401 credentials, 403 not allowed, 501 no such command, 503 retry),
// common statuses in a command's root (MS-ASCMD 2.2.2), and what a failure of the command becomes.
import { StoreError } from '../core/errors.js';
import { EasStatusError, type EasCommand, type EasResponse } from './command.js';
import { commandStatus, Common } from './statuses.js';
import { isWbxmlError } from './wbxml/index.js';

/** Thrown on the way to a command to refuse the request with an HTTP status; `reason` goes to the access log. */
export class HttpRefusal extends Error {
  override readonly name = 'HttpRefusal';
  constructor(readonly code: number, readonly reason: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(reason);
  }
}

/** How long a client should wait before retrying when the store is briefly unavailable. */
const RETRY_AFTER_SECONDS = '30';

/** A common status in the command's root, or the HTTP form that 2.5 to 12.1 understand (MS-ASCMD 2.2.2). */
export function refusal(command: string, version: number, status: number): EasResponse {
  if (version < 140) return { kind: 'http', status: status === Common.deviceBlocked ? 403 : 449 };
  const root = commandStatus(command, status);
  return root ? { kind: 'wbxml', root } : { kind: 'http', status: 449 };
}

/** The command's own Status in its root; HTTP 500 for a command that has none. */
export function statusResponse(command: string, status: number): EasResponse {
  const root = commandStatus(command, status);
  return root ? { kind: 'wbxml', root } : { kind: 'http', status: 500 };
}

/**
 * What the client gets for an error, with the reason for the access log; null for an error nobody
 * expected (the dispatcher logs it and answers 500). `command` is the command the request named, once
 * known; `ran` says whether the error came out of the command itself: only then does the command's error
 * table apply in full (before it, in the device registry or the gate, only its `temporary` entry).
 */
export function answerFor(err: unknown, command: EasCommand | null, ran: boolean): { res: EasResponse; reason: string } | null {
  if (err instanceof HttpRefusal) return { res: { kind: 'http', status: err.code, headers: err.headers }, reason: err.reason };
  if (isWbxmlError(err)) return { res: { kind: 'http', status: 400 }, reason: `malformed WBXML: ${err.code}` };
  if (err instanceof EasStatusError && command) return { res: statusResponse(command.name, err.status), reason: err.message };
  if (err instanceof StoreError) {
    const status = command && (ran || err.kind === 'temporary') ? command.errors[err.kind] : undefined;
    if (status !== undefined && command) return { res: statusResponse(command.name, status), reason: `${err.kind}: ${err.message}` };
    if (err.kind === 'temporary') return { res: { kind: 'http', status: 503, headers: { 'Retry-After': RETRY_AFTER_SECONDS } }, reason: 'store unavailable' };
  }
  return null;
}
