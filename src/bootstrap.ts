// First start on an empty store: the default domain and a global admin `admin@<domain>`.
// The admin password is CARBONIO_ADMIN_PASSWORD when set; otherwise it is generated, written to
// <data dir>/admin-credentials (mode 0600, read by the CLI) and shown once on the terminal (never in the
// log stream: the log says where the file is).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { DirectoryService } from './auth/directory-service.js';
import { generateSecret } from './auth/secrets.js';
import type { Logger } from './core/logger.js';
import type { Store } from './store/types.js';

export const adminCredentialsFile = (dataDir: string): string => path.join(dataDir, 'admin-credentials');

export interface BootstrapResult {
  created: boolean;
  adminEmail: string;
  /** Set only when the password was generated on this start. */
  generatedPassword: string | null;
}

export async function bootstrap(config: Pick<Config, 'defaultDomain' | 'adminPassword' | 'dataDir'>, store: Store, directory: DirectoryService, log: Logger): Promise<BootstrapResult> {
  const adminEmail = `admin@${config.defaultDomain}`;
  if ((await store.accounts.count()) > 0) return { created: false, adminEmail, generatedPassword: null };
  if (!(await store.domains.getByName(config.defaultDomain))) await store.domains.create(config.defaultDomain);
  const password = config.adminPassword ?? generateSecret(24);
  await directory.createAccount({ email: adminEmail, password, displayName: 'Administrator', isGlobalAdmin: true });
  if (config.adminPassword === undefined) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const file = adminCredentialsFile(config.dataDir);
    fs.writeFileSync(file, `${adminEmail}\n${password}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
  }
  log.info({
    adminEmail, domain: config.defaultDomain,
    ...(config.adminPassword === undefined ? { passwordFile: adminCredentialsFile(config.dataDir) } : {}),
  }, 'empty store: created the default domain and the global admin');
  return { created: true, adminEmail, generatedPassword: config.adminPassword === undefined ? password : null };
}
