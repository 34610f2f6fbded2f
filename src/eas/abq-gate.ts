// ABQ on the EAS request path (issue 15, carbonio-features.md 5.6), after authentication, the device
// registry and the gate (src/eas/http.ts): the device's decision (src/devices/abq.ts) picks the mailbox
// the command runs against. Allowed: the real one, unchanged. Blocked or Quarantined: the stand-in
// (abq-standin.ts) holding only the notice, for the commands a phone needs to show it (FolderSync,
// Sync, Ping, GetItemEstimate, ItemOperations, plus Provision and Settings, which concern the device);
// every other command (SendMail, SmartReply, MoveItems, Search, FolderCreate, ...) is refused with the
// common Status 130 AccessDenied (MS-ASCMD 2.2.2) in its root, or HTTP 403 before 14.0.
import type { AbqStatus } from '../store/abq-types.js';
import { abqFor, abqStoppedFor } from '../devices/abq.js';
import { noticeFor, noticeMime } from '../devices/abq-message.js';
import { freshSnapshot, runningIn, servicesSnapshot } from '../devices/services.js';
import { parseMessageMeta } from '../mail/parse.js';
import type { MessageMeta } from '../store/types.js';
import type { EasCommand, EasContext, EasResponse } from './command.js';
import { standInStore } from './abq-standin.js';
import { refusal } from './refusal.js';

/** MS-ASCMD 2.2.2 AccessDenied: "the user is not allowed to perform the action". */
export const ACCESS_DENIED = 130;
export const STANDIN_COMMANDS: ReadonlySet<string> = new Set(['FolderSync', 'Sync', 'Ping', 'GetItemEstimate', 'ItemOperations', 'Provision', 'Settings']);

export type AbqGate = { ok: true; ctx: EasContext; status: AbqStatus } | { ok: false; res: EasResponse; reason: string };

const metas = new WeakMap<Buffer, Promise<MessageMeta>>();

function metaOf(raw: Buffer): Promise<MessageMeta> {
  let m = metas.get(raw);
  if (!m) metas.set(raw, (m = parseMessageMeta(raw)));
  return m;
}

export async function abqGate(ctx: EasContext, command: EasCommand): Promise<AbqGate> {
  const { store } = ctx.deps;
  // `carbonio mobile doStopService abq` (services.ts): every ABQ check skipped, as with abqMode Disabled.
  const services = freshSnapshot(store, Date.now()) ?? (await servicesSnapshot(store));
  const check = runningIn(services, 'abq') ? abqFor : abqStoppedFor;
  const { decision, view, moved } = await check(store, ctx.account, ctx.device, ctx.persistentDevice);
  if (moved) ctx.log.info({ event: 'abq-moved', status: view.status, by: decision.by }, `device moved to the ${view.status === 'Allowed' ? 'real' : 'stand-in'} mailbox`);
  if (view.status === 'Allowed') return { ok: true, ctx, status: 'Allowed' };
  if (!STANDIN_COMMANDS.has(command.name)) {
    const res: EasResponse = ctx.version >= 140 ? refusal(command.name, ctx.version, ACCESS_DENIED) : { kind: 'http', status: 403 };
    return { ok: false, res, reason: `device ${view.status.toLowerCase()} (ABQ)` };
  }
  const message = await noticeFor(store, ctx.account.domainId, view.status === 'Blocked' ? 'blocked' : 'quarantined', ctx.device.info.osLanguage);
  const domain = ctx.account.email.slice(ctx.account.email.lastIndexOf('@') + 1);
  const raw = await noticeMime(message, ctx.account.email, `postmaster@${domain}`, view.since);
  const inbox = await store.mailbox.getFolderByRole(ctx.account.id, 'inbox');
  if (!inbox) throw new Error('the account has no Inbox');
  const notice = { raw, meta: await metaOf(raw), receivedAt: view.since, modseq: Math.max(view.since, message.updatedAt), folderId: inbox.id };
  // `log` by name: the request's context keeps it behind a getter, which a spread does not copy.
  return { ok: true, ctx: { ...ctx, log: ctx.log, deps: { ...ctx.deps, store: standInStore(store, ctx.account.id, notice) } }, status: view.status };
}
