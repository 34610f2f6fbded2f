// ItemOperations (MS-ASCMD 2.2.1.10) on the Mailbox store: Fetch (of a message by ServerId or LongId,
// or of an attachment by FileReference: src/eas/sync/item-fetch.ts), EmptyFolderContents and the
// conversation Move (src/eas/sync/mailbox-ops.ts), each answered in order in Response with its own
// Status (2.2.3.177.8). A request the server cannot read at all is Status 2 at the top. When the client
// accepts a multipart answer (EasQuery.acceptMultiPart: the base64 query's option bit, or the
// MS-ASAcceptMultiPart: T header once the dispatcher maps it there), the body is the MultiPartResponse
// of 2.2.1.10.1.1 (src/eas/sync/multipart.ts): the WBXML first, then the fetched bytes, each named by
// an ItemOperations:Part where Data would be.
import { withDeviceLock } from '../../devices/device-lock.js';
import { defineCommand, EasStatusError, type EasContext, type EasResponse } from '../command.js';
import { fetchItem, ItemOpsStatus, parseFetch, type FetchedAttachment, type FetchRequest, type FetchResult } from '../sync/item-fetch.js';
import { emptyFolder, moveConversation } from '../sync/mailbox-ops.js';
import { MULTIPART_TYPE, PartList } from '../sync/multipart.js';
import { bytes, bytesOf, child, el, elements, encode, is, ns, textOf, type WbxmlElement, type WbxmlNode } from '../wbxml/index.js';

const io = ns('ItemOperations');

/** Operations answered per request at most; more is a protocol error rather than an unbounded response. */
const MAX_OPERATIONS = 100;

type Operation =
  | { kind: 'fetch'; req: FetchRequest }
  | { kind: 'empty'; collectionId: string | undefined; deleteSubFolders: boolean }
  | { kind: 'move'; conversationId: Uint8Array | undefined; dstFldId: string | undefined; moveAlways: boolean };

type Outcome =
  | { kind: 'fetch'; result: FetchResult }
  | { kind: 'empty'; status: number; collectionId: string | undefined }
  | { kind: 'move'; status: number; conversationId: Uint8Array | undefined };

const bad = (message: string): EasStatusError => new EasStatusError(ItemOpsStatus.protocolError, message);

function parseOperation(e: WbxmlElement): Operation {
  const options = child(e, 'ItemOperations:Options');
  switch (e.tag) {
    case 'Fetch':
      return { kind: 'fetch', req: parseFetch(e) };
    case 'EmptyFolderContents':
      return { kind: 'empty', collectionId: textOf(e, 'AirSync:CollectionId')?.trim(), deleteSubFolders: child(options, 'ItemOperations:DeleteSubFolders') !== undefined };
    case 'Move':
      return {
        kind: 'move', conversationId: bytesOf(e, 'ItemOperations:ConversationId'), dstFldId: textOf(e, 'ItemOperations:DstFldId')?.trim(),
        moveAlways: child(options, 'ItemOperations:MoveAlways') !== undefined,
      };
    default:
      throw bad(`unknown operation ${e.tag}`);
  }
}

function parse(root: WbxmlElement): Operation[] {
  const ops = elements(root);
  if (ops.length === 0 || ops.length > MAX_OPERATIONS) throw bad(`${ops.length} operations`);
  return ops.map(parseOperation);
}

async function run(ctx: EasContext, op: Operation): Promise<Outcome> {
  switch (op.kind) {
    case 'fetch':
      return { kind: 'fetch', result: await fetchItem(ctx, op.req) };
    case 'empty': {
      const { collectionId } = op;
      if (collectionId === undefined) return { kind: 'empty', status: ItemOpsStatus.protocolError, collectionId };
      // Deleted sub-folders take this device's collection states with them: serialised with its Syncs.
      const status = await withDeviceLock(ctx.account.id, ctx.device.deviceId, () => emptyFolder(ctx, collectionId, op.deleteSubFolders));
      return { kind: 'empty', status, collectionId };
    }
    case 'move': {
      const { conversationId, dstFldId } = op;
      // The conversation Move is 14.0 and later (MS-ASCMD 2.2.3.117.1).
      if (conversationId === undefined || dstFldId === undefined || ctx.version < 140) {
        return { kind: 'move', status: ItemOpsStatus.protocolError, conversationId };
      }
      return { kind: 'move', status: await moveConversation(ctx, conversationId, dstFldId, op.moveAlways), conversationId };
    }
  }
}

/** In a multipart answer, the body's Data goes to a part and a Part element takes its place. */
function withParts(props: readonly WbxmlElement[], parts: PartList): WbxmlElement[] {
  return props.map((p) => {
    if (!is(p, 'AirSyncBase:Body')) return p;
    const content: WbxmlNode[] = p.children.map((c) => (is(c, 'AirSyncBase:Data') ? io('Part', parts.add(bytes(c))) : c));
    return { ...p, children: content };
  });
}

function attachmentProperties(a: FetchedAttachment, parts: PartList | null): WbxmlElement {
  return io('Properties',
    el('AirSyncBase:ContentType', a.contentType),
    a.range && io('Range', `${a.range.start}-${a.range.end}`),
    a.rangeAsked && io('Total', a.total),
    parts ? io('Part', parts.add(a.data)) : io('Data', a.data.toString('base64')));
}

function renderFetch(r: FetchResult, parts: PartList | null): WbxmlElement {
  const t = r.target;
  return io('Fetch',
    io('Status', r.status),
    t.by === 'serverId' && [t.collectionId !== undefined && el('AirSync:CollectionId', t.collectionId), el('AirSync:ServerId', t.serverId)],
    t.by === 'longId' && el('Search:LongId', t.longId),
    t.by === 'fileReference' && el('AirSyncBase:FileReference', t.fileReference),
    r.email && el('AirSync:Class', r.className ?? 'Email'),
    r.email && io('Properties', parts ? withParts(r.email, parts) : r.email),
    r.attachment && attachmentProperties(r.attachment, parts));
}

function renderOutcome(o: Outcome, parts: PartList | null): WbxmlElement {
  switch (o.kind) {
    case 'fetch':
      return renderFetch(o.result, parts);
    case 'empty':
      return io('EmptyFolderContents', io('Status', o.status), o.collectionId !== undefined && el('AirSync:CollectionId', o.collectionId));
    case 'move':
      return io('Move', io('Status', o.status), o.conversationId !== undefined && io('ConversationId', o.conversationId));
  }
}

export const itemOperationsCommand = defineCommand<Operation[], Outcome[]>({
  name: 'ItemOperations',
  provisioning: 'required',
  minVersion: 120,
  body: { kind: 'wbxml', root: 'ItemOperations:ItemOperations' },
  invalidRequest: ItemOpsStatus.protocolError,
  parse,
  async execute(ctx, ops) {
    const out: Outcome[] = [];
    for (const op of ops) out.push(await run(ctx, op));
    return out;
  },
  render(outcomes, ctx): EasResponse {
    const parts = ctx.query.acceptMultiPart ? new PartList() : null;
    const root = io('ItemOperations', io('Status', ItemOpsStatus.ok), io('Response', outcomes.map((o) => renderOutcome(o, parts))));
    return parts ? { kind: 'raw', contentType: MULTIPART_TYPE, body: parts.encode(encode(root)) } : { kind: 'wbxml', root };
  },
});
