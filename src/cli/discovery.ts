// Where the CLI finds the server and the admin login (issue 17 part 4), first match wins:
//   1. CARBONIO_ADMIN_USER + CARBONIO_ADMIN_PASSWORD; CARBONIO_ADMIN_PASSWORD alone means the admin the
//      server creates on an empty store, admin@<CARBONIO_DEFAULT_DOMAIN> (src/bootstrap.ts), which is
//      also what that same variable sets the password of;
//   2. the login `carbonio login` saved (saved-login.ts), unless CARBONIO_ADMIN_URL names another
//      server: its secret must never go to a server it was not made for;
//   3. <CARBONIO_DATA_DIR>/admin-credentials, the file the server writes on first start. With no
//      CARBONIO_DATA_DIR: ./data, then the data folder of this installation, so the CLI also works
//      outside the project folder on the server's own machine.
// The URL is CARBONIO_ADMIN_URL, else the saved login's, else the default. An error lists every
// source tried and why it did not answer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, errorMessage } from '../core/errors.js';
import { AdminClient, adminBaseUrl, normalizeBaseUrl, type AdminLogin, type Env } from './client.js';
import { readSavedLogin, savedLoginFile } from './saved-login.js';

/** dist/src/cli/discovery.js -> the installation's root, three levels up. */
const installRoot = (): string => fileURLToPath(new URL('../../../', import.meta.url));

/** The admin the server creates on an empty store (src/bootstrap.ts; the default of src/config.ts). */
export const defaultAdmin = (env: Env): string => `admin@${(env.CARBONIO_DEFAULT_DOMAIN || 'example.com').toLowerCase()}`;

/** The admin-credentials files to look at, in order. */
export function credentialsFiles(env: Env): string[] {
  if (env.CARBONIO_DATA_DIR) return [path.join(path.resolve(env.CARBONIO_DATA_DIR), 'admin-credentials')];
  const files = [path.resolve('data', 'admin-credentials'), path.join(installRoot(), 'data', 'admin-credentials')];
  return [...new Set(files)];
}

function fromCredentialsFile(file: string): { user: string; password: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read the admin credentials in ${file}: ${errorMessage(err)}`);
  }
  const [first, second] = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const user = (first ?? '').trim();
  if (!user || !second) throw new ConfigError(`${file} must hold the admin email, then the password, on two lines`);
  return { user, password: second };
}

export function resolveLogin(env: Env): AdminLogin {
  const user = env.CARBONIO_ADMIN_USER;
  const password = env.CARBONIO_ADMIN_PASSWORD;
  if (user && !password) throw new ConfigError('CARBONIO_ADMIN_USER is set but CARBONIO_ADMIN_PASSWORD is not');
  if (password) {
    return user
      ? { baseUrl: adminBaseUrl(env), user, password, source: 'CARBONIO_ADMIN_USER and CARBONIO_ADMIN_PASSWORD' }
      : { baseUrl: adminBaseUrl(env), user: defaultAdmin(env), password, source: 'CARBONIO_ADMIN_PASSWORD (the default admin)' };
  }
  const tried = ['CARBONIO_ADMIN_USER/CARBONIO_ADMIN_PASSWORD (not set)'];

  const savedFile = savedLoginFile(env);
  const saved = readSavedLogin(savedFile);
  if (!saved) tried.push(`${savedFile} (none: see carbonio login)`);
  else {
    const savedUrl = normalizeBaseUrl(saved.url, `the URL in ${savedFile}`);
    if (!env.CARBONIO_ADMIN_URL || adminBaseUrl(env) === savedUrl) {
      return { baseUrl: savedUrl, user: saved.user, password: saved.secret, source: savedFile };
    }
    tried.push(`${savedFile} (saved for ${savedUrl}, not CARBONIO_ADMIN_URL ${adminBaseUrl(env)})`);
  }

  for (const file of credentialsFiles(env)) {
    const c = fromCredentialsFile(file);
    if (c) return { baseUrl: adminBaseUrl(env), ...c, source: file };
    tried.push(`${file} (not found)`);
  }
  throw new ConfigError(`no admin credentials; tried: ${tried.join('; ')}. Run carbonio login <url> <email>, or set CARBONIO_ADMIN_USER and CARBONIO_ADMIN_PASSWORD`);
}

/** The client of every module command: the login is looked up at its first call. */
export const clientFromEnv = (env: Env): AdminClient => new AdminClient(() => resolveLogin(env));
