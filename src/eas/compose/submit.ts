// Sending for SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17/19/20) through the server's one
// sending path (src/mail/outgoing.ts: local recipients delivered, the others relayed, a Sent copy when
// asked). A ClientId this device already sent answers 118 and sends nothing again (MS-ASCMD R953; the
// peers do not check). A reply or forward names its original by Source (or the 12.1 query): looked up in
// the authenticated account only, 150 when it is not there; after sending, the original is marked
// answered or forwarded, with the time, which the next Sync shows as LastVerbExecuted and
// LastVerbExecutionTime. Failures: 107 bad MIME, 119 no recipient, 116 a local recipient that does not
// exist, 120 no relay or the relay refused.
import { withDeviceLock } from '../../devices/device-lock.js';
import { composeSmart, threadingOf, type SmartKind } from '../../mail/compose.js';
import { OutgoingError, prepareOutgoing, sendOutgoing } from '../../mail/outgoing.js';
import type { Item } from '../../store/types.js';
import { EasStatusError, type EasContext } from '../command.js';
import { parseItemServerId } from '../sync/collection-state.js';
import { ComposeStatus, type ComposeInput, type ComposeSource } from './request.js';

const SENT_IDS = '#sendmail';
const REMEMBER_MS = 7 * 86_400_000;
const REMEMBER_MAX = 500;

type Sent = Array<{ id: string; at: number }>;

/** The message a Source names, in this account only. */
async function original(ctx: EasContext, source: ComposeSource): Promise<Item> {
  const id = source.longId ?? source.itemId;
  const ref = id ? parseItemServerId(id) : null;
  const item = ref ? await ctx.deps.store.mailbox.getItem(ctx.account.id, ref.itemId) : null;
  const folderOk = item && ref && item.folderId === ref.folderId && (source.longId !== null || !source.folderId || source.folderId === String(ref.folderId));
  if (!item || !folderOk || item.kind !== 'message' || !item.blobId) throw new EasStatusError(ComposeStatus.itemNotFound, 'the original message is not in this mailbox');
  return item;
}

function statusOf(err: OutgoingError): number {
  return {
    'invalid-mime': ComposeStatus.invalidMime, 'no-recipients': ComposeStatus.noRecipient, unresolved: ComposeStatus.recipientUnresolved,
    'no-relay': ComposeStatus.submissionFailed, 'relay-refused': ComposeStatus.submissionFailed,
  }[err.reason];
}

async function send(ctx: EasContext, input: ComposeInput, kind: SmartKind | null, now: number): Promise<void> {
  let mime = Buffer.from(input.mime.buffer, input.mime.byteOffset, input.mime.byteLength);
  let orig: Item | null = null;
  let threading = null;
  if (kind) {
    if (!input.source) throw new EasStatusError(ComposeStatus.itemNotFound, 'a reply or forward must name its original (Source)');
    orig = await original(ctx, input.source);
    const raw = await ctx.deps.store.blobs.get(orig.blobId!);
    if (!raw) throw new EasStatusError(ComposeStatus.itemNotFound, 'the original message has no content');
    const origBuf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    threading = await threadingOf(origBuf);
    if (!input.replaceMime) {
      try {
        mime = await composeSmart(kind, mime, origBuf, ctx.account.email.slice(ctx.account.email.indexOf('@') + 1));
      } catch (err) {
        throw new EasStatusError(ComposeStatus.invalidMime, `the message cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  try {
    const prepared = await prepareOutgoing(mime, ctx.account, now, threading);
    const r = await sendOutgoing(ctx.deps.outgoing, ctx.account, prepared, input.saveInSent);
    ctx.log.info({ event: kind ? `eas-smart-${kind}` : 'eas-sendmail', recipients: prepared.recipients.length, local: r.local, relayed: r.relayed, bytes: prepared.raw.length }, 'message sent');
  } catch (err) {
    if (err instanceof OutgoingError) throw new EasStatusError(statusOf(err), err.message);
    throw err;
  }
  if (orig) {
    // The message is sent: a failure to flag the original must not make the phone send it again.
    try {
      // The time goes with the flag: it is the original's LastVerbExecutionTime (MS-ASEMAIL 2.2.2.45).
      const verb: SmartKind = kind === 'reply' ? 'reply' : 'forward';
      await ctx.deps.store.mailbox.updateItem(ctx.account.id, orig.id, { flags: verb === 'reply' ? { answered: true } : { forwarded: true }, lastVerb: { kind: verb, at: now } });
    } catch (err) {
      ctx.log.warn({ event: 'eas-smart-flag-failed', err: err instanceof Error ? err.message : String(err) }, 'could not mark the original');
    }
  }
}

/** Sends once per ClientId per device: one at a time per device, so a resend racing its original cannot send twice. */
export function submit(ctx: EasContext, input: ComposeInput, kind: SmartKind | null): Promise<null> {
  const { store } = ctx.deps;
  return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
    const remember = input.clientId !== null && ctx.persistentDevice;
    const row = remember ? await store.deviceState.getCollection(ctx.account.id, ctx.device.deviceId, SENT_IDS) : null;
    const now = Date.now();
    const sent: Sent = row ? (JSON.parse(row.data) as Sent).filter((s) => s.at > now - REMEMBER_MS) : [];
    if (input.clientId && sent.some((s) => s.id === input.clientId)) throw new EasStatusError(ComposeStatus.previouslySent, 'this ClientId was already sent');
    await send(ctx, input, kind, now);
    if (remember && input.clientId) {
      const next = [...sent, { id: input.clientId, at: now }].slice(-REMEMBER_MAX);
      await store.deviceState.putCollection(ctx.account.id, ctx.device.deviceId, SENT_IDS, '', JSON.stringify(next));
    }
    return null;
  });
}
