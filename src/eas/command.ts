// The contract of one EAS command (MS-ASCMD 2.2.1): parse the body into a typed input, execute it,
// render the result. The dispatcher, not the command, authenticates, checks provisioning and device
// state, measures, logs and maps errors.
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { Authenticator } from '../auth/types.js';
import type { Bus } from '../bus/types.js';
import type { OutgoingDeps } from '../mail/outgoing.js';
import type { DeviceSessions } from '../devices/sessions.js';
import type { Account, Device, Store } from '../store/types.js';
import type { WbxmlElement } from './wbxml/index.js';
import type { EasQuery } from './query.js';

export interface EasDeps {
  /** The protocol versions offered, the request size limit, which client addresses are proxies. */
  config: Pick<Config, 'easVersions' | 'easMaxRequestBytes' | 'trustedProxies'>;
  store: Store;
  auth: Authenticator;
  /** Change notices, for requests that wait for changes (Sync with Wait, Ping). */
  bus: Bus;
  /** Held requests by device: a newer request of the device, or device management, ends them. */
  sessions: DeviceSessions;
  /** Where mail sent from phones goes: local delivery (with the Sent copy) and the outbound relay. */
  outgoing: OutgoingDeps;
  log: Logger;
}

export interface EasContext {
  deps: EasDeps;
  account: Account;
  /** The device record; for the Android `validate` probe it is a transient one that is never stored. */
  device: Device;
  /** False for the `validate` probe: nothing about the device may be persisted. */
  persistentDevice: boolean;
  query: EasQuery;
  /** Negotiated protocol version times ten: 25, 120, 121, 140, 141, 160, 161. */
  version: number;
  remoteAddress: string;
  userAgent: string;
  log: Logger;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** A request body as the command declared it wants it. */
export type RequestBody = { kind: 'wbxml'; root: WbxmlElement | null } | { kind: 'raw'; bytes: Buffer };

export type EasResponse =
  /** `announceProtocol`: resend MS-ASProtocolVersions/Commands (FolderSync with SyncKey 0, MS-ASHTTP 3.2.5.1). */
  | { kind: 'wbxml'; root: WbxmlElement; announceProtocol?: boolean }
  /** 200 with an empty body (e.g. SendMail success). */
  | { kind: 'empty' }
  | { kind: 'raw'; contentType: string; body: Buffer }
  | { kind: 'http'; status: number; headers?: Record<string, string> };

/** Raised by parse or execute for a protocol-level failure the command maps to its own Status. */
export class EasStatusError extends Error {
  override readonly name = 'EasStatusError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface EasCommandSpec<I, R> {
  name: string;
  /** Commands exempt from the policy-key check (Provision, Ping and the like). */
  provisioning: 'required' | 'exempt';
  /** The lowest protocol version (times ten) that has the command. */
  minVersion?: number;
  /** The highest protocol version (times ten) that has the command. */
  maxVersion?: number;
  /** WBXML (default) or the raw body (MIME for the pre-14 SendMail family). */
  body?: 'wbxml' | 'raw';
  parse(body: RequestBody, ctx: EasContext): I;
  execute(ctx: EasContext, input: I): Promise<R>;
  /** May be async: rendering can read message bodies from the blob store. */
  render(result: R, ctx: EasContext): EasResponse | Promise<EasResponse>;
}

/** A command with its types erased, as the dispatch table holds it. */
export interface EasCommand {
  name: string;
  provisioning: 'required' | 'exempt';
  minVersion: number;
  maxVersion: number;
  body: 'wbxml' | 'raw';
  run(ctx: EasContext, body: RequestBody): Promise<EasResponse>;
}

export function defineCommand<I, R>(spec: EasCommandSpec<I, R>): EasCommand {
  return {
    name: spec.name,
    provisioning: spec.provisioning,
    minVersion: spec.minVersion ?? 0,
    maxVersion: spec.maxVersion ?? 999,
    body: spec.body ?? 'wbxml',
    async run(ctx, body) {
      const input = spec.parse(body, ctx);
      const result = await spec.execute(ctx, input);
      return spec.render(result, ctx);
    },
  };
}
