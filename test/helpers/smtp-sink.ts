// A tiny SMTP server (smtp-server, 127.0.0.1, port 0) standing in for the external relay: it keeps
// each message's envelope and exact bytes, and can be told to refuse recipients or messages.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SinkOptions {
  /** Recipients refused at RCPT with this reply (e.g. 550 "5.1.1 no such user"). */
  refuseRcpt?: Map<string, { code: number; message: string }>;
  /** Every DATA refused with this reply. */
  refuseData?: { code: number; message: string };
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: SinkMessage[];
  close(): Promise<void>;
}

export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const refusal = (r: { code: number; message: string }): Error => Object.assign(new Error(r.message), { responseCode: r.code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      const r = opts.refuseRcpt?.get(address.address.toLowerCase());
      callback(r ? refusal(r) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (opts.refuseData) return callback(refusal(opts.refuseData));
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
