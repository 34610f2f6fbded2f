// The request of SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.20): 14.0 and
// later send a ComposeMail element {ClientId, SaveInSentItems, Source{FolderId, ItemId | LongId |
// InstanceId}, ReplaceMime, Mime}; 12.1 and earlier send the raw MIME as the body and name the rest in
// the query (SaveInSent=T, CollectionId, ItemId, LongId, Occurrence; MS-ASHTTP 2.2.1.1.1.1.3).
// A large body comes as the chunks it arrived in (src/eas/request-body.ts), and the message is kept as
// views into them, never joined: a 10 MiB attachment is held once (issue 16 part 5).
import { lengthOf, partsOf, type ByteParts } from '../../core/byte-parts.js';
import { EasStatusError, type EasContext } from '../command.js';
import { byteParts, child, decodeParts, isWbxmlError, textOf } from '../wbxml/index.js';

export const ComposeStatus = {
  invalidWbxml: 102, invalidMime: 107, recipientUnresolved: 116, previouslySent: 118, noRecipient: 119,
  submissionFailed: 120, replyFailed: 121, itemNotFound: 150,
} as const;

export interface ComposeSource {
  folderId: string | null;
  itemId: string | null;
  longId: string | null;
  instanceId: string | null;
}

export interface ComposeInput {
  clientId: string | null;
  saveInSent: boolean;
  replaceMime: boolean;
  source: ComposeSource | null;
  /** The message as sent, in the pieces of the request it came in. */
  mime: ByteParts;
}

export function parseCompose(root: 'SendMail' | 'SmartReply' | 'SmartForward', bytes: ByteParts, ctx: EasContext): ComposeInput {
  if (ctx.version < 140) {
    const q = ctx.query;
    const named = q.itemId !== null || q.longId !== null;
    return {
      clientId: null, saveInSent: q.saveInSent === true, replaceMime: false, mime: bytes,
      source: named ? { folderId: q.collectionId, itemId: q.itemId, longId: q.longId, instanceId: q.occurrence } : null,
    };
  }
  let doc;
  try {
    doc = lengthOf(bytes) > 0 ? decodeParts(partsOf(bytes)) : null;
  } catch (err) {
    if (isWbxmlError(err)) throw new EasStatusError(ComposeStatus.invalidWbxml, `malformed WBXML: ${err.code}`);
    throw err;
  }
  if (!doc || doc.tag !== root) throw new EasStatusError(ComposeStatus.invalidWbxml, `the body is not a ${root}`);
  const clientId = textOf(doc, 'ComposeMail:ClientId');
  const mimeElement = child(doc, 'ComposeMail:Mime');
  const mime = mimeElement ? byteParts(mimeElement) : null;
  if (!clientId || !mime) throw new EasStatusError(ComposeStatus.invalidMime, `${root} needs ClientId and Mime`);
  const src = child(doc, 'ComposeMail:Source');
  const source = src
    ? {
      folderId: textOf(src, 'ComposeMail:FolderId') ?? null,
      itemId: textOf(src, 'ComposeMail:ItemId') ?? null,
      longId: textOf(src, 'ComposeMail:LongId') ?? null,
      instanceId: textOf(src, 'ComposeMail:InstanceId') ?? null,
    }
    : null;
  return {
    clientId, mime, source,
    saveInSent: child(doc, 'ComposeMail:SaveInSentItems') !== undefined,
    replaceMime: child(doc, 'ComposeMail:ReplaceMime') !== undefined,
  };
}
