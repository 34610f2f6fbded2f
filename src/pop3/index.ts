// The POP3 front end (RFC 1939, with RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034 SASL
// AUTH with PLAIN, RFC 8314 implicit TLS): CARBONIO_POP3_PORT (STLS when TLS is configured) and
// CARBONIO_POP3S_PORT (TLS from the first byte), on the shared listeners of src/access.
import { startListeners, type MailAccessDeps, type MailAccessServer } from '../access/index.js';
import { runSession } from './session.js';

export async function startPop3(deps: MailAccessDeps): Promise<MailAccessServer | null> {
  const { config } = deps;
  const tlsPort = deps.tls ? config.pop3sPort : null;
  if (config.pop3Port === null && tlsPort === null) return null;
  const log = deps.log.child({ svc: 'pop3' });
  const listeners = await startListeners({
    protocol: 'pop3',
    bindAddress: config.bindAddress,
    plainPort: config.pop3Port,
    tlsPort,
    tls: deps.tls,
    limits: deps.limits,
    log,
    // RFC 2449 section 8.1.2: IN-USE is for a maildrop in use; SYS/TEMP says "try again later".
    tooManyLine: '-ERR [SYS/TEMP] Too many connections from your address\r\n',
    goodbyeLine: '-ERR [SYS/TEMP] Server shutting down\r\n',
    onConnection: (conn, starttls) => runSession({ ...deps, log }, conn, starttls),
  });
  log.info({ pop3Port: listeners.plainPort, pop3sPort: listeners.tlsPort }, 'pop3 listening');
  return {
    protocol: 'pop3',
    plainPort: listeners.plainPort,
    tlsPort: listeners.tlsPort,
    close: () => listeners.close(),
  };
}
