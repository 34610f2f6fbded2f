// One ActiveSync phone for the protocol tests, so each file does not redefine its own `sync`: an account's
// device at one protocol version that remembers its folder list (FolderSync) and one SyncKey per
// collection. sync() sends one Sync of a collection with its current key (MS-ASCMD 2.2.1.21) and keeps
// the answer's key; drain() repeats it while the server says MoreAvailable; ping() sends one Ping
// (MS-ASCMD 2.2.1.13) and held() waits until the server holds it. Readers for a Sync answer
// (collection, key, commands, ServerIds) and the mail helpers every suite needs (crlf, a plain message,
// SMTP delivery) sit beside it.
import assert from 'node:assert/strict';
import { asDeviceId } from '../../src/core/ids.js';
import { child, children, el, ns, textOf, type WbxmlElement } from '../../src/eas/wbxml/index.js';
import type { TestApp } from './app.js';
import { easRequest, pingBody, type EasRequest, type EasResponse } from './eas-client.js';
import { SmtpClient } from './smtp-client.js';
import { until } from './wait.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');

/** Lines joined with CRLF, each one ended (RFC 5322 line ends). */
export const crlf = (lines: readonly string[]): string => lines.map((l) => `${l}\r\n`).join('');

/** A plain text message, enough for a folder to have something in it. */
export function plainMail(to: string, subject: string, opts: { from?: string; body?: string; headers?: readonly string[] } = {}): string {
  return crlf([`From: ${opts.from ?? 'zed@example.net'}`, `To: ${to}`, `Subject: ${subject}`, ...(opts.headers ?? []), '', opts.body ?? 'Hi.']);
}

export interface DeliverOptions {
  /** MAIL FROM (default zed@example.net). */
  from?: string;
  /** The EHLO name (default the client's). */
  helo?: string;
}

/** Delivers `raw` over SMTP to the app's inbound port, as another server would, and asserts the 250. */
export async function deliver(app: { smtpPort: number }, to: string | readonly string[], raw: string | Buffer, opts: DeliverOptions = {}): Promise<void> {
  const c = await SmtpClient.connect(app.smtpPort);
  try {
    await c.ehlo(opts.helo);
    const r = await c.send(opts.from ?? 'zed@example.net', typeof to === 'string' ? [to] : [...to], raw.toString());
    assert.equal(r.data?.code, 250, `delivery refused: ${r.data?.text ?? ''}`);
  } finally {
    await c.quit();
  }
}

export type SyncCommandKind = 'Add' | 'Change' | 'Delete' | 'SoftDelete' | 'Fetch';

/** The (first) Collection of a Sync answer, or undefined for an empty answer or a top-level error. */
export const collectionOf = (r: EasResponse): WbxmlElement | undefined => child(child(r.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection');

/** The Collection of a Sync answer; fails the test when there is none. */
export function collection(r: EasResponse): WbxmlElement {
  const c = collectionOf(r);
  assert.ok(c, `a Sync answer with a Collection (HTTP ${r.status}, ${r.raw.length} bytes)`);
  return c;
}

/** The SyncKey the answer gives the collection. */
export const syncKeyOf = (r: EasResponse): string | undefined => textOf(collectionOf(r), 'AirSync:SyncKey');

/** The server's commands of one kind in a Sync answer (none for an empty answer). */
export const commandsOf = (r: EasResponse, kind: SyncCommandKind): WbxmlElement[] =>
  children(child(collectionOf(r), 'AirSync:Commands'), `AirSync:${kind}`);

/** The ServerIds of the server's commands of one kind. */
export const serverIds = (r: EasResponse, kind: SyncCommandKind): string[] => commandsOf(r, kind).map((c) => textOf(c, 'AirSync:ServerId')!);

export const moreAvailable = (r: EasResponse): boolean => child(collectionOf(r), 'AirSync:MoreAvailable') !== undefined;

export interface SyncOptions {
  /** The key to send instead of the phone's current one (a resend, an old or a foreign key). */
  key?: string;
  /** GetChanges: true sends the empty element, false sends 0; absent sends none (the server's default). */
  getChanges?: boolean;
  windowSize?: number;
  /** Options/FilterType. */
  filterType?: number;
  /** Options/BodyPreference (AirSyncBase): the body type and an optional truncation size. */
  bodyPreference?: { type: number; truncationSize?: number };
  /** More Options children, after the ones above. */
  options?: readonly WbxmlElement[];
  /** The client's Commands (Add, Change, Delete, Fetch). */
  commands?: readonly WbxmlElement[];
  /** Top-level elements after Collections (Wait, HeartbeatInterval, WindowSize). */
  top?: readonly WbxmlElement[];
}

export interface DrainResult {
  /** The ServerId of every Add received, in order. */
  added: string[];
  /** The collection's key after the last answer. */
  key: string;
  /** How many Syncs it took. */
  rounds: number;
}

export interface PhoneOptions {
  /** e.g. '14.1' (default) or '16.1'. */
  version?: string;
  deviceType?: string;
}

export class Phone {
  readonly version: string;
  readonly deviceType: string;
  /** FolderSync's answer: display name -> ServerId (the last one wins for equal names). */
  readonly folders = new Map<string, string>();
  /** FolderSync's answer: ServerId -> FolderHierarchy Type. */
  readonly folderTypes = new Map<string, number>();
  /** The current SyncKey of each collection. */
  readonly keys = new Map<string, string>();

  constructor(
    readonly app: TestApp,
    readonly user: { email: string; password: string },
    readonly deviceId: string,
    opts: PhoneOptions = {},
  ) {
    this.version = opts.version ?? '14.1';
    this.deviceType = opts.deviceType ?? 'TestPhone';
  }

  /** One request of this device. */
  request(cmd: string, body?: WbxmlElement, extra: Partial<EasRequest> = {}): Promise<EasResponse> {
    return easRequest(this.app, {
      cmd, user: this.user.email, password: this.user.password, deviceId: this.deviceId, deviceType: this.deviceType, version: this.version,
      ...(body ? { body } : {}), ...extra,
    });
  }

  /** FolderSync from key 0; remembers the folders by name and type and returns name -> ServerId. */
  async folderSync(): Promise<Map<string, string>> {
    const r = await this.request('FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    assert.equal(r.status, 200, `FolderSync: HTTP ${r.status}`);
    for (const a of children(child(r.root ?? undefined, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')) {
      const id = textOf(a, 'FolderHierarchy:ServerId')!;
      this.folders.set(textOf(a, 'FolderHierarchy:DisplayName')!, id);
      this.folderTypes.set(id, Number(textOf(a, 'FolderHierarchy:Type')));
    }
    return this.folders;
  }

  /** The ServerId of a folder the last FolderSync listed, by display name. */
  folder(name: string): string {
    const id = this.folders.get(name);
    assert.ok(id, `FolderSync listed no folder "${name}"`);
    return id;
  }

  /** The ServerId of the first folder of this FolderHierarchy Type (2 Inbox, 7 tasks, 8 calendar, 9 contacts, 10 notes). */
  folderOfType(type: number): string {
    const found = [...this.folderTypes].find(([, t]) => t === type);
    assert.ok(found, `FolderSync listed no folder of type ${type}`);
    return found[0];
  }

  /** The collection's current key ('0' before its first Sync). */
  key(collectionId: string): string {
    return this.keys.get(collectionId) ?? '0';
  }

  /** Forgets the collection's key: the next Sync starts it over with key 0. */
  forget(collectionId: string): void {
    this.keys.delete(collectionId);
  }

  /** One Sync of one collection; the collection's key moves on to the answer's. */
  async sync(collectionId: string, opts: SyncOptions = {}): Promise<EasResponse> {
    const pref = opts.bodyPreference;
    const options = [
      opts.filterType !== undefined && as('FilterType', opts.filterType),
      pref && asb('BodyPreference', asb('Type', pref.type), pref.truncationSize !== undefined && asb('TruncationSize', pref.truncationSize)),
      ...(opts.options ?? []),
    ].filter((o): o is WbxmlElement => o !== false && o !== undefined);
    const r = await this.request('Sync', as('Sync',
      as('Collections', as('Collection',
        as('SyncKey', opts.key ?? this.key(collectionId)), as('CollectionId', collectionId),
        opts.getChanges !== undefined && as('GetChanges', opts.getChanges ? null : '0'),
        opts.windowSize !== undefined && as('WindowSize', opts.windowSize),
        options.length > 0 && as('Options', options),
        opts.commands && opts.commands.length > 0 && as('Commands', [...opts.commands]))),
      ...(opts.top ?? [])));
    const key = syncKeyOf(r);
    if (key !== undefined) this.keys.set(collectionId, key);
    return r;
  }

  /**
   * Syncs the collection until the server has nothing more (MoreAvailable gone, or an empty answer),
   * from its current key (key 0 first when it has none). Every answer must have at most `windowSize` Adds.
   */
  async drain(collectionId: string, opts: Omit<SyncOptions, 'key' | 'commands'> = {}): Promise<DrainResult> {
    const windowSize = opts.windowSize ?? 512;
    let rounds = 0;
    if (!this.keys.has(collectionId)) {
      const first = await this.sync(collectionId, { ...opts, windowSize });
      rounds++;
      assert.ok(this.keys.has(collectionId), `Sync 0 of ${collectionId} gave no key (HTTP ${first.status})`);
    }
    const added: string[] = [];
    for (;;) {
      assert.ok(rounds < 1000, `${collectionId} still had more after ${rounds} Syncs`);
      const r = await this.sync(collectionId, { ...opts, windowSize });
      rounds++;
      if (r.raw.length === 0) break;
      const got = serverIds(r, 'Add');
      assert.ok(got.length <= windowSize, `${got.length} Adds in a window of ${windowSize}`);
      added.push(...got);
      if (!moreAvailable(r)) break;
    }
    return { added, key: this.key(collectionId), rounds };
  }

  /** FolderSync, then every named collection drained: the phone is up to date and ready to Ping. */
  async ready(names: readonly string[] = ['Inbox']): Promise<this> {
    await this.folderSync();
    for (const n of names) await this.drain(this.folders.get(n) ?? n);
    return this;
  }

  /** One Ping on these collections (MS-ASCMD 2.2.1.13); null leaves a part out, both null sends an empty Ping. */
  ping(collectionIds: readonly string[] | null, heartbeat: number | null): Promise<EasResponse> {
    return this.request('Ping', heartbeat === null && collectionIds === null ? undefined : pingBody(heartbeat, collectionIds));
  }

  /** Waits until the server holds a request of this device (a Ping or a Sync with Wait). */
  async held(timeoutMs?: number): Promise<void> {
    const account = await this.app.store.accounts.getByEmail(this.user.email);
    assert.ok(account, `no account ${this.user.email}`);
    await until(() => this.app.sessions.count(account.id, asDeviceId(this.deviceId)) > 0, `a held request of ${this.deviceId}`, timeoutMs);
  }
}
