// The IMAP front end (RFC 9051 IMAP4rev2, serving IMAP4rev1 clients too): CARBONIO_IMAP_PORT (STARTTLS when
// TLS is configured) and CARBONIO_IMAPS_PORT (TLS from the first byte), on the shared listeners of
// src/access, over the same store, change log and bus as ActiveSync.
import { startListeners, type MailAccessDeps, type MailAccessServer } from '../access/index.js';
import { FolderSyncs } from './deps.js';
import { startExpungedRetention } from './retention.js';
import { ImapSession } from './session.js';

export async function startImap(deps: MailAccessDeps): Promise<MailAccessServer | null> {
  const { config } = deps;
  const tlsPort = deps.tls ? config.imapsPort : null;
  if (config.imapPort === null && tlsPort === null) return null;
  const log = deps.log.child({ svc: 'imap' });
  const syncs = new FolderSyncs();
  const listeners = await startListeners({
    protocol: 'imap',
    bindAddress: config.bindAddress,
    plainPort: config.imapPort,
    tlsPort,
    tls: deps.tls,
    limits: deps.limits,
    log,
    tooManyLine: '* BYE [UNAVAILABLE] Too many connections from your address\r\n',
    goodbyeLine: '* BYE [UNAVAILABLE] Server shutting down\r\n',
    onConnection: (conn, starttls) => new ImapSession({ ...deps, log, syncs }, conn, starttls).start(),
  });
  log.info({ imapPort: listeners.plainPort, imapsPort: listeners.tlsPort }, 'imap listening');
  const stopRetention = startExpungedRetention(deps.store.imap, log);
  const close = (): ReturnType<typeof listeners.close> => {
    stopRetention();
    return listeners.close();
  };
  return { protocol: 'imap', plainPort: listeners.plainPort, tlsPort: listeners.tlsPort, close };
}
