// The contract of one EAS command (MS-ASCMD 2.2.1): parse the body into a typed input, execute it,
// render the result. The dispatcher, not the command, authenticates, checks provisioning and device
// state, decodes the body and checks its root element, measures, logs and maps errors: a command
// declares its body (`body`), its Status for a body it cannot take (`invalidRequest`) and its Status per
// store error kind (`errors`).
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { Authenticator } from '../auth/types.js';
import type { Bus } from '../bus/types.js';
import type { OutgoingDeps } from '../mail/outgoing.js';
import type { DeviceSessions } from '../devices/sessions.js';
import type { Account, Device, Store } from '../store/types.js';
import { joined, lengthOf, type ByteParts } from '../core/byte-parts.js';
import { StoreError, type StoreErrorKind } from '../core/errors.js';
import { decode, is, type QName, type WbxmlElement } from './wbxml/index.js';
import type { EasQuery } from './query.js';
import type { ClientSignal } from './client-gone.js';

export interface EasDeps {
  /** The protocol versions offered, the request size limit, which client addresses are proxies. */
  config: Pick<Config, 'easVersions' | 'easMaxRequestBytes' | 'trustedProxies' | 'logDir'>;
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
  /** Aborted when the client goes away (an AbortSignal fits; http.ts hands a lighter one, client-gone.ts). */
  signal: ClientSignal;
  /** Set while an account logger traces the account (account-log.ts): receives the decoded request body. */
  onRequestTree?: (root: WbxmlElement | null) => void;
}

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

/** EAS Status per store error kind (MS-ASCMD 2.2.3.177): one table per command, applied by the dispatcher. */
export type ErrorMap = Readonly<Partial<Record<StoreErrorKind, number>>>;

/** The Status a command's table gives a store error; undefined for other errors and unmapped kinds. */
export function statusForError<S extends number>(errors: Readonly<Partial<Record<StoreErrorKind, S>>>, err: unknown): S | undefined {
  return err instanceof StoreError ? errors[err.kind] : undefined;
}

/** A WBXML body whose root must be `root`; `optional` when an empty body is a request too (Ping, Sync, Provision). */
export interface WbxmlBody { kind: 'wbxml'; root: QName; optional?: false }
export interface OptionalWbxmlBody { kind: 'wbxml'; root: QName; optional: true }
/** The bytes as sent, in the chunks they arrived in when large (the SendMail family reads its body itself). */
export interface RawBody { kind: 'raw' }
export type BodySpec = WbxmlBody | OptionalWbxmlBody | RawBody;

interface SpecBase<I, R> {
  name: string;
  /** Commands exempt from the policy-key check (Provision, Ping and the like). */
  provisioning: 'required' | 'exempt';
  /** The lowest protocol version (times ten) that has the command. */
  minVersion?: number;
  /** The highest protocol version (times ten) that has the command. */
  maxVersion?: number;
  /** The command's Status for a body it cannot take: missing when required, or another root element. */
  invalidRequest: number;
  /** Store errors the command answers with its own Status; `temporary` without an entry is HTTP 503. */
  errors?: ErrorMap;
  execute(ctx: EasContext, input: I): Promise<R>;
  /** May be async: rendering can read message bodies from the blob store. */
  render(result: R, ctx: EasContext): EasResponse | Promise<EasResponse>;
}

/** `parse` gets the body in the form `body` declares, its root already checked. */
export interface WbxmlCommandSpec<I, R> extends SpecBase<I, R> { body: WbxmlBody; parse(root: WbxmlElement, ctx: EasContext): I }
export interface OptionalWbxmlCommandSpec<I, R> extends SpecBase<I, R> { body: OptionalWbxmlBody; parse(root: WbxmlElement | null, ctx: EasContext): I }
export interface RawCommandSpec<I, R> extends SpecBase<I, R> { body: RawBody; parse(bytes: ByteParts, ctx: EasContext): I }
export type EasCommandSpec<I, R> = WbxmlCommandSpec<I, R> | OptionalWbxmlCommandSpec<I, R> | RawCommandSpec<I, R>;

/** A command with its types erased, as the dispatch table holds it. */
export interface EasCommand {
  name: string;
  provisioning: 'required' | 'exempt';
  minVersion: number;
  maxVersion: number;
  body: BodySpec;
  invalidRequest: number;
  errors: ErrorMap;
  /** Decodes and checks the body (a malformed one throws the codec's WbxmlError), then parses, executes and renders. */
  run(ctx: EasContext, bytes: ByteParts): Promise<EasResponse>;
}

/** The body as `spec` declares it; EasStatusError(invalidRequest) when it is missing or has another root. */
function takeBody(spec: BodySpec, invalidRequest: number, bytes: ByteParts): ByteParts | WbxmlElement | null {
  if (spec.kind === 'raw') return bytes;
  const root = lengthOf(bytes) === 0 ? null : decode(joined(bytes));
  if (root === null) {
    if (spec.optional) return null;
    throw new EasStatusError(invalidRequest, `the request has no body (${spec.root} expected)`);
  }
  const { tag } = root;
  if (!is(root, spec.root)) throw new EasStatusError(invalidRequest, `the body is ${tag}, not ${spec.root}`);
  return root;
}

export function defineCommand<I, R>(spec: WbxmlCommandSpec<I, R>): EasCommand;
export function defineCommand<I, R>(spec: OptionalWbxmlCommandSpec<I, R>): EasCommand;
export function defineCommand<I, R>(spec: RawCommandSpec<I, R>): EasCommand;
export function defineCommand<I, R>(spec: EasCommandSpec<I, R>): EasCommand {
  // takeBody returns what spec.body promises its parse; the union of the three specs cannot say so.
  const erased = spec as { parse(body: ByteParts | WbxmlElement | null, ctx: EasContext): I };
  const inputOf = (ctx: EasContext, bytes: ByteParts): I => {
    const body = takeBody(spec.body, spec.invalidRequest, bytes);
    if (ctx.onRequestTree && spec.body.kind !== 'raw') ctx.onRequestTree(body as WbxmlElement | null);
    return erased.parse(body, ctx);
  };
  return {
    name: spec.name,
    provisioning: spec.provisioning,
    minVersion: spec.minVersion ?? 0,
    maxVersion: spec.maxVersion ?? 999,
    body: spec.body,
    invalidRequest: spec.invalidRequest,
    errors: spec.errors ?? {},
    run(ctx, bytes) {
      // No async frame here: while execute waits (a held Ping, up to an hour) nothing of this call but
      // one callback is kept, neither the body nor its decoded tree (issue 16 part 2).
      let input: I;
      try {
        input = inputOf(ctx, bytes);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return spec.execute(ctx, input).then((result) => spec.render(result, ctx));
    },
  };
}
