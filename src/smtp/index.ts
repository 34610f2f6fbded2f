// The SMTP front end: inbound delivery (RFC 5321) and authenticated submission (RFC 6409 with
// RFC 4954 AUTH), both on smtp-server, bound to config.bindAddress, with STARTTLS (RFC 3207) and an
// implicit-TLS submission listener (RFC 8314) when a certificate is configured. close() stops accepting, lets
// messages already being received finish (bounded), then says 421 to whoever is still connected.
import type { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { Authenticator } from '../auth/types.js';
import type { Store } from '../store/types.js';
import type { LocalDelivery } from '../mail/delivery.js';
import type { Relay } from '../mail/relay.js';
import type { TlsMaterial } from '../tls/material.js';
import { createInboundServer } from './inbound.js';
import { acceptProxyV2 } from './proxy-v2.js';
import { createSubmissionServer } from './submission.js';
import { replies, useOwnEnhancedCodes } from './replies.js';
import { CLOSE_DRAIN_MS, CLOSE_GRACE_MS, InFlight, type SmtpContext, type SmtpSessionConfig } from './session.js';

export interface SmtpDeps {
  /** The sessions' settings, and where the three listeners bind. */
  config: SmtpSessionConfig & Pick<Config, 'bindAddress' | 'smtpPort' | 'submissionPort' | 'smtpsPort'>;
  store: Store;
  auth: Authenticator;
  log: Logger;
  /** The server's one local delivery (with its out-of-office responder) and relay, shared with ActiveSync. */
  outgoing: { delivery: LocalDelivery; relay: Relay | null };
  tls: TlsMaterial | null;
}

export interface SmtpServers {
  /** The bound ports (useful when the config asked for port 0). */
  inboundPort: number;
  submissionPort: number;
  /** The implicit-TLS submission port, when TLS is configured. */
  smtpsPort: number | null;
  close(): Promise<void>;
}

export async function startSmtpServers(deps: SmtpDeps): Promise<SmtpServers> {
  const log = deps.log.child({ svc: 'smtp' });
  // The delivery and relay belong to the server (app.ts): ActiveSync's SendMail uses the same ones.
  const ctx: SmtpContext = {
    config: deps.config, store: deps.store, auth: deps.auth, log,
    delivery: deps.outgoing.delivery,
    relay: deps.outgoing.relay,
    inFlight: new InFlight(),
    tls: deps.tls,
  };
  const inbound = createInboundServer(ctx);
  const submission = createSubmissionServer(ctx);
  const smtps = deps.tls ? createSubmissionServer(ctx, true) : null;
  const named = [['inbound', inbound], ['submission', submission], ...(smtps ? [['smtps', smtps] as const] : [])] as const;
  const servers = named.map(([, server]) => server);
  // A new certificate is used by the next connection (and the next STARTTLS); open sessions keep theirs.
  deps.tls?.onChange((p) => {
    for (const server of servers) server.updateSecureContext({ key: p.key, cert: p.cert });
  });
  for (const [name, server] of named) {
    useOwnEnhancedCodes(server);
    if (deps.config.smtpProxyProtocol) acceptProxyV2(server);
    // smtp-server re-emits connection errors (a client resetting mid-transaction) on the server;
    // without a listener they would crash the process.
    server.on('error', (err: Error) => log.info({ err: { message: err.message, code: (err as { code?: unknown }).code }, listener: name }, 'smtp socket error'));
  }

  let inboundPort: number;
  let submissionPort: number;
  let smtpsPort: number | null = null;
  try {
    inboundPort = await listen(inbound, deps.config.smtpPort, deps.config.bindAddress);
    submissionPort = await listen(submission, deps.config.submissionPort, deps.config.bindAddress);
    if (smtps) smtpsPort = await listen(smtps, deps.config.smtpsPort, deps.config.bindAddress);
  } catch (err) {
    await Promise.all(servers.map((s) => closeListener(s)));
    throw err;
  }
  log.info({ inboundPort, submissionPort, smtpsPort, tls: deps.tls !== null, maxMessageBytes: deps.config.maxMessageBytes, relay: ctx.relay?.target ?? null }, 'smtp listening');

  let closing: Promise<void> | null = null;
  return {
    inboundPort,
    submissionPort,
    smtpsPort,
    close() {
      closing ??= (async () => {
        ctx.inFlight.closing = true;
        const closed = Promise.all(servers.map((s) => closeListener(s)));
        const idle = await Promise.race([ctx.inFlight.idle().then(() => true), delay(CLOSE_GRACE_MS).then(() => false)]);
        if (!idle) log.warn({ graceMs: CLOSE_GRACE_MS }, 'smtp close: transactions still running after the grace period; cutting them off');
        // Clients idling between transactions would otherwise hold the listeners open until their timeout.
        const bye = replies.shuttingDown();
        for (const s of servers) for (const conn of [...s.connections]) conn.send(bye.responseCode, bye.message);
        await Promise.race([closed, delay(CLOSE_DRAIN_MS)]);
        await Promise.race([ctx.delivery.autoReplies.settled(), delay(CLOSE_DRAIN_MS)]);
        log.info('smtp stopped');
      })();
      return closing;
    },
  };
}

function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting; resolves once every connection of this listener is gone. */
function closeListener(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.server.listening) return resolve();
    server.close(() => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
