// The account's own remote wipe (a lost phone) and out-of-office, under /api/self:
//   POST   /devices/:deviceId/wipe {confirm: true, accountOnly?}   wipe at the next connection
//   DELETE /devices/:deviceId/wipe                                 cancel a pending wipe
//   GET    /oof                                                    out-of-office settings
//   PUT    /oof {state, start?, end?, internal?, external?}        change them
// The wipe follows the admin API's rules (wipe.ts). Out-of-office is the record EAS Settings Oof reads and
// writes (src/mail/oof.ts): `internal` answers the account's own domain, `external` everyone else
// (Exchange's "known" and "unknown" external audiences get the same text here); null turns one off.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { asDeviceId } from '../core/ids.js';
import { loadOof, MAX_OOF_REPLY_CHARS, saveOof, type OofMessage, type OofSettings } from '../mail/oof.js';
import type { Account } from '../store/types.js';
import { asBody, optBool, type Body } from './body.js';
import type { AdminDeps } from './context.js';
import { badRequest } from './http-errors.js';
import { cancelWipe, requestWipe } from './wipe.js';

type P<T extends string> = { Params: Record<T, string> };

const oofView = (s: OofSettings) => ({
  state: s.state,
  start: s.start === null ? null : new Date(s.start).toISOString(),
  end: s.end === null ? null : new Date(s.end).toISOString(),
  internal: s.messages.internal?.enabled ? s.messages.internal.reply : null,
  external: s.messages.externalUnknown?.enabled ? s.messages.externalUnknown.reply : s.messages.externalKnown?.enabled ? s.messages.externalKnown.reply : null,
});

function instant(b: Body, key: string): number | null {
  const v = b[key];
  if (v === undefined || v === null || v === '') return null;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw badRequest(`"${key}" must be a date and time (ISO 8601)`);
  return t;
}

function reply(b: Body, key: string): OofMessage | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${key}" must be a text or null`);
  if (v.length > MAX_OOF_REPLY_CHARS) throw badRequest(`"${key}" must be at most ${MAX_OOF_REPLY_CHARS} characters`);
  return { enabled: true, reply: v, bodyType: 'Text' };
}

export function registerSelfExtraRoutes(app: FastifyInstance, deps: AdminDeps, me: (req: FastifyRequest) => Promise<Account>): void {
  app.post<P<'deviceId'>>('/devices/:deviceId/wipe', async (req) => {
    const a = await me(req);
    const b = asBody(req.body);
    return requestWipe(deps, a, asDeviceId(req.params.deviceId), { accountOnly: optBool(b, 'accountOnly') ?? false, confirm: optBool(b, 'confirm') ?? false }, { by: a.email, via: 'self' });
  });

  app.delete<P<'deviceId'>>('/devices/:deviceId/wipe', async (req) => {
    const a = await me(req);
    return cancelWipe(deps, a, asDeviceId(req.params.deviceId), { by: a.email, via: 'self' });
  });

  app.get('/oof', async (req) => {
    const a = await me(req);
    return { account: a.email, oof: oofView(await loadOof(deps.store, a.id)) };
  });

  app.put('/oof', async (req) => {
    const a = await me(req);
    const b = asBody(req.body);
    const state = b.state;
    if (state !== 0 && state !== 1 && state !== 2) throw badRequest('"state" must be 0 (off), 1 (on) or 2 (between start and end)');
    const start = instant(b, 'start');
    const end = instant(b, 'end');
    if (state === 2 && (start === null || end === null || start >= end)) throw badRequest('a scheduled out-of-office needs a start before its end');
    const internal = reply(b, 'internal');
    const external = reply(b, 'external');
    if (state !== 0 && !internal && !external) throw badRequest('give a reply for your colleagues, for everyone else, or both');
    const settings: OofSettings = {
      state, start: state === 2 ? start : null, end: state === 2 ? end : null,
      messages: {
        ...(internal ? { internal } : {}),
        ...(external ? { externalKnown: external, externalUnknown: external } : {}),
      },
    };
    await saveOof(deps.store, a.id, settings);
    deps.log.info({ event: 'oof-set', account: a.email, state, via: 'self' }, 'out-of-office changed');
    return { account: a.email, oof: oofView(settings) };
  });
}
