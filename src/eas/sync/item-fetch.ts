// ItemOperations Fetch (MS-ASCMD 2.2.3.67.1) from the Mailbox store: a message named by airsync:ServerId
// (with an optional airsync:CollectionId) or by search:LongId (the same `<folder>:<item>` form), rendered
// as the Email class with the request's BodyPreference / MIMESupport; or an attachment named by
// airsyncbase:FileReference (MS-ASAIRS 2.2.2.24.1), answered with ContentType, its bytes (base64 Data,
// MS-ASCMD 2.2.3.39.2, or a multipart Part) and, for a Range "m-n" (2.2.3.143.2), Range and Total.
// Every id is looked up in the authenticated account only: another account's id names nothing (6).
// Options/Schema (2.2.3.158) narrows an item's properties to the ones it lists (src/eas/sync/fetch-schema.ts).
import type { Buffer } from 'node:buffer';
import type { Item } from '../../store/types.js';
import { extractAttachment, parseAttachmentReference, type BodyPreference } from '../classes/email.js';
import { classForItem } from '../classes/catalog.js';
import type { EasContext } from '../command.js';
import { child, children, elements, intOf, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import { parseItemServerId } from './collection-state.js';
import { messageContents } from './message-contents.js';
import { applySchema, parseSchema } from './fetch-schema.js';

/** ItemOperations statuses (MS-ASCMD 2.2.3.177.8) this server gives. */
export const ItemOpsStatus = {
  ok: 1, protocolError: 2, serverError: 3, notFound: 6, badRange: 8, storeUnknown: 9, invalidAttachment: 15,
  missingMoveAlways: 155,
} as const;

export interface FetchRequest {
  store: string | undefined;
  collectionId: string | undefined;
  serverId: string | undefined;
  longId: string | undefined;
  fileReference: string | undefined;
  range: string | undefined;
  bodyPreferences: BodyPreference[];
  mimeSupport: 0 | 1 | 2;
  /** The properties Options/Schema asks for (qualified names); null: all of them. */
  schema: ReadonlySet<string> | null;
  /** Set when the Fetch element itself is malformed (Status 2 for this Fetch only). */
  invalid: string | null;
}

/** How the Fetch named its object; echoed in the response. */
export type FetchTarget =
  | { by: 'serverId'; collectionId: string | undefined; serverId: string }
  | { by: 'longId'; longId: string }
  | { by: 'fileReference'; fileReference: string }
  | { by: 'none' };

export interface FetchedAttachment {
  contentType: string;
  data: Buffer;
  /** The bytes answered, inclusive, when the request asked for a Range. */
  range: { start: number; end: number } | null;
  rangeAsked: boolean;
  total: number;
}

export interface FetchResult {
  status: number;
  target: FetchTarget;
  /** An item (a message, or a contact, event, task or note): the children of its ApplicationData, to go in Properties. */
  email?: WbxmlElement[];
  /** The AirSync:Class of that item (MS-ASCMD 2.2.3.27.2): Email, Contacts, Calendar, Tasks or Notes. */
  className?: string;
  attachment?: FetchedAttachment;
}

export function bodyPreferences(options: WbxmlElement | undefined): BodyPreference[] {
  const prefs: BodyPreference[] = [];
  for (const p of children(options, 'AirSyncBase:BodyPreference')) {
    const type = intOf(p, 'AirSyncBase:Type');
    if (type !== 1 && type !== 2 && type !== 3 && type !== 4) continue;
    const pref: BodyPreference = { type };
    const size = intOf(p, 'AirSyncBase:TruncationSize');
    if (size !== undefined && size >= 0) pref.truncationSize = size;
    const all = child(p, 'AirSyncBase:AllOrNone');
    if (all) pref.allOrNone = text(all).trim() !== '0';
    const preview = intOf(p, 'AirSyncBase:Preview');
    if (preview !== undefined && preview >= 0) pref.preview = Math.min(preview, 255);
    prefs.push(pref);
  }
  return prefs;
}

export function parseFetch(e: WbxmlElement): FetchRequest {
  const options = child(e, 'ItemOperations:Options');
  const mime = intOf(options, 'AirSync:MIMESupport');
  const named = ['AirSync:ServerId', 'Search:LongId', 'AirSyncBase:FileReference'] as const;
  const counts = named.map((q) => children(e, q).length);
  const trim = (s: string | undefined): string | undefined => s?.trim();
  return {
    store: trim(textOf(e, 'ItemOperations:Store')),
    collectionId: trim(textOf(e, 'AirSync:CollectionId')),
    serverId: trim(textOf(e, 'AirSync:ServerId')),
    longId: trim(textOf(e, 'Search:LongId')),
    fileReference: trim(textOf(e, 'AirSyncBase:FileReference')),
    range: trim(textOf(options, 'ItemOperations:Range')),
    bodyPreferences: bodyPreferences(options),
    mimeSupport: mime === 1 ? 1 : mime === 2 ? 2 : 0,
    schema: parseSchema(child(options, 'ItemOperations:Schema')),
    invalid: counts.reduce((a, b) => a + b, 0) === 1 ? null : 'a Fetch names exactly one of ServerId, LongId, FileReference',
  };
}

function targetOf(r: FetchRequest): FetchTarget {
  if (r.fileReference !== undefined) return { by: 'fileReference', fileReference: r.fileReference };
  if (r.longId !== undefined) return { by: 'longId', longId: r.longId };
  if (r.serverId !== undefined) return { by: 'serverId', collectionId: r.collectionId, serverId: r.serverId };
  return { by: 'none' };
}

/** The item a `<folder>:<item>` id names in this account, if it is still in that folder and the folder syncs. */
export async function itemAt(ctx: EasContext, serverId: string): Promise<Item | null> {
  const ref = parseItemServerId(serverId);
  if (!ref) return null;
  const { mailbox } = ctx.deps.store;
  const item = await mailbox.getItem(ctx.account.id, ref.itemId);
  if (!item || item.folderId !== ref.folderId) return null;
  // A folder excluded from mobile sync is unknown to phones, and so are its items (synced-store.ts).
  return (await mailbox.getFolder(ctx.account.id, item.folderId)) ? item : null;
}

/** The message a `<folder>:<item>` id names in this account, if it is still in that folder. */
async function messageAt(ctx: EasContext, serverId: string): Promise<Item | null> {
  const item = await itemAt(ctx, serverId);
  return item?.kind === 'message' ? item : null;
}

async function rawOf(ctx: EasContext, item: Item): Promise<Uint8Array | null> {
  return item.blobId ? ctx.deps.store.blobs.get(item.blobId) : null;
}

/** "m-n" as inclusive byte offsets; null when malformed or reversed. */
function parseRange(s: string): { start: number; end: number } | null {
  const m = /^(\d{1,10})-(\d{1,10})$/.exec(s);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return start <= end ? { start, end } : null;
}

async function fetchAttachment(ctx: EasContext, req: FetchRequest, fileReference: string, target: FetchTarget): Promise<FetchResult> {
  const ref = parseAttachmentReference(fileReference);
  if (!ref) return { status: ItemOpsStatus.invalidAttachment, target };
  const asked = req.range === undefined ? null : parseRange(req.range);
  if (req.range !== undefined && !asked) return { status: ItemOpsStatus.badRange, target };
  const item = await messageAt(ctx, ref.serverId);
  const raw = item ? await rawOf(ctx, item) : null;
  const att = raw ? await extractAttachment(raw, ref.partIndex) : null;
  if (!att) return { status: ItemOpsStatus.notFound, target };
  const total = att.data.length;
  let data = att.data;
  let range: FetchedAttachment['range'] = null;
  if (asked && total > 0) {
    if (asked.start >= total) return { status: ItemOpsStatus.badRange, target };
    range = { start: asked.start, end: Math.min(asked.end, total - 1) };
    data = att.data.subarray(range.start, range.end + 1);
  }
  return { status: ItemOpsStatus.ok, target, attachment: { contentType: att.contentType, data, range, rangeAsked: asked !== null, total } };
}

export async function fetchItem(ctx: EasContext, req: FetchRequest): Promise<FetchResult> {
  const target = targetOf(req);
  if (req.invalid || req.store === undefined) return { status: ItemOpsStatus.protocolError, target };
  if (req.store.toLowerCase() !== 'mailbox') return { status: ItemOpsStatus.storeUnknown, target };
  if (target.by === 'fileReference') return fetchAttachment(ctx, req, target.fileReference, target);
  if (target.by === 'none') return { status: ItemOpsStatus.protocolError, target };
  const serverId = target.by === 'longId' ? target.longId : target.serverId;
  const item = await itemAt(ctx, serverId);
  // A CollectionId beside the ServerId must name the folder the item is in.
  if (!item || (target.by === 'serverId' && target.collectionId !== undefined && target.collectionId !== String(item.folderId))) {
    return { status: ItemOpsStatus.notFound, target };
  }
  // Any class is rendered by its entry in the class table (MS-ASCMD 2.2.3.67.1: Fetch of any class).
  const cls = classForItem(item.kind);
  const { store } = ctx.deps;
  const contents = messageContents(store.blobs, [item]);
  const data = await cls.render(item, {
    version: ctx.version, bodyPreferences: req.bodyPreferences, now: Date.now(), serverId, mimeSupport: req.mimeSupport,
    loadBlob: (id) => store.blobs.get(id), contents,
    mailbox: { address: ctx.account.email, folderRole: (await store.mailbox.getFolder(ctx.account.id, item.folderId))?.role ?? null },
  });
  await contents.flush();
  const echo: FetchTarget = target.by === 'serverId' ? { ...target, collectionId: String(item.folderId) } : target;
  return { status: ItemOpsStatus.ok, target: echo, email: applySchema(elements(data), req.schema), className: cls.className };
}
