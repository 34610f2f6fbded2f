// Admin API: service credentials (Carbonio Auth). The clear text leaves the server once, in the
// answer to the POST that created it; lists never carry it, nor the hash.
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { parseServices, type CreatedCredential } from '../auth/directory-service.js';
import { asCredentialId } from '../core/ids.js';
import type { Account, CredentialPatch } from '../store/types.js';
import { asBody, optBool, optString, optStringList } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';
import { credentialView } from './views.js';
import { noteAuditDetail } from './audit-hook.js';

type P<T extends string> = { Params: Record<T, string> };

/** The answer to a creation: the only time the secret (and the QR code) leave the server. */
export async function createdView(a: Account, created: CreatedCredential) {
  return {
    credential: credentialView(created.credential),
    // Carbonio's names for this block (`carbonio auth credential add` prints text_data / auth_method).
    text_data: { auth_method: 'password', password: created.secret, user: a.email },
    ...(created.qrPayload !== null
      ? { qr: { payload: created.qrPayload, pngDataUrl: await QRCode.toDataURL(created.qrPayload, { errorCorrectionLevel: 'M' }) } }
      : {}),
  };
}

export function registerCredentialRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, directory } = deps;

  app.get<P<'email'>>('/accounts/:email/credentials', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, credentials: (await store.credentials.list(a.id)).map(credentialView) };
  });

  app.post<P<'email'>>('/accounts/:email/credentials', async (req, reply) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const services = optStringList(b, 'services');
    const password = optString(b, 'password');
    const label = optString(b, 'label');
    const qrcode = optBool(b, 'qrcode');
    const created = await directory.addCredential(a, {
      ...(password !== undefined ? { password } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(services !== undefined ? { services: parseServices(services) } : {}),
      ...(qrcode !== undefined ? { qrcode } : {}),
    });
    deps.log.info({ event: 'credential-created', account: a.email, credential: created.credential.id, services: created.credential.services, by: p.account.email }, 'credential created');
    noteAuditDetail(req, { credentialId: created.credential.id });
    void reply.code(201).header('cache-control', 'no-store');
    return createdView(a, created);
  });

  app.patch<P<'email' | 'id'>>('/accounts/:email/credentials/:id', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const patch: CredentialPatch = {};
    const label = optString(b, 'label');
    if (label !== undefined) patch.label = label;
    const enabled = optBool(b, 'enabled');
    if (enabled !== undefined) patch.enabled = enabled;
    const services = optStringList(b, 'services');
    if (services !== undefined) patch.services = parseServices(services);
    if (Object.keys(patch).length === 0) throw badRequest('nothing to change: give label, enabled or services');
    const c = await directory.updateCredential(a.id, asCredentialId(req.params.id), patch);
    deps.log.info({ event: 'credential-updated', account: a.email, credential: c.id, by: p.account.email }, 'credential updated');
    return { credential: credentialView(c) };
  });

  app.delete<P<'email' | 'id'>>('/accounts/:email/credentials/:id', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const id = asCredentialId(req.params.id);
    if (!(await store.credentials.get(a.id, id))) throw notFound(`credential ${req.params.id}`);
    await store.credentials.delete(a.id, id);
    deps.log.info({ event: 'credential-deleted', account: a.email, credential: id, by: p.account.email }, 'credential deleted');
    return { deleted: id };
  });
}
