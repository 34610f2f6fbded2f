// SendMail (MS-ASCMD 2.2.1.17): 14.0 and later send ComposeMail:SendMail {ClientId, SaveInSentItems, Mime};
// 12.1 and earlier send the raw MIME as the body with SaveInSent=T in the query. Success is an empty
// 200. A ClientId this device already sent answers 118 and sends nothing again (the peers do not check;
// the spec says the ClientId identifies duplicates). Failures: 107 bad MIME, 119 no recipient, 116 a
// local recipient that does not exist, 120 submission failed (no relay, or the relay refused), 113 quota.
import { isStoreError } from '../../core/errors.js';
import { OutgoingError, prepareOutgoing, sendOutgoing } from '../../mail/outgoing.js';
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { bytesOf, child, decode, isWbxmlError, textOf } from '../wbxml/index.js';

const SENT_IDS = '#sendmail';
const REMEMBER_MS = 7 * 86_400_000;
const REMEMBER_MAX = 500;

export const SendStatus = {
  invalidMime: 107, recipientUnresolved: 116, previouslySent: 118, noRecipient: 119, submissionFailed: 120, quota: 113, invalidWbxml: 102,
} as const;

interface Input { clientId: string | null; saveInSent: boolean; mime: Uint8Array }

function parse(bytes: Buffer, ctx: EasContext): Input {
  if (ctx.version < 140) {
    // The raw message; SaveInSent=T in the query (default F, MS-ASCMD 2.2.1.17.1).
    return { clientId: null, saveInSent: ctx.query.saveInSent === true, mime: bytes };
  }
  let root;
  try {
    root = bytes.length > 0 ? decode(bytes) : null;
  } catch (err) {
    if (isWbxmlError(err)) throw new EasStatusError(SendStatus.invalidWbxml, `malformed WBXML: ${err.code}`);
    throw err;
  }
  if (!root || root.tag !== 'SendMail') throw new EasStatusError(SendStatus.invalidWbxml, 'the body is not a SendMail');
  const clientId = textOf(root, 'ComposeMail:ClientId');
  const mime = bytesOf(root, 'ComposeMail:Mime');
  if (!clientId || !mime) throw new EasStatusError(SendStatus.invalidMime, 'SendMail needs ClientId and Mime');
  return { clientId, saveInSent: child(root, 'ComposeMail:SaveInSentItems') !== undefined, mime };
}

type Sent = Array<{ id: string; at: number }>;

async function execute(ctx: EasContext, input: Input): Promise<null> {
  const { store } = ctx.deps;
  // One at a time per device, so a resend racing its original cannot send twice.
  return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
    const row = input.clientId && ctx.persistentDevice ? await store.deviceState.getCollection(ctx.account.id, ctx.device.deviceId, SENT_IDS) : null;
    const now = Date.now();
    const sent: Sent = row ? (JSON.parse(row.data) as Sent).filter((s) => s.at > now - REMEMBER_MS) : [];
    if (input.clientId && sent.some((s) => s.id === input.clientId)) throw new EasStatusError(SendStatus.previouslySent, 'this ClientId was already sent');
    try {
      const prepared = await prepareOutgoing(input.mime, ctx.account, now);
      const r = await sendOutgoing(ctx.deps.outgoing, ctx.account, prepared, input.saveInSent);
      ctx.log.info({ event: 'eas-sendmail', recipients: prepared.recipients.length, local: r.local, relayed: r.relayed, bytes: prepared.raw.length }, 'message sent');
    } catch (err) {
      if (err instanceof OutgoingError) {
        const status = { 'invalid-mime': SendStatus.invalidMime, 'no-recipients': SendStatus.noRecipient, unresolved: SendStatus.recipientUnresolved, 'no-relay': SendStatus.submissionFailed, 'relay-refused': SendStatus.submissionFailed }[err.reason];
        throw new EasStatusError(status, err.message);
      }
      if (isStoreError(err, 'quota')) throw new EasStatusError(SendStatus.quota, err.message);
      throw err;
    }
    if (input.clientId && ctx.persistentDevice) {
      const next = [...sent, { id: input.clientId, at: now }].slice(-REMEMBER_MAX);
      await store.deviceState.putCollection(ctx.account.id, ctx.device.deviceId, SENT_IDS, '', JSON.stringify(next));
    }
    return null;
  });
}

export const sendMailCommand = defineCommand<Input, null>({
  name: 'SendMail',
  provisioning: 'required',
  body: 'raw',
  parse(body, ctx) {
    return parse(body.kind === 'raw' ? body.bytes : Buffer.alloc(0), ctx);
  },
  execute,
  render: () => ({ kind: 'empty' }),
});
