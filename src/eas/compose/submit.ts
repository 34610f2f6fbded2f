// Sending for SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17/19/20) through the server's one
// sending path (src/mail/outgoing.ts: local recipients delivered, the others relayed, a Sent copy when
// asked). A ClientId this device already sent answers 118 and sends nothing again (MS-ASCMD R953; the
// peers do not check). A reply or forward is composed from its original first and the original marked
// after sending (smart.ts); the next Sync shows the mark as LastVerbExecuted and LastVerbExecutionTime.
// Failures: 107 bad MIME, 119 no recipient, 116 a local recipient that does not exist, 120 no relay or
// the relay refused.
import { lengthOf } from '../../core/byte-parts.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import type { SmartKind } from '../../mail/compose.js';
import { OutgoingError, prepareOutgoing, sendOutgoing } from '../../mail/outgoing.js';
import { EasStatusError, type EasContext } from '../command.js';
import { readRecord, writeRecord } from '../sync/device-records.js';
import { ComposeStatus, type ComposeInput } from './request.js';
import { composeFromSource, markOriginal, SMART, type SmartMessage } from './smart.js';

const REMEMBER_MS = 7 * 86_400_000;
const REMEMBER_MAX = 500;


function statusOf(err: OutgoingError): number {
  return {
    'invalid-mime': ComposeStatus.invalidMime, 'no-recipients': ComposeStatus.noRecipient, unresolved: ComposeStatus.recipientUnresolved,
    'no-relay': ComposeStatus.submissionFailed, 'relay-refused': ComposeStatus.submissionFailed,
  }[err.reason];
}

/** SendMail sends the phone's message as it is; SmartReply / SmartForward compose it from the original first. */
async function send(ctx: EasContext, input: ComposeInput, kind: SmartKind | null, now: number): Promise<void> {
  const smart: SmartMessage | null = kind ? await composeFromSource(ctx, input, kind) : null;
  const mime = smart ? smart.mime : input.mime;
  try {
    const prepared = await prepareOutgoing(mime, ctx.account, now, smart?.threading ?? null);
    const r = await sendOutgoing(ctx.deps.outgoing, ctx.account, prepared, input.saveInSent);
    ctx.log.info({ event: kind ? SMART[kind].event : 'eas-sendmail', recipients: prepared.recipients.length, local: r.local, relayed: r.relayed, bytes: lengthOf(prepared.raw) }, 'message sent');
  } catch (err) {
    if (err instanceof OutgoingError) throw new EasStatusError(statusOf(err), err.message);
    throw err;
  }
  if (kind && smart) await markOriginal(ctx, kind, smart.original, now);
}

/** Sends once per ClientId per device: one at a time per device, so a resend racing its original cannot send twice. */
export function submit(ctx: EasContext, input: ComposeInput, kind: SmartKind | null): Promise<null> {
  return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
    const remember = input.clientId !== null && ctx.persistentDevice;
    const now = Date.now();
    const sent = ((remember ? await readRecord(ctx, 'sent-client-ids') : null) ?? []).filter((s) => s.at > now - REMEMBER_MS);
    if (input.clientId && sent.some((s) => s.id === input.clientId)) throw new EasStatusError(ComposeStatus.previouslySent, 'this ClientId was already sent');
    await send(ctx, input, kind, now);
    if (remember && input.clientId) {
      const next = [...sent, { id: input.clientId, at: now }].slice(-REMEMBER_MAX);
      await writeRecord(ctx, 'sent-client-ids', next);
    }
    return null;
  });
}
