// Outbound relay (RFC 5321 section 3.6): hands a submitted message for external recipients to the
// smarthost in CARBONIO_RELAY_URL through nodemailer's pooled SMTP transport, byte for byte, with
// the submission's own envelope. Failures come back as an SMTP reply (RFC 3463 enhanced code) that a
// front end can pass to its client: permanent when the relay refused the message, temporary when it
// could not be reached.
import { createTransport } from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Config } from '../config.js';
import { joined, lengthOf, partsOf, streamOf, type ByteParts } from '../core/byte-parts.js';
import { redactUrl } from '../config.js';

export interface RelayEnvelope {
  from: string;
  to: string[];
}

export interface RelayResult {
  accepted: string[];
  /** Recipients the relay refused while taking the message for the others. */
  rejected: string[];
  /** The relay's final reply, for the log. */
  response: string;
}

/** Why a relay attempt failed, as the reply the submitting client should get. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    /** SMTP reply code: 451 for "try again", 55x when the relay refused the message itself. */
    readonly responseCode: number,
    readonly enhancedCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get permanent(): boolean {
    return this.responseCode >= 500;
  }
}

export interface RelayOptions {
  /** Upper bound on connecting and on the relay's greeting. */
  connectTimeoutMs?: number;
  /** Upper bound on any single wait for the relay once connected. */
  socketTimeoutMs?: number;
  maxConnections?: number;
}

interface ErrorFields {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  rejectedErrors?: unknown;
}

/** Typed through the pool overload of createTransport, so sendMail resolves to the SMTP result. */
const poolTransport = (options: SMTPPoolOptions & { pool: true }) => createTransport(options);
const singleTransport = (options: SMTPTransport.Options) => createTransport(options);

/** A message in parts at least this large is streamed from its parts rather than joined into one buffer first. */
export const STREAM_FROM_BYTES = 1024 * 1024;

export class Relay {
  private readonly transport: ReturnType<typeof poolTransport>;
  /** One connection per message, for messages streamed from their parts (see send). */
  private readonly streaming: ReturnType<typeof singleTransport>;
  /** The relay URL without its password, for logs and replies. */
  readonly target: string;

  constructor(url: string, opts: RelayOptions = {}) {
    this.target = redactUrl(url);
    const connect = opts.connectTimeoutMs ?? 30_000;
    const common = {
      url,
      connectionTimeout: connect,
      greetingTimeout: connect,
      socketTimeout: opts.socketTimeoutMs ?? 120_000,
      // No transport logging: it would write envelopes and, at debug level, message contents.
      logger: false,
      debug: false,
    };
    this.transport = poolTransport({
      ...common,
      pool: true,
      maxConnections: opts.maxConnections ?? 4,
      // A pooled connection the smarthost dropped while idle is retried once or twice on a fresh one.
      maxRequeues: 2,
      idleTimeout: 30_000,
    });
    this.streaming = singleTransport(common);
  }

  static fromConfig(config: Pick<Config, 'relayUrl'>, opts?: RelayOptions): Relay | null {
    return config.relayUrl ? new Relay(config.relayUrl, opts) : null;
  }

  /** Sends `raw` unchanged to `envelope.to`. Resolves when the relay took it, rejects with a RelayError. */
  async send(envelope: RelayEnvelope, raw: ByteParts): Promise<RelayResult> {
    const parts = partsOf(raw);
    // A large message in parts (a SendMail: new header block, body as the phone sent it) is streamed from
    // its parts over a connection of its own: joining them would copy the whole message, and the pool
    // cannot take a stream, since it may requeue a message on another connection and read it again.
    const stream = parts.length > 1 && lengthOf(raw) >= STREAM_FROM_BYTES;
    const mail = { envelope: { from: envelope.from, to: envelope.to }, raw: stream ? streamOf(raw) : joined(raw) };
    try {
      const info = await (stream ? this.streaming.sendMail(mail) : this.transport.sendMail(mail));
      return { accepted: info.accepted.map(String), rejected: info.rejected.map(String), response: info.response };
    } catch (err) {
      throw relayError(err);
    }
  }

  close(): void {
    this.transport.close();
    this.streaming.close();
  }
}

const ENHANCED = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\s+/;

/** The relay's reply text, single line and bounded, safe to echo in our own reply. */
function relayText(response: string): string {
  return response.replace(ENHANCED, '').replace(/^\d{3}[ -]/, '').replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 200);
}

/** Maps a nodemailer failure to the reply for our client. Exported for tests. */
export function relayError(err: unknown): RelayError {
  const e: ErrorFields = typeof err === 'object' && err !== null ? err : {};
  // With every recipient refused nodemailer reports the per-recipient replies separately.
  const rejected: unknown = Array.isArray(e.rejectedErrors) ? e.rejectedErrors[0] : undefined;
  const first: ErrorFields = typeof rejected === 'object' && rejected !== null ? rejected : e;
  const code = typeof first.responseCode === 'number' ? first.responseCode : typeof e.responseCode === 'number' ? e.responseCode : 0;
  const response = typeof first.response === 'string' ? first.response : typeof e.response === 'string' ? e.response : '';
  const enhanced = ENHANCED.exec(response)?.[1];
  const text = relayText(response);

  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || code === 530 || code === 535 || code === 538) {
    // The smarthost refused *our* credentials: an operator problem, not the sender's; keep the message retrying.
    return new RelayError(451, '4.7.0', 'Outbound relay refused the server\'s credentials; try again later', { cause: err });
  }
  if (code >= 550 && code <= 559) {
    return new RelayError(code, enhanced?.startsWith('5.') ? enhanced : '5.0.0', `Relay refused the message: ${text || 'no reason given'}`, { cause: err });
  }
  if (code >= 500 && code !== 503) {
    return new RelayError(554, enhanced?.startsWith('5.') ? enhanced : '5.0.0', `Relay refused the message: ${text || 'no reason given'}`, { cause: err });
  }
  if (code >= 400) {
    // 421 would make our own server drop the client's connection: say 451 whatever the relay said.
    const ours = code === 450 || code === 452 ? code : 451;
    return new RelayError(ours, enhanced?.startsWith('4.') ? enhanced : '4.0.0', `Relay deferred the message: ${text || 'try again later'}`, { cause: err });
  }
  return new RelayError(451, '4.4.1', 'Could not reach the outbound relay; try again later', { cause: err });
}
