// One POP3 session (RFC 1939). Placeholder until the commands land.
import type { AccessConnection, MailAccessDeps, TlsContexts } from '../access/index.js';

export function runSession(_deps: MailAccessDeps, conn: AccessConnection, _starttls: TlsContexts | null): void {
  void conn.write('+OK carbonio-mobile POP3 server ready\r\n');
  conn.end('-ERR [SYS/TEMP] not implemented yet\r\n');
}
