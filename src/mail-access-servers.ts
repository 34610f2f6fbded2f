// The mail-access protocols the server runs (src/access/index.ts): one line each.
import type { MailAccessStarter } from './access/index.js';
import { startImap } from './imap/index.js';
import { startPop3 } from './pop3/index.js';

export const mailAccessStarters: readonly MailAccessStarter[] = [
  startImap,
  startPop3,
];
