// The EAS side of account loggers (issue 15 part 3; the loggers themselves: src/devices/account-loggers.ts).
// http.ts asks `accountTrace` once the account is known; for an account without a logger that is one Map
// lookup and null. Otherwise the trace takes the request tree the command decoded (EasContext
// onRequestTree, so the body is not decoded twice) and, when the request ends, the response as built
// (the WbxmlElement tree, before encoding), and writes one record per logger that wants it:
//
//   2026-12-02T11:05:13.123Z INFO node=host:pid account=a@example.com device=ABC type=iPhone
//     ua="Apple-iPhone/..." cmd=Sync version=16.1 ms=12 http=200 eas=1 bytesIn=120 bytesOut=800
//     (one line), then at debug and trace the request and response as indented XML (log-redact.ts).
//
// Nothing of the HTTP headers is written (the Basic credentials never are).
import os from 'node:os';
import { joined, lengthOf, type ByteParts } from '../core/byte-parts.js';
import type { Logger } from '../core/logger.js';
import { deferRecord, loggersFor, loggerWants, writerFor } from '../devices/account-loggers.js';
import type { Account, AccountLogger, Store } from '../store/types.js';
import type { EasResponse } from './command.js';
import { redactForLog } from './log-redact.js';
import { child, decode, elements, qnameOf, text, toXml, type WbxmlElement } from './wbxml/index.js';

const NODE = `${os.hostname()}:${process.pid}`;
/** A raw (MIME) request body shown at trace is cut here: the log is for protocol traces, not archives. */
const MAX_RAW_CHARS = 256 * 1024;

export interface TraceRequest {
  cmd: string;
  deviceId: string;
  deviceType: string;
  userAgent: string;
  version: string;
  /** As read (request-body.ts): joined only when a record shows it. */
  body: ByteParts;
}

export interface TraceOutcome {
  http: number;
  easStatus?: number;
  bytesOut: number;
  response?: EasResponse;
  ms: number;
}

export interface AccountTrace {
  /** For EasContext.onRequestTree: the request as the command decoded it (null: no body). */
  requestTree: (root: WbxmlElement | null) => void;
  /** Writes the exchange to every logger of the account that wants it, shortly after; never throws. */
  done: (outcome: TraceOutcome) => void;
}

type TraceDeps = { store: Store; config: { logDir: string }; log: Logger };

/**
 * The trace of this request, or null when the account has no active logger (the common case: one Map
 * lookup, no promise); a promise only when this process's cache of the loggers is due for a read.
 */
export function accountTrace(deps: TraceDeps, account: Account, req: TraceRequest): AccountTrace | null | Promise<AccountTrace | null> {
  const found = loggersFor(deps.store, account.id);
  if (!(found instanceof Promise)) return traceWith(deps, account, req, found);
  // Logging never fails a request: with the loggers unreadable, this request goes untraced.
  return found.then((l) => traceWith(deps, account, req, l), (err: unknown) => {
    deps.log.warn({ err, account: account.email }, 'account loggers could not be read');
    return null;
  });
}

function traceWith(deps: TraceDeps, account: Account, req: TraceRequest, loggers: readonly AccountLogger[]): AccountTrace | null {
  if (loggers.length === 0) return null;
  const started = Date.now();
  let tree: WbxmlElement | null | undefined;
  const request = (): WbxmlElement | null | string => (tree === undefined ? decodeForLog(joined(req.body)) : tree);
  const write = (outcome: TraceOutcome): void => {
    try {
      const failedEas = failedStatus(outcome);
      const severity = outcome.http >= 500 ? 'ERR' : outcome.http >= 400 || failedEas !== undefined ? 'WARN' : 'INFO';
      const o = failedEas !== undefined ? { ...outcome, easStatus: failedEas } : outcome;
      for (const l of loggers) {
        if (loggerWants(l.level, outcome.http, severity !== 'INFO')) writerFor(deps.store, deps.config.logDir, l.file, deps.log).write(record(l, account, req, o, severity, started, request));
      }
    } catch (err) {
      deps.log.error({ err, account: account.email }, 'account log record failed');
    }
  };
  return {
    requestTree: (root) => {
      tree = root;
    },
    // After the answer went out, and off the request's own turn: the XML of a large Sync is work.
    done: (outcome) => deferRecord(deps.store, () => write(outcome)),
  };
}

/** The body as XML when the command did not decode it (refused before it ran, or not WBXML). */
function decodeForLog(body: Buffer): WbxmlElement | null | string {
  if (body.length === 0) return null;
  try {
    return decode(body);
  } catch {
    return `[${body.length} bytes, not WBXML]`;
  }
}

/** A value from the client as one token: as is when plain, else JSON-quoted (no line breaks or spaces can forge a record). */
const field = (s: string): string => (s === '' ? '-' : /^[\x21-\x7e]+$/.test(s) && !s.includes('"') ? s : JSON.stringify(s));
const indent = (text: string): string => text.replace(/\n$/, '').split('\n').map((l) => `    ${l}\n`).join('');

/**
 * The first Status other than success in the response: the command's own (MS-ASCMD 2.2.3.177) or a
 * part's (a Sync collection's Status 3 is the failure a troubleshooter looks for); undefined when all
 * succeeded. Ping's Status 2 (changes found) is a success like 1 (MS-ASCMD 2.2.3.177.10).
 */
function failedStatus(o: TraceOutcome): number | undefined {
  if (o.response?.kind !== 'wbxml') return undefined;
  const root = o.response.root;
  const okStatus = (e: WbxmlElement): boolean => {
    const v = text(e);
    return v === '1' || (v === '2' && qnameOf(root) === 'Ping:Ping' && e === child(root, 'Ping:Status'));
  };
  const walk = (e: WbxmlElement): WbxmlElement | undefined => {
    if (e.tag === 'Status' && !okStatus(e)) return e;
    for (const c of elements(e)) {
      const f = walk(c);
      if (f) return f;
    }
    return undefined;
  };
  const f = walk(root);
  return f ? Number(text(f)) : undefined;
}

function record(l: AccountLogger, account: Account, req: TraceRequest, o: TraceOutcome, severity: string, started: number, requestTree: () => WbxmlElement | null | string): string {
  const head = `${new Date(started).toISOString()} ${severity} node=${NODE} account=${account.email} device=${field(req.deviceId)} type=${field(req.deviceType)}`
    + ` ua=${JSON.stringify(req.userAgent)} cmd=${field(req.cmd)} version=${field(req.version)} ms=${o.ms} http=${o.http}`
    + `${o.easStatus !== undefined ? ` eas=${o.easStatus}` : ''} bytesIn=${lengthOf(req.body)} bytesOut=${o.bytesOut}\n`;
  if (l.level !== 'debug' && l.level !== 'trace') return head;
  const keep = l.level === 'trace';
  return `${head}  request:\n${indent(requestText(requestTree(), joined(req.body), keep))}  response:\n${indent(responseText(o.response, keep))}`;
}

function requestText(tree: WbxmlElement | null | string, body: Buffer, keep: boolean): string {
  if (typeof tree === 'string') {
    // Not WBXML: the MIME of a pre-14 SendMail family request (MS-ASCMD 2.2.1.17), content only at trace.
    if (!keep) return `[${body.length} bytes redacted]`;
    const s = body.toString('utf8');
    return s.length > MAX_RAW_CHARS ? `${s.slice(0, MAX_RAW_CHARS)}\n[${s.length - MAX_RAW_CHARS} more characters cut]` : s;
  }
  return tree === null ? '(no body)' : toXml(redactForLog(tree, keep), { declaration: false });
}

function responseText(res: EasResponse | undefined, keep: boolean): string {
  if (!res) return '(none)';
  switch (res.kind) {
    case 'wbxml': return toXml(redactForLog(res.root, keep), { declaration: false });
    case 'empty': return '(empty body)';
    case 'http': return `(HTTP ${res.status})`;
    case 'raw': return `[${res.body.length} bytes of ${res.contentType}]`;
  }
}
