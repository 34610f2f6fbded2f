// Account and credential operations that involve secrets: hashing, generation, the one-time clear
// text and the QR payload. The admin API and the bootstrap go through here, never straight to the
// store, so no path can store a clear-text secret.
import type { Config } from '../config.js';
import { StoreError } from '../core/errors.js';
import type { AccountId, CredentialId } from '../core/ids.js';
import { allServices, type Account, type Credential, type CredentialPatch, type Service, type Store } from '../store/types.js';
import { hashSecret } from './password-hash.js';
import { generateSecret } from './secrets.js';

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 512;

export interface NewCredentialRequest {
  password?: string;
  label?: string;
  services?: Service[];
  qrcode?: boolean;
}

export interface CreatedCredential {
  credential: Credential;
  /** The clear text, returned this once and never stored. */
  secret: string;
  /** For QR credentials: what the QR code encodes (server URL, account, secret). */
  qrPayload: string | null;
}

/** Case-insensitive service names as the CLI accepts them (`eas`, `imap,pop3`). */
export function parseServices(list: string[]): Service[] {
  const out: Service[] = [];
  for (const raw of list) {
    const s = allServices.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
    if (!s) throw new StoreError('invalid', `unknown service "${raw}"; known: ${allServices.join(', ')}`);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function checkPassword(p: string): void {
  if (p.length < MIN_PASSWORD_LENGTH) throw new StoreError('invalid', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (p.length > MAX_PASSWORD_LENGTH) throw new StoreError('invalid', `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

export class DirectoryService {
  /** `publicUrl` is read when a QR code is made: the app knows it for sure only once it listens. */
  constructor(private readonly store: Store, private readonly config: Pick<Config, 'kdf'> & { publicUrl: () => string }) {}

  async createAccount(input: { email: string; password: string; displayName?: string; isGlobalAdmin?: boolean }): Promise<Account> {
    checkPassword(input.password);
    const passwordHash = await hashSecret(input.password, this.config.kdf);
    return this.store.accounts.create({
      email: input.email,
      passwordHash,
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
      ...(input.isGlobalAdmin !== undefined ? { isGlobalAdmin: input.isGlobalAdmin } : {}),
    });
  }

  async setPassword(accountId: AccountId, password: string): Promise<void> {
    checkPassword(password);
    await this.store.accounts.setPasswordHash(accountId, await hashSecret(password, this.config.kdf));
    // A new password signs the account out of the web console everywhere (the old one may have leaked).
    await this.store.webSessions.deleteForAccount(accountId);
  }

  async addCredential(account: Account, req: NewCredentialRequest): Promise<CreatedCredential> {
    const qrcode = req.qrcode ?? false;
    // A QR credential is for the mobile apps; a plain one defaults to EAS, i.e. a mobile password.
    const services = req.services && req.services.length > 0 ? req.services : [qrcode ? 'MobileApp' : 'EAS'] as Service[];
    if (qrcode && !services.includes('MobileApp')) services.push('MobileApp');
    const generated = req.password === undefined;
    const secret = req.password ?? generateSecret();
    if (!generated) checkPassword(secret);
    const label = (req.label ?? '').trim();
    if (label.length > 128) throw new StoreError('invalid', 'label must be at most 128 characters');
    const credential = await this.store.credentials.create({
      accountId: account.id, label, services, hash: await hashSecret(secret, this.config.kdf), generated, qrcode,
    });
    const qrPayload = qrcode
      ? JSON.stringify({ server: this.config.publicUrl(), user: account.email, password: secret, label, id: credential.id })
      : null;
    return { credential, secret, qrPayload };
  }

  updateCredential(accountId: AccountId, id: CredentialId, patch: CredentialPatch): Promise<Credential> {
    if (patch.services !== undefined && patch.services.length === 0) {
      return Promise.reject(new StoreError('invalid', 'a credential needs at least one service'));
    }
    return this.store.credentials.update(accountId, id, patch);
  }
}
