// One simulated phone of the fleet benchmark, doing what a real one does (MS-ASCMD 2.2.1: FolderSync
// 2.2.1.5, Sync 2.2.1.21, Ping 2.2.1.13, SendMail 2.2.1.17): FolderSync, the initial Sync of Inbox,
// Calendar and Contacts, then Ping on the three; on a Status 2 answer a Sync of the folders it names, then
// Ping again. The client must not be the bottleneck: requests go over keep-alive agents (one per server,
// no socket cap: a held Ping occupies its socket), the constant bodies (FolderSync, Ping) are encoded
// once, the headers once per device, and a Sync answer is decoded only when it is not empty.
import http from 'node:http';
import { child, children, decode, el, encode, intOf, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { FleetNode } from './fleet-protocol.js';
import type { StatsRef } from './fleet-stats.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');
const pg = ns('Ping');
const cm = ns('ComposeMail');

const WBXML = 'application/vnd.ms-sync.wbxml';
const FOLDER_SYNC_0 = encode(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));

/** A request that failed on the wire or with an unexpected status; `kind` is what the report counts. */
export class FleetError extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

/** The keep-alive agent of one server (sockets reused between requests; none is ever refused). */
export const agentFor = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

interface Answer { status: number; raw: Buffer }

function post(agent: http.Agent, node: FleetNode, path: string, headers: http.OutgoingHttpHeaders, body: Buffer, timeoutMs: number, cmd: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(node.baseUrl);
    const req = http.request({ agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
      res.on('error', (e: NodeJS.ErrnoException) => reject(new FleetError(`${cmd} ${e.code ?? e.message}`)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'client timeout' })));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new FleetError(`${cmd} ${e.code ?? e.message}`)));
    req.end(body);
  });
}

/** Times (performance.now()) of one delivery as a device's wake sees it. */
export interface Wake {
  /** The end of DATA went out. */
  sent: number;
  /** The server's 250. */
  accepted?: number;
  /** The device's Ping answered. */
  answered?: number;
}

type Folder = 'Email' | 'Calendar' | 'Contacts';

/** The Options a phone sends per class once it has a key: a month of mail with 5 KiB of text, six months of calendar. */
const OPTIONS: Record<Folder, WbxmlElement> = {
  Email: as('Options', as('FilterType', 5), as('MIMESupport', 0), asb('BodyPreference', asb('Type', 2), asb('TruncationSize', 5120))),
  Calendar: as('Options', as('FilterType', 7), asb('BodyPreference', asb('Type', 1), asb('TruncationSize', 32768))),
  Contacts: as('Options', asb('BodyPreference', asb('Type', 1), asb('TruncationSize', 32768))),
};

export interface DeviceInit {
  account: string;
  password: string;
  deviceId: string;
  version: '14.1' | '16.1';
  node: FleetNode;
  agent: http.Agent;
  heartbeat: number;
}

export class Device {
  /** ServerId -> class, for the three folders it syncs and pings. */
  readonly folders = new Map<string, Folder>();
  readonly keys = new Map<string, string>();
  /** When the Ping now in flight was sent (undefined: none in flight). */
  pingSentAt: number | undefined;
  /** The first delivery to this account while its Ping was in flight, until the Ping answer and the 250 are both in. */
  wake: Wake | undefined;
  private readonly headers: http.OutgoingHttpHeaders;
  private readonly paths = new Map<string, string>();
  private pingBody: Buffer | null = null;

  constructor(readonly init: DeviceInit) {
    this.headers = {
      authorization: `Basic ${Buffer.from(`${init.account}:${init.password}`).toString('base64')}`,
      'ms-asprotocolversion': init.version,
      'content-type': WBXML,
      'user-agent': init.version === '16.1' ? 'Apple-iPhone15C2/2102.61' : 'Android-SAMSUNG-SM-G991B/101.40001',
    };
  }

  private path(cmd: string): string {
    let p = this.paths.get(cmd);
    if (!p) {
      const type = this.init.version === '16.1' ? 'iPhone' : 'SAMSUNGSMG991B';
      p = `/Microsoft-Server-ActiveSync?${new URLSearchParams({ Cmd: cmd, User: this.init.account, DeviceId: this.init.deviceId, DeviceType: type }).toString()}`;
      this.paths.set(cmd, p);
    }
    return p;
  }

  /** One command; anything but HTTP 200 is an error of kind "<cmd> HTTP <status>". */
  private async call(cmd: string, body: Buffer, stats: StatsRef, timeoutMs = 60_000): Promise<Buffer> {
    const r = await post(this.init.agent, this.init.node, this.path(cmd), this.headers, body, timeoutMs, cmd);
    if (r.status !== 200) throw new FleetError(`${cmd} HTTP ${r.status}`);
    stats.current?.count(cmd);
    return r.raw;
  }

  /** FolderSync from key 0: finds the Inbox (type 2), Calendar (8) and Contacts (9). */
  async folderSync(stats: StatsRef): Promise<void> {
    const root = decode(await this.call('FolderSync', FOLDER_SYNC_0, stats));
    const status = intOf(root, 'FolderHierarchy:Status');
    if (status !== 1) throw new FleetError(`FolderSync Status ${String(status)}`);
    const wanted: Record<string, Folder> = { 2: 'Email', 8: 'Calendar', 9: 'Contacts' };
    for (const a of children(child(root, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')) {
      const cls = wanted[textOf(a, 'FolderHierarchy:Type') ?? ''];
      const id = textOf(a, 'FolderHierarchy:ServerId');
      if (cls && id) this.folders.set(id, cls);
    }
    if (this.folders.size !== 3) throw new FleetError(`FolderSync found ${this.folders.size} of Inbox/Calendar/Contacts`);
    const ids = [...this.folders];
    this.pingBody = encode(pg('Ping', pg('HeartbeatInterval', this.init.heartbeat),
      pg('Folders', ids.map(([id, cls]) => pg('Folder', pg('Id', id), pg('Class', cls))))));
  }

  /**
   * Syncs the folders (all three by default) until none has MoreAvailable: key 0 first for a folder without
   * a key. Every Sync's time goes into the syncMs of the stats current when it ends; a collection Status other than 1 is an error.
   */
  async sync(stats: StatsRef, ids: readonly string[] = [...this.folders.keys()]): Promise<void> {
    let todo = ids.filter((id) => this.folders.has(id));
    for (let round = 0; todo.length > 0; round++) {
      if (round === 50) throw new FleetError('Sync never ends (MoreAvailable 50 times)');
      // A folder at key 0 gets its items with the next Sync, so it goes round again.
      const fresh = new Set(todo.filter((id) => (this.keys.get(id) ?? '0') === '0'));
      const body = encode(as('Sync', as('Collections', todo.map((id) => (fresh.has(id)
        ? as('Collection', as('SyncKey', '0'), as('CollectionId', id))
        : as('Collection', as('SyncKey', this.keys.get(id)), as('CollectionId', id), as('DeletesAsMoves', 1), as('GetChanges', null),
          as('WindowSize', 100), OPTIONS[this.folders.get(id)!])))), as('WindowSize', 100)));
      const t0 = performance.now();
      const raw = await this.call('Sync', body, stats);
      stats.current?.syncMs.push(performance.now() - t0);
      // An empty answer: nothing changed in any of them (MS-ASCMD 2.2.1.21, the empty Sync response).
      if (raw.length === 0) return;
      const root = decode(raw);
      const top = intOf(root, 'AirSync:Status');
      if (top !== undefined) throw new FleetError(`Sync Status ${top}`);
      const again: string[] = [];
      for (const c of children(child(root, 'AirSync:Collections'), 'AirSync:Collection')) {
        const id = textOf(c, 'AirSync:CollectionId') ?? '';
        const status = intOf(c, 'AirSync:Status');
        if (status !== 1) throw new FleetError(`Sync Status ${String(status)}`);
        const key = textOf(c, 'AirSync:SyncKey');
        if (key) this.keys.set(id, key);
        if (fresh.has(id) || child(c, 'AirSync:MoreAvailable')) again.push(id);
      }
      todo = again;
    }
  }

  /** One Ping on the three folders; resolves with its Status and the folders a Status 2 names. */
  async ping(stats: StatsRef): Promise<{ status: number; folders: string[] }> {
    if (!this.pingBody) throw new FleetError('Ping before FolderSync');
    const raw = await this.call('Ping', this.pingBody, stats, (this.init.heartbeat + 120) * 1000);
    const root = decode(raw);
    const status = intOf(root, 'Ping:Status') ?? 0;
    const folders = children(child(root, 'Ping:Folders'), 'Ping:Folder').map(text);
    return { status, folders };
  }

  /** SendMail (ComposeMail, 14.0 and later), saved in Sent Items; success is an empty 200. */
  async sendMail(stats: StatsRef, clientId: string, mime: Buffer): Promise<void> {
    const raw = await this.call('SendMail', encode(cm('SendMail', cm('ClientId', clientId), cm('SaveInSentItems'), cm('Mime', mime))), stats);
    if (raw.length > 0) throw new FleetError(`SendMail Status ${String(intOf(decode(raw), 'ComposeMail:Status'))}`);
  }
}
