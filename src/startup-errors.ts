// The one line the server prints when it cannot start for a reason the operator fixes in the environment:
// a port already taken (named by the variable that sets it) or a privileged port. Other errors keep their
// own message (the store names an unreachable database or a newer schema itself, src/store/sql/connect.ts).
import type { Config } from './config.js';
import { errorMessage } from './core/errors.js';

interface ListenError { code?: unknown; port?: unknown; address?: unknown }

/** The variables that set each listener's port, for the ports in use in this configuration. */
export function portVariables(config: Config): Array<[string, number | null]> {
  return [
    ['CARBONIO_HTTP_PORT', config.httpPort],
    // HTTPS listens only with a certificate (or when it replaces plain HTTP).
    ['CARBONIO_HTTPS_PORT', config.tls ? config.httpsPort : null],
    ['CARBONIO_SMTP_PORT', config.smtpPort],
    ['CARBONIO_SUBMISSION_PORT', config.submissionPort],
    ['CARBONIO_SMTPS_PORT', config.tls ? config.smtpsPort : null],
    ['CARBONIO_IMAP_PORT', config.imapPort],
    ['CARBONIO_IMAPS_PORT', config.tls ? config.imapsPort : null],
    ['CARBONIO_POP3_PORT', config.pop3Port],
    ['CARBONIO_POP3S_PORT', config.tls ? config.pop3sPort : null],
  ];
}

export function startupFailure(err: unknown, config: Config): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ListenError;
  if ((e.code === 'EADDRINUSE' || e.code === 'EACCES') && typeof e.port === 'number') {
    const port = e.port;
    const names = portVariables(config).filter(([, p]) => p === port).map(([n]) => n);
    const where = `${typeof e.address === 'string' ? e.address : config.bindAddress}:${port}`;
    const which = names.length > 0 ? names.join(' or ') : 'the port settings';
    const why = e.code === 'EADDRINUSE' ? 'is already in use by another process' : 'may not be opened by this user (ports below 1024 need privileges)';
    return `port ${where} ${why}; set ${which} to a free port`;
  }
  return errorMessage(err);
}
