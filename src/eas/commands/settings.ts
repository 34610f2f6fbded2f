// MS-ASCMD 2.2.1.18 Settings: Oof Get/Set (the account's out-of-office, honoured by delivery through
// src/mail/oof.ts), DeviceInformation Set (stored in the device registry), UserInformation Get (the
// account's addresses; Accounts/PrimarySmtpAddress from 14.1), DevicePassword Set (the recovery password,
// kept for the admin when the device's policy enables recovery; see below) and RightsManagementInformation. Each requested property is answered in request order with its own
// Status (MS-ASCMD 2.2.3.177.15); the command's Status is 1 unless the request itself is malformed.
import {
  loadOof, MAX_OOF_REPLY_CHARS, oofAudiences, oofMessageAs, saveOof,
  type OofAudience, type OofBodyType, type OofMessage, type OofSettings, type OofState,
} from '../../mail/oof.js';
import type { DeviceInfo } from '../../store/types.js';
import { effectivePolicy } from '../../devices/policy.js';
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { mergeDeviceInfo, parseDeviceInformation } from '../provisioning/device-info.js';
import { child, el, elements, is, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';

const s = ns('Settings');

/** Settings Status values (MS-ASCMD 2.2.3.177.15). */
const St = { ok: 1, protocolError: 2, accessDenied: 3, serverUnavailable: 4, invalidArguments: 5, conflictingArguments: 6, deniedByPolicy: 7 } as const;

const audienceTags: Record<OofAudience, 'AppliesToInternal' | 'AppliesToExternalKnown' | 'AppliesToExternalUnknown'> = {
  internal: 'AppliesToInternal', externalKnown: 'AppliesToExternalKnown', externalUnknown: 'AppliesToExternalUnknown',
};

type Op =
  | { kind: 'oof-get'; bodyType: OofBodyType }
  | { kind: 'oof-set'; set: WbxmlElement }
  | { kind: 'device-info'; info: DeviceInfo }
  | { kind: 'user-info' }
  /** null: a Set without Password. */
  | { kind: 'device-password'; password: string | null }
  | { kind: 'rights-management' }
  /** A property element without the operation it needs: answered with a protocol error. */
  | { kind: 'bad'; tag: 'Oof' | 'DeviceInformation' | 'UserInformation' | 'DevicePassword' | 'RightsManagementInformation' };

function bodyTypeOf(v: string | undefined): OofBodyType | null {
  const t = v?.trim().toLowerCase();
  return t === 'text' ? 'Text' : t === 'html' ? 'HTML' : null;
}

function parseOp(e: WbxmlElement): Op {
  const tag = e.tag;
  if (is(e, 'Settings:Oof')) {
    const get = child(e, 'Settings:Get');
    if (get) return { kind: 'oof-get', bodyType: bodyTypeOf(textOf(get, 'Settings:BodyType')) ?? 'Text' };
    const set = child(e, 'Settings:Set');
    return set ? { kind: 'oof-set', set } : { kind: 'bad', tag: 'Oof' };
  }
  if (is(e, 'Settings:DeviceInformation')) {
    // The same reader as Provision's DeviceInformation (14.1 and later), so both store the same fields.
    const r = parseDeviceInformation(e);
    return r.ok ? { kind: 'device-info', info: r.info } : { kind: 'bad', tag: 'DeviceInformation' };
  }
  if (is(e, 'Settings:UserInformation')) return child(e, 'Settings:Get') ? { kind: 'user-info' } : { kind: 'bad', tag: 'UserInformation' };
  if (is(e, 'Settings:DevicePassword')) {
    const set = child(e, 'Settings:Set');
    return set ? { kind: 'device-password', password: textOf(set, 'Settings:Password') ?? null } : { kind: 'bad', tag: 'DevicePassword' };
  }
  if (is(e, 'Settings:RightsManagementInformation')) return { kind: 'rights-management' };
  throw new EasStatusError(St.protocolError, `unexpected element ${tag} in Settings`);
}

/** Epoch ms of an EAS dateTime (e.g. 2024-05-01T09:00:00.000Z), or null. */
function parseTime(v: string | undefined): number | null {
  if (v === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v.trim())) return null;
  const t = Date.parse(v.trim());
  return Number.isFinite(t) ? t : null;
}

/** Applies an Oof Set to the current settings; a Status when the request cannot be honoured. */
export function applyOofSet(cur: OofSettings, set: WbxmlElement): OofSettings | number {
  const next: OofSettings = { ...cur, messages: { ...cur.messages } };
  const stateText = textOf(set, 'Settings:OofState');
  if (stateText !== undefined) {
    if (!['0', '1', '2'].includes(stateText.trim())) return St.invalidArguments;
    next.state = Number(stateText.trim()) as OofState;
  }
  for (const [tag, key] of [['StartTime', 'start'], ['EndTime', 'end']] as const) {
    const v = textOf(set, `Settings:${tag}`);
    if (v === undefined) continue;
    const t = parseTime(v);
    if (t === null) return St.invalidArguments;
    next[key] = t;
  }
  if (next.state === 2) {
    if (next.start === null || next.end === null) return St.invalidArguments;
    if (next.end <= next.start) return St.conflictingArguments;
  }
  for (const m of elements(set).filter((x) => is(x, 'Settings:OofMessage'))) {
    const audiences = oofAudiences.filter((a) => child(m, `Settings:${audienceTags[a]}`));
    if (audiences.length !== 1) return St.invalidArguments;
    const audience = audiences[0]!;
    const prev: OofMessage = next.messages[audience] ?? { enabled: false, reply: '', bodyType: 'Text' };
    const enabled = textOf(m, 'Settings:Enabled');
    const reply = textOf(m, 'Settings:ReplyMessage');
    const bodyType = textOf(m, 'Settings:BodyType');
    const type = bodyType === undefined ? null : bodyTypeOf(bodyType);
    if (bodyType !== undefined && type === null) return St.invalidArguments;
    // MS-ASCMD 2.2.3.17: a ReplyMessage comes with its BodyType.
    if (reply !== undefined && type === null) return St.invalidArguments;
    if (reply !== undefined && reply.length > MAX_OOF_REPLY_CHARS) return St.invalidArguments;
    next.messages[audience] = {
      enabled: enabled === undefined ? prev.enabled : enabled.trim() === '1',
      reply: reply ?? prev.reply,
      bodyType: reply !== undefined && type ? type : prev.bodyType,
    };
  }
  return next;
}

function renderOofGet(o: OofSettings, type: OofBodyType): WbxmlElement {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  const start = iso(o.start);
  const end = iso(o.end);
  return s('Oof', s('Status', St.ok), s('Get',
    s('OofState', o.state),
    start !== null && s('StartTime', start),
    end !== null && s('EndTime', end),
    oofAudiences.map((a) => {
      const m = o.messages[a];
      const reply = m && m.reply !== '' ? oofMessageAs(m, type) : null;
      return s('OofMessage', s(audienceTags[a]), s('Enabled', m?.enabled ? 1 : 0), reply !== null && [s('ReplyMessage', reply), s('BodyType', type)]);
    }),
  ));
}

function renderUserInfo(ctx: EasContext): WbxmlElement {
  const { account } = ctx;
  // 14.1 added Accounts (MS-ASCMD 2.2.3.2); earlier versions know only the flat address list.
  if (ctx.version < 141) return s('UserInformation', s('Status', St.ok), s('Get', s('EmailAddresses', s('SMTPAddress', account.email))));
  return s('UserInformation', s('Status', St.ok), s('Get', s('Accounts', s('Account',
    s('UserDisplayName', account.displayName || account.email),
    s('EmailAddresses', s('SMTPAddress', account.email), s('PrimarySmtpAddress', account.email)),
  ))));
}

/** Longer recovery passwords are refused: a device must not be able to fill the store through one. */
const MAX_RECOVERY_PASSWORD = 256;

/**
 * DevicePassword Set (MS-ASCMD 2.2.3.52): the device's recovery password, which the admin can read later
 * to unlock the phone, so it is kept as given (not hashed) in the device's info record, as Exchange does,
 * and never logged. Only an enforced policy with PasswordRecoveryEnabled (MS-ASPROV) asks the
 * device for it; otherwise the answer is 7 (denied by policy). An empty Password forgets the stored one.
 */
async function setRecoveryPassword(ctx: EasContext, password: string | null): Promise<number> {
  const { store } = ctx.deps;
  const policy = await effectivePolicy(store, ctx.account);
  if (!policy.enabled || policy.values.PasswordRecoveryEnabled !== '1') return St.deniedByPolicy;
  if (password === null) return St.protocolError;
  if (password.length > MAX_RECOVERY_PASSWORD) return St.invalidArguments;
  if (ctx.persistentDevice) {
    const cur = (await store.devices.get(ctx.account.id, ctx.device.deviceId)) ?? ctx.device;
    const { recoveryPassword: _old, ...rest } = cur.info;
    await store.devices.update(ctx.account.id, cur.deviceId, { info: password === '' ? rest : { ...rest, recoveryPassword: password } });
  }
  ctx.log.info({ event: 'device-recovery-password-set', cleared: password === '' }, 'device recovery password stored');
  return St.ok;
}

async function run(ctx: EasContext, op: Op): Promise<WbxmlElement> {
  const { store } = ctx.deps;
  switch (op.kind) {
    case 'bad':
      return s(op.tag, s('Status', St.protocolError));
    case 'oof-get':
      return renderOofGet(await loadOof(store, ctx.account.id), op.bodyType);
    case 'oof-set': {
      const next = applyOofSet(await loadOof(store, ctx.account.id), op.set);
      if (typeof next === 'number') return s('Oof', s('Status', next));
      // Oof belongs to the account, not the device: even the `validate` probe's change is kept.
      await saveOof(store, ctx.account.id, next);
      ctx.log.info({ event: 'oof-set', state: next.state }, 'out-of-office settings changed');
      return s('Oof', s('Status', St.ok));
    }
    case 'device-info': {
      if (ctx.persistentDevice) {
        // Re-read: the registry may have added to the User-Agent history since the request began.
        const cur = (await store.devices.get(ctx.account.id, ctx.device.deviceId)) ?? ctx.device;
        await store.devices.update(ctx.account.id, cur.deviceId, { info: mergeDeviceInfo(cur.info, op.info) });
      }
      return s('DeviceInformation', s('Status', St.ok));
    }
    case 'user-info':
      return renderUserInfo(ctx);
    case 'device-password':
      return s('DevicePassword', s('Status', await setRecoveryPassword(ctx, op.password)));
    case 'rights-management':
      // No IRM templates exist here: an empty list.
      return s('RightsManagementInformation', s('Status', St.ok), s('Get'));
  }
}

export const settingsCommand = defineCommand<Op[], WbxmlElement[]>({
  name: 'Settings',
  provisioning: 'required',
  minVersion: 120,
  body: { kind: 'wbxml', root: 'Settings:Settings' },
  invalidRequest: St.protocolError,
  // A Blocked or Quarantined device's store is read-only (src/eas/abq-standin.ts): its Oof Set is refused.
  errors: { forbidden: St.accessDenied },
  parse(root) {
    const ops = elements(root).map(parseOp);
    if (ops.length === 0) throw new EasStatusError(St.protocolError, 'Settings request asks for nothing');
    // Stray text in the root is tolerated, but not more than a handful of properties.
    if (ops.length > 16 || text(root).trim() !== '') throw new EasStatusError(St.protocolError, 'malformed Settings request');
    return ops;
  },
  async execute(ctx, ops) {
    const out: WbxmlElement[] = [];
    for (const op of ops) out.push(await run(ctx, op));
    return out;
  },
  render(results) {
    return { kind: 'wbxml', root: el('Settings:Settings', s('Status', St.ok), results) };
  },
});
