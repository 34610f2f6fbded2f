// The admin API plugin: JSON under /api/admin, errors as {error: {code, message}}.
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './context.js';
import { HttpError, sendError, toHttpError } from './http-errors.js';
import { applyRouteSchemas } from './route-schemas.js';
import { registerAudit } from './audit-hook.js';
import { registerAuditRoutes } from './routes-audit.js';
import { wantsBasicChallenge } from './session-auth.js';
import { registerAbqRoutes } from './routes-abq.js';
import { registerConfigRoutes } from './routes-config.js';
import { registerCredentialRoutes } from './routes-credentials.js';
import { registerDeviceActionRoutes } from './routes-device-actions.js';
import { registerDeviceRoutes } from './routes-devices.js';
import { registerDirectoryRoutes } from './routes-directory.js';
import { registerEasFilterRoutes } from './routes-eas-filters.js';
import { registerLockoutRoutes } from './routes-lockouts.js';
import { registerMailboxRoutes } from './routes-mailbox.js';
import { registerMailTransferRoutes } from './routes-mail-transfer.js';
import { registerFolderSyncRoutes } from './routes-folder-sync.js';
import { registerAccountLoggerRoutes } from './routes-account-loggers.js';
import { registerBackupRoutes } from './routes-backup.js';
import { registerProvisioningRoutes } from './routes-provisioning.js';
import { registerServiceRoutes } from './routes-services.js';
import { registerSessionRoutes } from './routes-sessions.js';
import { registerSimulateSyncRoutes } from './routes-simulate-sync.js';

export function adminApi(deps: AdminDeps) {
  return (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((err, req, reply) => {
      const e = toHttpError(err);
      if (e.status >= 500) req.log.error({ err }, 'admin API error');
      else req.log.info({ status: e.status, code: e.code }, e.message);
      if (e.status === 401 && wantsBasicChallenge(req)) void reply.header('www-authenticate', 'Basic realm="carbonio-admin", charset="UTF-8"');
      return sendError(reply, e);
    });
    app.setNotFoundHandler((_req, reply) => sendError(reply, new HttpError(404, 'not-found', 'no such admin endpoint')));
    // Bodies are JSON: a text/plain one is a 415, not a string for the handlers to refuse.
    app.removeContentTypeParser('text/plain');
    applyRouteSchemas(app, 'admin');
    registerAudit(app, deps, 'admin');
    registerDirectoryRoutes(app, deps);
    registerCredentialRoutes(app, deps);
    registerLockoutRoutes(app, deps);
    registerDeviceRoutes(app, deps);
    registerDeviceActionRoutes(app, deps);
    registerProvisioningRoutes(app, deps);
    registerConfigRoutes(app, deps);
    registerSessionRoutes(app, deps);
    registerMailboxRoutes(app, deps);
    registerMailTransferRoutes(app, deps);
    registerFolderSyncRoutes(app, deps);
    registerEasFilterRoutes(app, deps);
    registerAccountLoggerRoutes(app, deps);
    registerServiceRoutes(app, deps);
    registerAbqRoutes(app, deps);
    registerSimulateSyncRoutes(app, deps);
    registerAuditRoutes(app, deps);
    registerBackupRoutes(app, deps);
    return Promise.resolve();
  };
}
