// The steps SmartReply and SmartForward share (MS-ASCMD 2.2.1.19 / 2.2.1.20), apart from what SendMail
// also does (submit.ts): find the original the Source names (ItemId with FolderId, or LongId from a
// Search; the 12.1 query's CollectionId/ItemId/LongId arrive the same way, request.ts), in the
// authenticated account only (150 when it is not there); take its threading headers; unless
// ReplaceMime is set, add the original to what the phone wrote (src/mail/compose.ts); after sending, mark
// the original. Source InstanceId (MS-ASCMD 2.2.3.88) names an occurrence of a calendar item: only mail
// originals are served, so a Source naming an event is 150 whatever its InstanceId.
// What differs between the two commands is in SMART, and how the original is added (composeSmart's kind).
import { joined, type ByteParts } from '../../core/byte-parts.js';
import { composeSmart, threadingOf, type SmartKind, type Threading } from '../../mail/compose.js';
import type { Item, ItemFlags } from '../../store/types.js';
import { EasStatusError, type EasContext } from '../command.js';
import { parseItemServerId } from '../sync/collection-state.js';
import { ComposeStatus, type ComposeInput, type ComposeSource } from './request.js';

/** Per command: the flag its original gets (MS-ASEMAIL LastVerbExecuted) and the log event of a send. */
export const SMART: Readonly<Record<SmartKind, { flags: Partial<ItemFlags>; event: string }>> = {
  reply: { flags: { answered: true }, event: 'eas-smart-reply' },
  forward: { flags: { forwarded: true }, event: 'eas-smart-forward' },
};

/** A reply or forward ready to send: the message, the original to mark, the threading headers. */
export interface SmartMessage {
  /** The phone's message as it came (ReplaceMime), or the composed one. */
  mime: ByteParts;
  original: Item;
  threading: Threading | null;
}

/** The message a Source names, in this account only. */
async function original(ctx: EasContext, source: ComposeSource): Promise<Item> {
  const id = source.longId ?? source.itemId;
  const ref = id ? parseItemServerId(id) : null;
  const item = ref ? await ctx.deps.store.mailbox.getItem(ctx.account.id, ref.itemId) : null;
  const folderOk = item && ref && item.folderId === ref.folderId && (source.longId !== null || !source.folderId || source.folderId === String(ref.folderId));
  if (!item || !folderOk || item.kind !== 'message' || !item.blobId) throw new EasStatusError(ComposeStatus.itemNotFound, 'the original message is not in this mailbox');
  return item;
}

/** The original, its threading, and the message to send: the phone's own (ReplaceMime) or with the original added. */
export async function composeFromSource(ctx: EasContext, input: ComposeInput, kind: SmartKind): Promise<SmartMessage> {
  if (!input.source) throw new EasStatusError(ComposeStatus.itemNotFound, 'a reply or forward must name its original (Source)');
  const orig = await original(ctx, input.source);
  const raw = await ctx.deps.store.blobs.get(orig.blobId!);
  if (!raw) throw new EasStatusError(ComposeStatus.itemNotFound, 'the original message has no content');
  const origBuf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const threading = await threadingOf(origBuf);
  if (input.replaceMime) return { mime: input.mime, original: orig, threading };
  try {
    // Quoting the original rewrites the message: it is read whole (a ReplaceMime send is not).
    return { mime: await composeSmart(kind, joined(input.mime), origBuf, ctx.account.email.slice(ctx.account.email.indexOf('@') + 1)), original: orig, threading };
  } catch (err) {
    throw new EasStatusError(ComposeStatus.invalidMime, `the message cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** After sending: the original is answered or forwarded, at `now` (its LastVerbExecutionTime, MS-ASEMAIL 2.2.2.45). */
export async function markOriginal(ctx: EasContext, kind: SmartKind, orig: Item, now: number): Promise<void> {
  // The message is sent: a failure to flag the original must not make the phone send it again.
  try {
    await ctx.deps.store.mailbox.updateItem(ctx.account.id, orig.id, { flags: SMART[kind].flags, lastVerb: { kind, at: now } });
  } catch (err) {
    ctx.log.warn({ event: 'eas-smart-flag-failed', err: err instanceof Error ? err.message : String(err) }, 'could not mark the original');
  }
}
